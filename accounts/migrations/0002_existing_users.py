"""Existing users keep their name and address: a profile from their first and last name, where they have one,
and their e-mail as their (unverified) primary address, so password reset and sign-in by e-mail reach them."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    EmailAddress = apps.get_model("account", "EmailAddress")
    taken = set(EmailAddress.objects.values_list("email", flat=True))
    for user in User.objects.all().iterator():
        name = " ".join(f"{user.first_name} {user.last_name}".split())
        if name:
            Profile.objects.get_or_create(user=user, defaults={"display_name": name})
        email = user.email.strip().lower()
        if email and email not in taken and not EmailAddress.objects.filter(user=user).exists():
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            taken.add(email)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
