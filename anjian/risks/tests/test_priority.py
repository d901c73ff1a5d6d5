"""The inspection priority: each part, the weights, missing sources, the weekly lists per role, the API,
and turning rows into inspection plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from anjian.core.models import AuditEntry
from anjian.risks import priority
from anjian.risks.priority import Facts, Weight, default_weights, score

from .conftest import today

W = default_weights()


def texts(f: Facts, weights: Any = W) -> dict[str, str]:
    return {str(p.key): p.text for p in score(f, weights).parts}


def test_parts_and_reasons_read_like_the_brief() -> None:
    f = Facts(
        enterprise_id=1,
        level="orange",
        overdue_hazards=2,
        open_hazards=3,
        major_hazards=0,
        alarms=0,
        tips=0,
        days_since_inspection=95,
        inspections_in_window=4,
        findings_in_window=6,
        categories=("electroplating",),
    )
    s = score(f, W)
    assert s.reason_text.startswith("较大风险 +30；逾期隐患 2 项 +20")
    assert "95 天未检查 +15" in s.reason_text
    assert "未销号隐患 3 项 +12" in s.reason_text
    assert "近 365 天平均每次检查发现 1.5 项问题 +15" in s.reason_text
    assert s.total == Decimal(30 + 20 + 12 + 15 + 5 + 15)
    assert [p.points for p in s.reasons] == sorted((p.points for p in s.reasons), reverse=True)


@pytest.mark.parametrize(
    ("level", "points"), [("red", 40), ("orange", 30), ("yellow", 15), ("blue", 5), ("", 0)]
)
def test_level_part(level: str, points: int) -> None:
    assert priority.level_part(Facts(1, level=level), W).points == points


@pytest.mark.parametrize(
    ("days", "points", "text"),
    [
        (None, 15, "从未检查"),
        (10, 0, "10 天前检查过"),
        (30, 5, "30 天未检查"),
        (61, 10, "61 天未检查"),
        (400, 15, "400 天未检查"),
    ],
)
def test_days_since_inspection(days: int | None, points: int, text: str) -> None:
    part = priority.not_inspected_part(Facts(1, days_since_inspection=days), W)
    assert (part.points, part.detail) == (points, text)


def test_caps_apply() -> None:
    f = Facts(1, overdue_hazards=10, major_hazards=5, open_hazards=20, alarms=40, tips=9)
    parts = {p.key: p.points for p in score(f, W).parts}
    assert (parts["overdue_hazards"], parts["major_hazards"], parts["open_hazards"]) == (30, 50, 20)
    assert (parts["alarms"], parts["tips"]) == (15, 16)


def test_missing_sources_contribute_zero_and_say_so() -> None:
    f = Facts(1, level="red", inspections_available=False)  # hazards, alarms, tips None
    s = score(f, W)
    missing = {p.key for p in s.missing}
    assert {
        "open_hazards",
        "overdue_hazards",
        "major_hazards",
        "alarms",
        "tips",
        "not_inspected",
        "past_findings",
    } == missing
    assert all(p.points == 0 for p in s.missing)
    assert "逾期隐患：暂无数据" in [p.text for p in s.parts]
    assert s.total == 40


def test_weights_are_configurable() -> None:
    weights = {**W, "level_orange": Weight(Decimal(50)), "overdue_hazards": Weight(Decimal(3), None)}
    s = score(Facts(1, level="orange", overdue_hazards=20), weights)
    assert {p.key: p.points for p in s.parts}["overdue_hazards"] == 60
    assert s.reason_text.startswith("逾期隐患 20 项 +60；较大风险 +50")


@pytest.mark.django_db
def test_weights_come_from_the_table(world: Any) -> None:
    from anjian.risks import services
    from anjian.risks.models import PriorityWeight

    services.update_weight(
        PriorityWeight.objects.get(key="level_red"), actor=world.admin, data={"points": "99"}
    )
    assert priority.load_weights()["level_red"].points == 99


@pytest.fixture
def history(world: Any, make_point: Any, make_inspection: Any) -> Any:
    """ent_a1: orange, a failed inspection 100 days ago and an overdue hazard; ent_a2: blue, inspected
    last week with nothing found."""
    from anjian.hazards import services as hazards
    from anjian.hazards.models import Hazard

    make_point(level="orange")
    make_point(enterprise=world.ent_a2, level="blue")
    make_inspection(world.ent_a1, days_ago=100, failed=3)
    make_inspection(world.ent_a2, days_ago=7, failed=0)
    h = hazards.create_hazard(
        actor=world.inspector_a1,
        enterprise=world.ent_a1,
        data={"title": "氰化物与酸混放", "responsible_name": "张三", "measures": "分库存放"},
        deadline=today() + dt.timedelta(days=5),
    )
    Hazard.objects.filter(pk=h.pk).update(current_deadline=today() - dt.timedelta(days=3))
    return world


@pytest.fixture
def make_inspection(world: Any) -> Any:
    from anjian.inspections.models import ChecklistVersion, Inspection

    version = ChecklistVersion.objects.filter(is_current=True).first()
    assert version is not None

    def make(ent: Any, *, days_ago: int, failed: int) -> Any:
        at = timezone.now() - dt.timedelta(days=days_ago)
        return Inspection.objects.create(
            enterprise=ent,
            checklist_version=version,
            inspector=world.inspector_a1,
            started_at=at,
            submitted_at=at,
            status="submitted",
            representative_name="张经理",
            item_count=10,
            failed_count=failed,
        )

    return make


@pytest.mark.django_db
def test_live_facts_from_the_records(history: Any) -> None:
    from anjian.enterprises.models import Enterprise

    facts = priority.facts_for(Enterprise.objects.filter(pk__in=[history.ent_a1.pk, history.ent_a2.pk]), W)
    a1, a2 = facts[history.ent_a1.pk], facts[history.ent_a2.pk]
    assert (a1.level, a1.open_hazards, a1.overdue_hazards, a1.major_hazards) == ("orange", 1, 1, 0)
    assert (a1.days_since_inspection, a1.inspections_in_window, a1.findings_in_window) == (100, 1, 3)
    assert (a1.alarms, a1.tips) == (0, 0)
    assert a1.categories == ("electroplating",)
    assert (a2.level, a2.days_since_inspection, a2.open_hazards) == ("blue", 7, 0)


@pytest.mark.django_db
def test_grid_inspector_list_is_their_grid_ranked_with_reasons(
    history: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(14):
        rows = priority.ranked(priority.enterprises_of(history.inspector_a1, history.inspector_a1))
    assert [r.enterprise.pk for r in rows] == [history.ent_a1.pk]  # ent_a2 is in grid A2
    assert "较大风险 +30" in rows[0].score.reason_text
    assert "逾期隐患 1 项 +10" in rows[0].score.reason_text
    assert "100 天未检查 +15" in rows[0].score.reason_text
    office = priority.ranked(priority.enterprises_of(history.office, history.office))
    # ent_b1 was never inspected (+15), ent_a2 is blue (+5) and was inspected last week.
    assert [r.enterprise.pk for r in office] == [history.ent_a1.pk, history.ent_b1.pk, history.ent_a2.pk]


@pytest.mark.django_db
def test_cadre_list_is_their_assigned_enterprises(world: Any) -> None:
    from anjian.org.models import Assignment

    Assignment.objects.create(
        kind="enterprise",
        person=world.cadre,
        enterprise=world.ent_b1,
        community=world.community_b,
        start_date=today() - dt.timedelta(days=30),
    )
    rows = priority.ranked(priority.enterprises_of(world.cadre, world.cadre))
    assert [r.enterprise.pk for r in rows] == [world.ent_b1.pk]
    assert priority.ranked(priority.enterprises_of(world.officer_a, world.officer_a)) == []


@pytest.mark.django_db
def test_priority_api_scope(history: Any) -> None:
    c = history.client(history.inspector_a1)
    body = c.get("/api/v1/risk-priority/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["enterprise"] == history.ent_a1.pk and row["level"] == "orange"
    assert "较大风险 +30" in row["reasons"]
    assert {p["key"] for p in row["parts"]} >= {"level_orange", "overdue_hazards", "not_inspected"}
    # Someone else's list: the office may look, others may not; unknown people are 404.
    assert c.get(f"/api/v1/risk-priority/?inspector={history.inspector_b1.pk}").status_code == 403
    office = history.client(history.office)
    assert office.get(f"/api/v1/risk-priority/?inspector={history.inspector_a1.pk}").json()["count"] == 1
    assert office.get(f"/api/v1/risk-priority/?inspector={history.officer_a.pk}").status_code == 404
    assert history.client(history.officer_a).get("/api/v1/risk-priority/").status_code == 403


@pytest.mark.django_db
def test_priority_page_shows_reasons_and_makes_plans(history: Any) -> None:
    from anjian.inspections.models import InspectionPlan

    c = history.client(history.inspector_a1)
    page = c.get("/risks/priority/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "较大风险" in html and "逾期隐患 1 项" in html and "+30" in html
    day = today() + dt.timedelta(days=1)
    r = c.post("/risks/priority/", {"enterprises": [history.ent_a1.pk], "planned_date": day.isoformat()})
    assert r.status_code == 302
    plan = InspectionPlan.objects.get(enterprise=history.ent_a1, planned_date=day)
    assert plan.inspector == history.inspector_a1 and plan.source == "grid_round"
    assert "较大风险" in plan.notes
    assert AuditEntry.objects.filter(object_type="inspections.inspectionplan", action="create").exists()
    # Again for the same day: skipped, not duplicated.
    c.post("/risks/priority/", {"enterprises": [history.ent_a1.pk], "planned_date": day.isoformat()})
    assert InspectionPlan.objects.filter(enterprise=history.ent_a1, planned_date=day).count() == 1
    # A row that is not on this list is refused with a message, nothing planned.
    r = c.post("/risks/priority/", {"enterprises": [history.ent_b1.pk], "planned_date": day.isoformat()})
    assert r.status_code == 400 and "不在本周清单中" in r.content.decode()
    assert not InspectionPlan.objects.filter(enterprise=history.ent_b1).exists()


@pytest.mark.django_db
def test_office_plans_for_an_inspector(history: Any) -> None:
    from anjian.inspections.models import InspectionPlan
    from anjian.risks import services

    day = today() + dt.timedelta(days=2)
    plans, skipped = services.plan_from_priority(
        actor=history.office,
        enterprises=[history.ent_a1.pk],
        planned_date=day,
        inspector=history.inspector_a1,
    )
    assert skipped == [] and plans[0].inspector == history.inspector_a1 and plans[0].source == "office_adhoc"
    from anjian.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.plan_from_priority(
            actor=history.inspector_a1,
            enterprises=[history.ent_a1.pk],
            planned_date=day,
            inspector=history.office,
        )
    assert InspectionPlan.objects.count() == 1
