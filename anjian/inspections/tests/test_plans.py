"""Plans: weekly generation from assignments, grid rounds, office ad-hoc and joint plans, edit, cancel,
and the quick views of the plan list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.inspections import selectors, services
from anjian.inspections.choices import PlanSource, PlanStatus
from anjian.inspections.models import InspectionPlan
from anjian.org.models import Assignment

pytestmark = pytest.mark.django_db


def _assign(world: Any, person: Any, enterprise: Any, per_week: int = 1, **kw: Any) -> Assignment:
    return Assignment.objects.create(
        kind="enterprise",
        person=person,
        enterprise=enterprise,
        community=enterprise.community,
        start_date=dt.date(2026, 1, 1),
        visits_per_week=per_week,
        **kw,
    )


def test_generate_from_assignments_follows_the_cadence_and_is_idempotent(
    world: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 10))  # a Tuesday
    a1 = _assign(world, world.cadre, world.ent_a1, per_week=2, department=world.department)
    _assign(world, world.cadre, world.ent_b1)
    _assign(world, world.liaison, world.ent_a2)
    _assign(world, world.cadre, world.ent_a2, status="ended")
    created = services.generate_assignment_plans(actor=world.cadre)
    assert len(created) == 3  # 2 + 1 of the cadre's own active assignments; the liaison's are not his
    days = sorted(p.planned_date for p in created if p.assignment == a1)
    assert days == [dt.date(2026, 3, 10), dt.date(2026, 3, 12)]  # from today on, working days only
    assert all(p.source == PlanSource.ASSIGNMENT and p.inspector == world.cadre for p in created)
    assert list(created[0].departments.all()) == [world.department]
    assert services.generate_assignment_plans(actor=world.cadre) == []
    # Office generates for everyone.
    assert len(services.generate_assignment_plans(actor=world.office)) == 1
    with pytest.raises(PermissionDeniedError):
        services.generate_assignment_plans(actor=world.cadre, person=world.liaison)
    # A cancelled plan frees its slot.
    services.cancel_plan(created[0], actor=world.cadre, reason="企业停产")
    assert len(services.generate_assignment_plans(actor=world.cadre)) == 1


def test_grid_round_only_in_own_grid(world: Any) -> None:
    today = timezone.localdate()
    plans = services.plan_grid_round(actor=world.inspector_a1, enterprises=[world.ent_a1], planned_date=today)
    assert (
        len(plans) == 1
        and plans[0].source == PlanSource.GRID_ROUND
        and plans[0].inspector == world.inspector_a1
    )
    assert (
        services.plan_grid_round(actor=world.inspector_a1, enterprises=[world.ent_a1], planned_date=today)
        == []
    )
    with pytest.raises(ValidationError):
        services.plan_grid_round(actor=world.inspector_a1, enterprises=[world.ent_a2], planned_date=today)
    with pytest.raises(ValidationError):
        services.plan_grid_round(actor=world.inspector_a1, enterprises=[], planned_date=today)


def test_office_joint_plan_needs_departments_and_only_office(world: Any) -> None:
    today = timezone.localdate()
    data = {
        "source": "joint",
        "enterprise": world.ent_b1.pk,
        "planned_date": today,
        "inspector": world.inspector_b1.pk,
    }
    with pytest.raises(ValidationError) as exc:
        services.create_plan(actor=world.office, data=data)
    assert "科办" in exc.value.message_dict["departments"][0]
    plan = services.create_plan(
        actor=world.office,
        data={**data, "departments": [world.department.pk], "co_inspectors": [world.cadre.pk]},
    )
    assert plan.inspector == world.inspector_b1 and list(plan.co_inspectors.all()) == [world.cadre]
    with pytest.raises(PermissionDeniedError):
        services.create_plan(actor=world.inspector_a1, data={**data, "departments": [world.department.pk]})
    with pytest.raises(ValidationError) as exc:
        services.create_plan(
            actor=world.office,
            data={**data, "departments": [world.department.pk], "inspector": world.inspector_a1.pk},
        )
    assert "管辖范围" in exc.value.message_dict["inspector"][0]
    with pytest.raises(ValidationError):
        services.create_plan(actor=world.office, data={**data, "planned_date": today - dt.timedelta(days=1)})
    with pytest.raises(PermissionDeniedError):
        services.create_plan(
            actor=world.officer_a, data={"enterprise": world.ent_a1.pk, "planned_date": today}
        )


def test_edit_and_cancel(world: Any) -> None:
    today = timezone.localdate()
    plan = services.create_plan(
        actor=world.inspector_a1, data={"enterprise": world.ent_a1.pk, "planned_date": today}
    )
    services.update_plan(
        plan, actor=world.inspector_a1, data={"planned_date": today + dt.timedelta(days=2), "notes": "改期"}
    )
    plan.refresh_from_db()
    assert plan.planned_date == today + dt.timedelta(days=2)
    with pytest.raises(Http404):
        services.cancel_plan(plan, actor=world.inspector_b1, reason="x")
    with pytest.raises(PermissionDeniedError):
        services.cancel_plan(plan, actor=world.worker_a, reason="x")
    with pytest.raises(ValidationError):
        services.cancel_plan(plan, actor=world.inspector_a1, reason="")
    services.cancel_plan(plan, actor=world.inspector_a1, reason="企业搬迁")
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason, plan.cancelled_by) == (
        PlanStatus.CANCELLED,
        "企业搬迁",
        world.inspector_a1,
    )
    with pytest.raises(ConflictError):
        services.update_plan(plan, actor=world.inspector_a1, data={"notes": "x"})
    assert [e.type for e in plan.events.order_by("at", "id")] == ["planned", "plan_updated", "plan_cancelled"]


def test_quick_views(world: Any) -> None:
    today = timezone.localdate()
    mine = services.create_plan(
        actor=world.inspector_a1, data={"enterprise": world.ent_a1.pk, "planned_date": today}
    )
    later = services.create_plan(
        actor=world.office,
        data={
            "source": "office_adhoc",
            "enterprise": world.ent_a2.pk,
            "planned_date": today + dt.timedelta(days=30),
        },
    )
    InspectionPlan.objects.filter(pk=later.pk).update(planned_date=today - dt.timedelta(days=3))
    qs = selectors.plans_for(world.office)
    assert list(selectors.filter_plan_view(qs, world.office, "overdue")) == [later]
    assert mine in selectors.filter_plan_view(qs, world.office, "today")
    assert list(
        selectors.filter_plan_view(selectors.plans_for(world.inspector_a1), world.inspector_a1, "mine")
    ) == [mine]
    counts = selectors.plan_view_counts(world.inspector_a1)
    assert counts["mine"] == 1 and counts["all"] == 1  # the grid inspector does not see grid A2's plan
    assert selectors.plan_view_counts(world.office)["overdue"] == 1
