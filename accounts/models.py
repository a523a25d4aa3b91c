from django.conf import settings
from django.db import models
from django.db.models import Q


class Profile(models.Model):
    """What a person is called in the app. A user without a profile is shown by their username."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    display_name = models.CharField(
        max_length=100, help_text="How teammates see you: in the workspace, the matrix, exports and history."
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(display_name=""), name="profile_display_name_set")]

    def __str__(self) -> str:
        return self.display_name
