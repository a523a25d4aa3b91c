from django.contrib import admin

from cases.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Membership,
    Project,
    Transcript,
    TranscriptAttributeValue,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
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
class CaseAdmin(admin.ModelAdmin):
    list_display = ["name", "project"]
    search_fields = ["name"]
    inlines = [CaseAttributeValueInline]


class TranscriptAttributeValueInline(admin.TabularInline):
    model = TranscriptAttributeValue
    extra = 0


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["title", "case", "respondent", "respondent_role", "interview_date", "language"]
    list_filter = ["language"]
    search_fields = ["title", "respondent"]
    list_select_related = ["case"]
    inlines = [TranscriptAttributeValueInline]
