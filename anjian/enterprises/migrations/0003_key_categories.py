"""Seed the key-supervision categories of DOMAIN.md §2 (administrators may add more later)."""

from django.db import migrations

CATEGORIES = [
    ("electroplating", "电镀", "danger", "bi-lightning-charge"),
    ("confined_space", "有限空间作业", "warning", "bi-box"),
    ("gas_catering", "燃气使用(餐饮)", "primary", "bi-fire"),
    ("ebike_charging", "电动自行车集中停放充电场所", "info", "bi-ev-station"),
    ("construction", "建筑施工(危大工程)", "dark", "bi-cone-striped"),
    ("hazardous_chemicals", "危险化学品", "danger", "bi-radioactive"),
    ("industrial_park", "工业园区", "secondary", "bi-building"),
    ("three_small", "三小场所", "success", "bi-shop"),
]


def seed(apps, schema_editor):
    KeyCategory = apps.get_model("enterprises", "KeyCategory")
    for order, (code, name, colour, icon) in enumerate(CATEGORIES, start=1):
        KeyCategory.objects.update_or_create(
            code=code, defaults={"name": name, "colour": colour, "icon": icon, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
