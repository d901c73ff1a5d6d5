"""Load the standard checklists (first versions) shipped with Anjian."""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from anjian.inspections.checklist_data import STANDARD_CHECKLISTS

    Template = apps.get_model("inspections", "ChecklistTemplate")
    Version = apps.get_model("inspections", "ChecklistVersion")
    Item = apps.get_model("inspections", "ChecklistItem")
    now = timezone.now()
    for spec in STANDARD_CHECKLISTS:
        if Template.objects.filter(code=spec["code"]).exists():
            continue
        template = Template.objects.create(
            code=spec["code"], name=spec["name"], category=spec["category"], description=spec["description"]
        )
        version = Version.objects.create(
            template=template, version=1, published_at=now, is_current=True, change_note="初始版本"
        )
        Item.objects.bulk_create(
            Item(version=version, order=i, **item) for i, item in enumerate(spec["items"], start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
