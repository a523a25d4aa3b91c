"""Cases, transcripts and attributes get the GUIDs REFI-QDA exchange names them by; existing rows a fresh one
each (a field default would give every existing row the same)."""

import uuid

from django.db import migrations, models

MODELS = ("case", "transcript", "attribute")


def forwards(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("cases", name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            row.guid = uuid.uuid4()
        model.objects.bulk_update(rows, ["guid"], batch_size=1000)


def guid(*, null: bool) -> models.UUIDField:
    if null:
        return models.UUIDField(editable=False, null=True, verbose_name="GUID")
    return models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="GUID")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_interview_sets")]

    operations = [
        *(migrations.AddField(model_name=name, name="guid", field=guid(null=True)) for name in MODELS),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        *(migrations.AlterField(model_name=name, name="guid", field=guid(null=False)) for name in MODELS),
        migrations.AddConstraint(
            model_name="attribute",
            constraint=models.UniqueConstraint(fields=("project", "guid"), name="attribute_unique_guid"),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(fields=("project", "guid"), name="case_unique_guid"),
        ),
        migrations.AddConstraint(
            model_name="transcript",
            constraint=models.UniqueConstraint(fields=("case", "guid"), name="transcript_unique_guid"),
        ),
    ]
