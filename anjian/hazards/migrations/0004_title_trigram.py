"""PostgreSQL only: a trigram index so that searching hazard descriptions (icontains) uses an index.
Needs the pg_trgm extension; where it cannot be created (no privilege), searching still works unindexed."""

from django.db import migrations

INDEX = "hazard_title_trgm"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if cursor.fetchone() is None:
                return
            cursor.execute("SAVEPOINT anjian_trgm")
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception:  # noqa: BLE001 - no privilege: keep going without the index
                cursor.execute("ROLLBACK TO SAVEPOINT anjian_trgm")
                return
            cursor.execute("RELEASE SAVEPOINT anjian_trgm")
        # Django's icontains on PostgreSQL is UPPER(col::text) LIKE UPPER(%s): index that expression.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON hazards_hazard USING gin ((UPPER(title::text)) gin_trgm_ops)"
        )
        # Statistics of the indexed expression let the planner tell common words (walk the date index)
        # from rare ones (use the trigram index).
        cursor.execute("ANALYZE hazards_hazard")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("hazards", "0003_list_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
