import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("coding", "0003_undo_step_help"),
    ]

    operations = [
        migrations.CreateModel(
            name="QuotationSequence",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="cases.project",
                    ),
                ),
                ("last_number", models.PositiveIntegerField(default=0)),
            ],
        ),
        # Nullable until 0005 has numbered the quotations that exist; 0006 makes both required.
        migrations.AddField(
            model_name="segment",
            name="project",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="segments",
                to="cases.project",
            ),
        ),
        migrations.AddField(
            model_name="segment",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="undostep",
            name="record",
            field=models.JSONField(help_text="What `coding.workspace.undo.revert` needs to revert the change."),
        ),
    ]
