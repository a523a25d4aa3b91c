"""Every profile gets the GUID that REFI-QDA exchange names its coder by, derived from the account as
`accounts.models.derived_user_guid` derives it (repeated here: a migration must not change when the model does)."""

import uuid

from django.db import migrations, models

USER_NAMESPACE = uuid.UUID("5d0f6c1e-8c1b-4d53-9f4e-5a0c3f0b7e21")


def forwards(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    profiles = list(Profile.objects.select_related("user"))
    for profile in profiles:
        user = profile.user
        profile.guid = uuid.uuid5(USER_NAMESPACE, f"{user.pk}:{int(user.date_joined.timestamp())}")
    Profile.objects.bulk_update(profiles, ["guid"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_coder_identities")]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="guid",
            field=models.UUIDField(editable=False, null=True, verbose_name="GUID"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="profile",
            name="guid",
            field=models.UUIDField(editable=False, unique=True, verbose_name="GUID"),
        ),
    ]
