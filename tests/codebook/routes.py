"""URLs under a project: url name → {method: minimum role}; tests/cases/test_access.py checks them all."""

from cases.models import Role

ROUTES = {
    "codebook:codebook": {"GET": Role.VIEWER},
    "codebook:seed": {"POST": Role.OWNER},
    "codebook:code_create": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:code_add": {"POST": Role.OWNER},
    "codebook:code_detail": {"GET": Role.VIEWER},
    "codebook:code_edit": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:code_delete": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:code_move": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:code_move_hx": {"POST": Role.OWNER},
    "codebook:code_reorder": {"POST": Role.OWNER},
    "codebook:code_level": {"POST": Role.OWNER},
    "codebook:code_merge": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:code_split": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:relation_add": {"POST": Role.OWNER},
    "codebook:relation_edit": {"POST": Role.OWNER},
    "codebook:relation_delete": {"POST": Role.OWNER},
    "codebook:network": {"GET": Role.VIEWER},
    "codebook:network_svg": {"GET": Role.VIEWER},
    "codebook:coverage": {"GET": Role.VIEWER},
    "codebook:history": {"GET": Role.VIEWER},
    "codebook:export_qdc": {"GET": Role.VIEWER},
    "codebook:export_csv": {"GET": Role.VIEWER},
    "codebook:document": {"GET": Role.VIEWER},
    "codebook:document_docx": {"GET": Role.VIEWER},
    "codebook:import_upload": {"GET": Role.OWNER, "POST": Role.OWNER},
    "codebook:import_confirm": {"POST": Role.OWNER},
}
