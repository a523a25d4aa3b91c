from django.contrib import admin

from codebook.models import Code, CodeRelation


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
