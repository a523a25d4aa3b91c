from django.contrib import admin

from codebook.models import Code, CodebookEvent, CodeRelation


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "parent", "level", "framework", "is_codable"]
    list_filter = ["level", "framework", "is_codable"]
    search_fields = ["name", "definition"]
    list_select_related = ["project", "parent"]
    raw_id_fields = ["parent"]


@admin.register(CodeRelation)
class CodeRelationAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "target", "project"]
    raw_id_fields = ["source", "target"]


@admin.register(CodebookEvent)
class CodebookEventAdmin(admin.ModelAdmin):
    """Read-only: the history records what happened and is not edited after the fact."""

    list_display = ["created_at", "project", "user", "action", "summary"]
    list_filter = ["action"]
    list_select_related = ["project", "user"]
    search_fields = ["summary"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
