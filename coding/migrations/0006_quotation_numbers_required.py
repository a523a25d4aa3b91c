import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("coding", "0005_number_existing_quotations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="segment",
            name="project",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="segments",
                to="cases.project",
            ),
        ),
        migrations.AlterField(
            model_name="segment",
            name="number",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="segment",
            constraint=models.UniqueConstraint(fields=("project", "number"), name="segment_unique_number"),
        ),
    ]
