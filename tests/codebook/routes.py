"""URLs under a project: url name → {method: minimum role}; tests/cases/test_access.py checks them all."""

from cases.models import Role

ROUTES = {
    "codebook:codebook": {"GET": Role.VIEWER},
    "codebook:seed": {"POST": Role.OWNER},
    "codebook:code_detail": {"GET": Role.VIEWER},
}
