"""A GIN index for English full-text search of transcripts, on PostgreSQL only (SQLite searches substrings).

The indexed expression is exactly what `SearchVector("text", config="english")` compiles to, so the planner uses it.
"""

from django.db import migrations

INDEX = "transcript_text_fts_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_transcript "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
