"""URLs under a project: url name → {method: minimum role}; tests/cases/test_access.py checks them all."""

from cases.models import Role

ROUTES = {
    "cases:project_detail": {"GET": Role.VIEWER},
    "cases:project_edit": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:project_delete": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:members": {"GET": Role.VIEWER},
    "cases:access_log": {"GET": Role.OWNER},
    "cases:access_log_csv": {"GET": Role.OWNER},
    "cases:invitation_create": {"POST": Role.OWNER},
    "cases:invitation_resend": {"POST": Role.OWNER},
    "cases:invitation_revoke": {"POST": Role.OWNER},
    "cases:member_role": {"POST": Role.OWNER},
    "cases:member_remove": {"POST": Role.OWNER},
    "cases:attributes": {"GET": Role.VIEWER, "POST": Role.OWNER},
    "cases:attribute_edit": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:attribute_delete": {"POST": Role.OWNER},
    "cases:case_list": {"GET": Role.VIEWER},
    "cases:case_create": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:case_detail": {"GET": Role.VIEWER},
    "cases:case_edit": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:case_delete": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:transcript_upload": {"GET": Role.CODER, "POST": Role.CODER},
    "cases:transcript_upload_hx": {"POST": Role.CODER},
    "cases:transcript_list": {"GET": Role.VIEWER},
    "cases:transcript_search": {"GET": Role.VIEWER},
    "cases:transcript_detail": {"GET": Role.VIEWER},
    "cases:transcript_edit": {"GET": Role.CODER, "POST": Role.CODER},
    "cases:transcript_delete": {"GET": Role.OWNER, "POST": Role.OWNER},
    "cases:transcript_original": {"GET": Role.VIEWER},
    "cases:transcript_speakers": {"GET": Role.CODER, "POST": Role.CODER},
}
