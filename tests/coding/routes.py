"""URLs under a project: url name → {method: minimum role}; tests/cases/test_access.py checks them all."""

from cases.models import Role

ROUTES = {
    "coding:workspace": {"GET": Role.VIEWER},
    "coding:apply_hx": {"POST": Role.CODER},
    "coding:undo_hx": {"POST": Role.CODER},
    "coding:segment_hx": {"GET": Role.VIEWER},
    "coding:segment_span_hx": {"POST": Role.CODER},
    "coding:segment_memo_hx": {"POST": Role.CODER},
    "coding:segment_delete_hx": {"POST": Role.CODER},
    "coding:coding_valence_hx": {"POST": Role.CODER},
    "coding:coding_delete_hx": {"POST": Role.CODER},
    "coding:matrix": {"GET": Role.VIEWER},
    "coding:matrix_cell_hx": {"GET": Role.VIEWER},
    "coding:matrix_export": {"GET": Role.VIEWER},
    "coding:cooccurrence": {"GET": Role.VIEWER},
    "coding:cooccurrence_cell_hx": {"GET": Role.VIEWER},
    "coding:retrieval": {"GET": Role.VIEWER},
    "coding:agreement": {"GET": Role.VIEWER},
    "coding:agreement_export": {"GET": Role.VIEWER},
    "coding:excerpts_export": {"GET": Role.VIEWER},
    "coding:report_export": {"GET": Role.VIEWER},
}
