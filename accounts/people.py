"""How a person is named on pages and in exports: their display name, or their username until they choose one.

Querysets that name people select `…__profile` along with the user (`select_related("coder__profile")`), or
annotate `name_of("coder")` where they read values, so naming costs no query per person.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Func
from django.db.models.functions import Coalesce, NullIf

DELETED = "deleted user"


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return DELETED
    try:
        return user.profile.display_name
    except ObjectDoesNotExist:
        return user.get_username()


def name_of(path: str) -> Func:
    """The display name of the user at `path` (e.g. "coder") as an expression, for `.values()` and exports."""
    return Coalesce(NullIf(F(f"{path}__profile__display_name"), ""), F(f"{path}__username"))
