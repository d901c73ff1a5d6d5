"""Seed the grading bands of DOMAIN.md §3, the priority weights and the risk point templates."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    from anjian.risks.assessment import DEFAULT_BANDS
    from anjian.risks.template_data import PRIORITY_WEIGHTS, TEMPLATES

    RiskBand = apps.get_model("risks", "RiskBand")
    for band in DEFAULT_BANDS:
        RiskBand.objects.update_or_create(
            method=band.method,
            lower_bound=band.lower,
            defaults={"level": band.level, "grade": band.grade, "action": band.action},
        )
    PriorityWeight = apps.get_model("risks", "PriorityWeight")
    for order, row in enumerate(PRIORITY_WEIGHTS, start=1):
        PriorityWeight.objects.update_or_create(
            key=row["key"],
            defaults={
                "points": Decimal(row["points"]),
                "cap": Decimal(row["cap"]) if row.get("cap") else None,
                "window_days": row.get("window_days"),
                "unit": row["unit"],
                "sort_order": order,
            },
        )
    KeyCategory = apps.get_model("enterprises", "KeyCategory")
    RiskTemplate = apps.get_model("risks", "RiskTemplate")
    categories = {c.code: c for c in KeyCategory.objects.all()}
    for order, row in enumerate(TEMPLATES, start=1):
        category = categories.get(row["category"])
        if category is None:
            continue
        RiskTemplate.objects.update_or_create(
            code=row["code"],
            defaults={
                "category": category,
                "name": row["name"],
                "kind": row["kind"],
                "location": row.get("location", ""),
                "hazard_factors": row["hazard_factors"],
                "accident_types": row["accident_types"],
                "method": row["method"],
                "likelihood": Decimal(row["likelihood"]),
                "exposure": Decimal(row["exposure"]) if row.get("exposure") else None,
                "consequence": Decimal(row["consequence"]) if row.get("consequence") else None,
                "severity": row.get("severity"),
                "measures": row["measures"],
                "basis": row.get("basis", ""),
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial"), ("enterprises", "0003_key_categories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
