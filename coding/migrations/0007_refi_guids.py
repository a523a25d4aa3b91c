"""Quotations and memos get the GUIDs REFI-QDA exchange names them by (a selection's, a note's); existing rows
a fresh one each (a field default would give every existing row the same)."""

import uuid

from django.db import migrations, models


def forwards(apps, schema_editor):
    for name in ("segment", "memo"):
        model = apps.get_model("coding", name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            row.guid = uuid.uuid4()
        model.objects.bulk_update(rows, ["guid"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("coding", "0006_quotation_numbers_required"), ("cases", "0009_refi_guids")]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="guid",
            field=models.UUIDField(editable=False, null=True, verbose_name="GUID"),
        ),
        migrations.AddField(
            model_name="memo",
            name="guid",
            field=models.UUIDField(editable=False, null=True, verbose_name="GUID"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="segment",
            name="guid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="GUID"),
        ),
        migrations.AlterField(
            model_name="memo",
            name="guid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, help_text="Its REFI-QDA note's GUID.", verbose_name="GUID"
            ),
        ),
        migrations.AddConstraint(
            model_name="segment",
            constraint=models.UniqueConstraint(fields=("project", "guid"), name="segment_unique_guid"),
        ),
        migrations.AddConstraint(
            model_name="memo",
            constraint=models.UniqueConstraint(fields=("project", "guid"), name="memo_unique_guid"),
        ),
    ]
