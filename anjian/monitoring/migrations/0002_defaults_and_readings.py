"""Default device types and rule packs (DOMAIN.md §5), and the readings store (partitioned on PostgreSQL)."""

from django.db import migrations


def load_rule_packs(apps, schema_editor):
    from anjian.monitoring.rulepacks import load_defaults

    load_defaults(
        apps.get_model("monitoring", "DeviceType"),
        apps.get_model("monitoring", "RulePack"),
        apps.get_model("monitoring", "Rule"),
    )


def create_readings(apps, schema_editor):
    from anjian.monitoring import store

    backend = store.backend(schema_editor.connection.alias)
    backend.forget_partitions()
    backend.create_schema(schema_editor.connection)


def drop_readings(apps, schema_editor):
    from anjian.monitoring import store

    store.backend(schema_editor.connection.alias).drop_schema(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [
        migrations.RunPython(load_rule_packs, migrations.RunPython.noop),
        migrations.RunPython(create_readings, drop_readings),
    ]
