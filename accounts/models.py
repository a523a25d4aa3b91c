import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Identity(models.TextChoices):
    PERSON = "person", "person"
    CONSENSUS = "consensus", "consensus layer"
    IMPORTED = "imported", "imported coder"


class Profile(models.Model):
    """What a person is called in the app. A user without a profile is shown by their username.

    Not every coder is a person who signs in: the consensus layer that adjudication writes into, and coders
    of an imported project, are users without a usable password (`kind` says which) so that their codings are
    kept, counted and compared like anyone's.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    display_name = models.CharField(
        max_length=100, help_text="How teammates see you: in the workspace, the matrix, exports and history."
    )
    kind = models.CharField(max_length=10, choices=Identity.choices, default=Identity.PERSON)
    # How REFI-QDA exchange names the coder. Set from the account when not given (`people.user_guid`), so an
    # account has the same GUID before and after it gets a profile; an imported coder keeps the one it had.
    guid = models.UUIDField("GUID", unique=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(display_name=""), name="profile_display_name_set"),
            models.CheckConstraint(condition=Q(kind__in=Identity.values), name="profile_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        if self.guid is None:
            self.guid = derived_user_guid(self.user)
        super().save(*args, **kwargs)


# The namespace of the GUIDs derived from accounts; a constant, so that every export of an account agrees.
USER_NAMESPACE = uuid.UUID("5d0f6c1e-8c1b-4d53-9f4e-5a0c3f0b7e21")


def derived_user_guid(user) -> uuid.UUID:
    """The GUID of an account without a stored one: from its id and the instant it joined, which together
    tell apart the accounts of different sites, and which never change."""
    # Whole seconds: a backup's JSON keeps only milliseconds of a time, and a restored site must agree.
    return uuid.uuid5(USER_NAMESPACE, f"{user.pk}:{int(user.date_joined.timestamp())}")
