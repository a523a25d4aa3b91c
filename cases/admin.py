from django.contrib import admin

from cases.deletion import delete_with_originals
from cases.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Membership,
    Project,
    Transcript,
    TranscriptAttributeValue,
)


class DeletesOriginals:
    """The admin's delete page and its "delete selected" action remove original files as the app does."""

    def delete_model(self, request, obj) -> None:
        delete_with_originals(doomed=obj)

    def delete_queryset(self, request, queryset) -> None:
        delete_with_originals(doomed=queryset)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(DeletesOriginals, admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "applies_to", "kind"]
    list_filter = ["applies_to", "kind"]


class CaseAttributeValueInline(admin.TabularInline):
    model = CaseAttributeValue
    extra = 0


@admin.register(Case)
class CaseAdmin(DeletesOriginals, admin.ModelAdmin):
    list_display = ["name", "project"]
    search_fields = ["name"]
    inlines = [CaseAttributeValueInline]


class TranscriptAttributeValueInline(admin.TabularInline):
    model = TranscriptAttributeValue
    extra = 0


@admin.register(Transcript)
class TranscriptAdmin(DeletesOriginals, admin.ModelAdmin):
    list_display = ["title", "case", "respondent", "respondent_role", "interview_date", "language"]
    list_filter = ["language"]
    search_fields = ["title", "respondent"]
    list_select_related = ["case"]
    inlines = [TranscriptAttributeValueInline]
