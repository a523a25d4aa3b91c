from django.contrib import admin

from cases.deletion import delete_with_originals
from cases.models import (
    AccessEvent,
    Attribute,
    Case,
    CaseAttributeValue,
    Invitation,
    Membership,
    MembershipEvent,
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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made, resent and revoked on the team page, which sends the e-mail."""

    list_display = [
        "email",
        "project",
        "role",
        "invited_by",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_select_related = ["project", "invited_by"]
    search_fields = ["email", "project__name"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    """Read-only: the team activity is a record of what happened."""

    list_display = ["created_at", "project", "kind", "actor_name", "subject_name", "role"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    search_fields = ["actor_name", "subject_name", "project__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """The whole site's access log, sign-ins included; read-only, as the database keeps it."""

    list_display = ("at", "user_name", "action", "project_name", "detail", "address")
    list_filter = ("action",)
    search_fields = ("user_name", "project_name", "detail", "address")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
