"""The database cache table (settings.CACHES) that holds sign-in throttling counts, made by `migrate` so that
every way Crosscase is started (make run, the container, a server's deploy script) has it."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_existing_users")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
