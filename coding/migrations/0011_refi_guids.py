"""Quotations get the GUIDs REFI-QDA exchange names them by (a selection's); existing rows a fresh one each (a
field default would give every existing row the same). Memos have theirs from 0010."""

import uuid

from django.db import migrations, models


def forwards(apps, schema_editor):
    model = apps.get_model("coding", "segment")
    rows = list(model.objects.only("pk"))
    for row in rows:
        row.guid = uuid.uuid4()
    model.objects.bulk_update(rows, ["guid"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("coding", "0010_memo_relations_links_guid"), ("cases", "0013_refi_guids")]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="guid",
            field=models.UUIDField(editable=False, null=True, verbose_name="GUID"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="segment",
            name="guid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="GUID"),
        ),
        migrations.AddConstraint(
            model_name="segment",
            constraint=models.UniqueConstraint(fields=("project", "guid"), name="segment_unique_guid"),
        ),
    ]
