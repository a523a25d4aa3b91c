"""How a person is named on pages and in exports: their display name, or their username until they choose one.

Querysets that name people select `…__profile` along with the user (`select_related("coder__profile")`), or
annotate `name_of("coder")` where they read values, so naming costs no query per person. Lists of people are
in the order of those names (`by_name`), not of usernames the pages no longer show.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Func, OrderBy, Value
from django.db.models.functions import Coalesce, Lower, NullIf

from config.choice_fields import ModelChoiceField

DELETED = "deleted user"


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return DELETED
    try:
        return user.profile.display_name
    except ObjectDoesNotExist:
        return user.get_username()


def user_guid(user: AbstractBaseUser):
    """How REFI-QDA exchange names the account (select `profile` along with it): the profile's GUID, or the
    one it will get."""
    from accounts.models import derived_user_guid

    try:
        return user.profile.guid
    except ObjectDoesNotExist:
        return derived_user_guid(user)


def name_of(path: str = "") -> Func:
    """The display name of the user at `path` (e.g. "coder"; empty for a queryset of users) as an expression,
    for `.values()` and exports."""
    prefix = f"{path}__" if path else ""
    return Coalesce(NullIf(F(f"{prefix}profile__display_name"), Value("")), F(f"{prefix}username"))


def by_name(path: str = "") -> OrderBy:
    """Ordering by the display name of the user at `path`, case aside: for member lists and coder choices."""
    return Lower(name_of(path)).asc()


class PersonChoiceField(ModelChoiceField):
    """One of a project's people (select `profile` in its queryset), each shown by display name."""

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


CONSENSUS_USERNAME = "~consensus"  # "~" is refused in usernames people choose, so no one can sign up as it


def consensus_layer():
    """The consensus layer's user as a subquery of its id (empty until something was adjudicated), so that
    a query can leave its codings out without knowing the id: `.exclude(coder_id__in=consensus_layer())`."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=CONSENSUS_USERNAME).values("pk")


def coder_identity(*, username: str, display_name: str, kind: str):
    """The coder who is not a person signing in (`accounts.models.Identity`): an inactive user without a
    usable password, named `display_name`, made on first use and found again by `username`."""
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Profile.objects.create(user=user, display_name=display_name[:100], kind=kind)
    return user


def consensus_coder():
    """The one coder identity that adjudication writes into: the consensus layer of every project; who
    adjudicated is in the history, not in the coder."""
    from accounts.models import Identity

    return coder_identity(username=CONSENSUS_USERNAME, display_name="Consensus", kind=Identity.CONSENSUS)
