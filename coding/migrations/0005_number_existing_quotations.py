"""Numbers the quotations that exist per project, in the order they were made, and starts each project's
counter after its last one."""

from django.db import migrations


def number(apps, schema_editor):
    Segment = apps.get_model("coding", "Segment")
    QuotationSequence = apps.get_model("coding", "QuotationSequence")
    db = schema_editor.connection.alias
    rows = (
        Segment.objects.using(db)
        .order_by("transcript__case__project_id", "created_at", "pk")
        .values_list("pk", "transcript__case__project_id")
    )
    highest: dict = {}
    batch = []
    for pk, project_id in rows.iterator(chunk_size=2000):
        highest[project_id] = highest.get(project_id, 0) + 1
        batch.append(Segment(pk=pk, project_id=project_id, number=highest[project_id]))
        if len(batch) == 2000:
            Segment.objects.using(db).bulk_update(batch, ["project", "number"])
            batch = []
    Segment.objects.using(db).bulk_update(batch, ["project", "number"])
    QuotationSequence.objects.using(db).bulk_create(
        QuotationSequence(project_id=project_id, last_number=last) for project_id, last in highest.items()
    )


def forget(apps, schema_editor):
    apps.get_model("coding", "QuotationSequence").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("coding", "0004_quotation_numbers")]

    operations = [migrations.RunPython(number, forget)]
