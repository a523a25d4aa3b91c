"""The site admin: accounts listed by display name, and deactivating one keeps its work."""

from django.urls import reverse

from accounts.models import Profile
from tests.factories import CodingFactory, UserFactory


def test_a_staff_user_deactivates_an_account_and_its_codings_stay_attributed(client, db):
    staff = UserFactory(username="operator", is_staff=True, is_superuser=True)
    leaver = UserFactory(username="leaver")
    Profile.objects.create(user=leaver, display_name="Former Coder")
    coding = CodingFactory(coder=leaver)
    client.force_login(staff)

    listing = client.get(reverse("admin:auth_user_changelist"))
    assert "Former Coder" in listing.text
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [leaver.pk, staff.pk]},
    )
    assert response.status_code == 302
    leaver.refresh_from_db()
    staff.refresh_from_db()
    assert not leaver.is_active
    assert staff.is_active  # an operator cannot lock themselves out this way
    coding.refresh_from_db()
    assert coding.coder.profile.display_name == "Former Coder"


def test_the_admin_is_for_staff_only(client, db):
    client.force_login(UserFactory(username="coder"))
    assert client.get(reverse("admin:auth_user_changelist"))["Location"].startswith(reverse("admin:login"))
