"""The access log is append-only in the database itself, not only in the app.

PostgreSQL: a trigger refuses UPDATE and DELETE, except a DELETE made with `crosscase.prune` set for the
transaction (the retention command). SQLite: a trigger refuses UPDATE (deleting stays possible there, as the
test runner's flush needs it; SQLite is the single-user, zero-configuration database).
"""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION cases_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('crosscase.prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The access log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_accessevent_append_only BEFORE UPDATE OR DELETE ON cases_accessevent
    FOR EACH ROW EXECUTE FUNCTION cases_accessevent_append_only();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER cases_accessevent_append_only ON cases_accessevent;
DROP FUNCTION cases_accessevent_append_only();
"""
SQLITE = """
CREATE TRIGGER cases_accessevent_append_only BEFORE UPDATE ON cases_accessevent
BEGIN
    SELECT RAISE(ABORT, 'The access log is append-only: UPDATE refused');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER cases_accessevent_append_only;"


def forwards(apps, schema_editor):
    sql = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    sql = {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_access_log")]

    operations = [migrations.RunPython(forwards, backwards)]
