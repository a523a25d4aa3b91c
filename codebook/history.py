"""The codebook's history: one event per change, written inside the change's own transaction."""

from cases.models import Project
from codebook.models import Code, CodebookAction, CodebookEvent

SUMMARY_LENGTH = CodebookEvent._meta.get_field("summary").max_length


def record(
    *,
    project: Project,
    user,
    action: CodebookAction,
    summary: str,
    code: Code | None = None,
    detail: dict | None = None,
) -> CodebookEvent:
    """Adds an event to the project's codebook history; call it inside the transaction making the change."""
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[: SUMMARY_LENGTH - 1] + "…"
    return CodebookEvent.objects.create(
        project=project,
        user=user if user is not None and user.is_authenticated else None,
        code=code,
        action=action,
        summary=summary,
        detail=detail or {},
    )


def snapshot(code: Code) -> dict:
    """What a code was, in JSON: kept in the history so a deleted or merged code can still be read there."""
    return {
        "id": code.pk,
        "guid": str(code.guid),
        "name": code.name,
        "parent_id": code.parent_id,
        "level": code.level,
        "framework": code.framework,
        "definition": code.definition,
        "inclusion": code.inclusion,
        "exclusion": code.exclusion,
        "example": code.example,
        "colour": code.colour,
        "is_codable": code.is_codable,
        "is_core": code.is_core,
    }
