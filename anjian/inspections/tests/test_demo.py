"""Demo data follows the register: cadres inspect their assigned enterprises, grid inspectors their grid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from anjian.inspections import demo
from anjian.inspections.models import Inspection, InspectionPlan
from anjian.org.models import Assignment

pytestmark = pytest.mark.django_db


def test_seed_is_consistent_with_the_register_and_runs_once(world: Any) -> None:
    Assignment.objects.create(
        kind="enterprise",
        person=world.cadre,
        enterprise=world.ent_a1,
        community=world.community_a,
        start_date=timezone.localdate() - dt.timedelta(days=400),
    )
    counts = demo.seed()
    assert counts["inspections"] > 20
    for inspection in Inspection.objects.select_related("inspector", "enterprise", "plan"):
        assert inspection.submitted_at is not None and inspection.submitted_at <= timezone.now()
        assert inspection.results.count() == inspection.item_count
        assert inspection.results.filter(outcome="fail").count() == inspection.failed_count
        if inspection.inspector == world.cadre:
            assert inspection.enterprise == world.ent_a1 and inspection.plan.source == "assignment"
        else:
            assert inspection.inspector.grid_id == inspection.enterprise.grid_id
    assert InspectionPlan.objects.filter(status="planned", planned_date__gte=timezone.localdate()).exists()
    assert demo.seed() == {"inspections": 0, "plans": 0}
