"""The site admin for operators: accounts, their display names, and deactivating someone who has left.

A deactivated account cannot sign in; its codings, memos and history stay, attributed to its display name.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import Profile
from accounts.people import display_name

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


@admin.action(description="Deactivate the selected accounts (their work stays)")
def deactivate(modeladmin, request, queryset):
    count = queryset.exclude(pk=request.user.pk).update(is_active=False)
    modeladmin.message_user(
        request, f"{count} account(s) deactivated; they can no longer sign in.", messages.SUCCESS
    )


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    inlines = [ProfileInline]
    actions = [deactivate]
    list_display = ("username", "name", "email", "is_active", "is_staff", "last_login")
    list_select_related = ("profile",)
    search_fields = ("username", "email", "profile__display_name")

    @admin.display(description="Display name", ordering="profile__display_name")
    def name(self, user) -> str:
        return display_name(user)
