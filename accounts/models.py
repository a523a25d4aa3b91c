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

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(display_name=""), name="profile_display_name_set"),
            models.CheckConstraint(condition=Q(kind__in=Identity.values), name="profile_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name
