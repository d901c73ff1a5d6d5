"""Risk point services: registration with the first assessment, the control-level rule, reassessment
history, voiding, templates, the enterprise level and its audited override, scope per role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from anjian.core.errors import PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.risks import services
from anjian.risks.models import EnterpriseRiskLevel, RiskAssessment, RiskPoint, RiskTemplate

from .conftest import LEC_FOR, today

pytestmark = pytest.mark.django_db


def level_of(ent: Any) -> EnterpriseRiskLevel:
    return EnterpriseRiskLevel.objects.get(enterprise=ent)


def test_create_point_assesses_and_sets_enterprise_level(world: Any, make_point: Any) -> None:
    p = make_point(level="orange")
    assert p.level == "orange" and p.score == 270
    assert p.current_assessment.formula == "D = 3 × 6 × 15 = 270"
    assert p.community == world.community_a and p.grid == world.grid_a1
    assert level_of(world.ent_a1).level == "orange"
    assert AuditEntry.objects.filter(
        action="create", object_type="risks.riskpoint", object_id=str(p.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="assess", object_type="risks.riskassessment").exists()


def test_enterprise_level_is_the_highest_active_point(world: Any, make_point: Any) -> None:
    make_point(level="blue")
    make_point(level="yellow")
    red = make_point(level="red")
    row = level_of(world.ent_a1)
    assert (row.level, row.point_count, row.red_count, row.yellow_count, row.blue_count) == (
        "red",
        3,
        1,
        1,
        1,
    )
    services.void_point(red, actor=world.office, reason="重复登记")
    row.refresh_from_db()
    assert (row.level, row.point_count) == ("yellow", 2)


@pytest.mark.parametrize("level", ["red", "orange"])
@pytest.mark.parametrize("control", ["community", "enterprise"])
def test_red_and_orange_must_be_controlled_at_street_level(
    world: Any, make_point: Any, level: str, control: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        make_point(level=level, control_level=control)
    assert "必须由街道管控" in exc.value.message_dict["control_level"][0]
    assert not RiskPoint.objects.exists()


@pytest.mark.parametrize("level", ["yellow", "blue"])
def test_lower_levels_may_be_controlled_lower(world: Any, make_point: Any, level: str) -> None:
    assert make_point(level=level, control_level="enterprise").control_level == "enterprise"


def test_invalid_assessment_values_reject_the_whole_point(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_point(
            actor=world.office,
            data={
                "enterprise": world.ent_a1,
                "name": "x",
                "kind": "place",
                "hazard_factors": "x",
                "accident_types": [],
                "measures": [],
                "control_level": "street",
                "responsible_name": "张三",
                "review_date": today(),
            },
            assessment={"method": "lec", "likelihood": "2", "exposure": "6", "consequence": "15"},
        )
    errors = exc.value.message_dict
    assert "10、6、3、1、0.5、0.2、0.1" in errors["likelihood"][0]
    assert "accident_types" in errors and "measures" in errors
    assert not RiskPoint.objects.exists() and not RiskAssessment.objects.exists()


def test_measure_types_and_accident_types_validated(world: Any, make_point: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        make_point(measures=[{"type": "magic", "text": "x"}], accident_types=["poisoning", "meteor"])
    assert "类型无效" in exc.value.message_dict["measures"][0]
    assert "meteor" in exc.value.message_dict["accident_types"][0]


def test_reassessment_keeps_history_and_updates_level(world: Any, make_point: Any) -> None:
    p = make_point(level="yellow", assessed_on=today() - dt.timedelta(days=30))
    with pytest.raises(ValidationError) as exc:
        services.reassess(p, actor=world.office, assessment={"method": "lec", **LEC_FOR["red"]})
    assert "街道" in exc.value.message_dict["control_level"][0]
    a = services.reassess(
        p,
        actor=world.office,
        assessment={"method": "ls", "likelihood": 4, "severity": 5},
        control_level="street",
    )
    p.refresh_from_db()
    assert p.current_assessment == a and p.level == "red" and p.control_level == "street"
    assert [x.level for x in p.assessments.order_by("assessed_on", "id")] == ["yellow", "red"]
    assert level_of(world.ent_a1).level == "red"
    entry = AuditEntry.objects.filter(action="reassess", object_id=str(p.pk)).get()
    assert (entry.before or {})["level"] == "yellow" and (entry.after or {})["level"] == "red"
    assert entry.note == "R = 4 × 5 = 20"


def test_reassessment_cannot_be_backdated_before_the_current_one(world: Any, make_point: Any) -> None:
    p = make_point(level="yellow")
    with pytest.raises(ValidationError) as exc:
        services.reassess(
            p,
            actor=world.office,
            assessment={"method": "lec", **LEC_FOR["blue"], "assessed_on": today() - dt.timedelta(days=1)},
        )
    assert "不能早于上次评估" in exc.value.message_dict["assessed_on"][0]
    with pytest.raises(ValidationError):
        services.reassess(
            p,
            actor=world.office,
            assessment={"method": "lec", **LEC_FOR["blue"], "assessed_on": today() + dt.timedelta(days=1)},
        )


def test_voided_point_cannot_be_reassessed_and_void_needs_reason(world: Any, make_point: Any) -> None:
    p = make_point()
    with pytest.raises(ValidationError):
        services.void_point(p, actor=world.office, reason=" ")
    services.void_point(p, actor=world.office, reason="企业已停用该工艺")
    with pytest.raises(ValidationError):
        services.reassess(p, actor=world.office, assessment={"method": "lec", **LEC_FOR["blue"]})
    assert RiskPoint.objects.filter(pk=p.pk).exists()  # nothing deleted


def test_add_from_templates_creates_several_points_at_once(world: Any) -> None:
    templates = list(RiskTemplate.objects.filter(category__code="electroplating"))
    assert len(templates) >= 4
    points = services.add_from_templates(
        actor=world.officer_a, enterprise=world.ent_a1, templates=templates, responsible_name="甲一安全员"
    )
    assert len(points) == len(templates)
    for p in points:
        assert p.current_assessment is not None
        if p.level in ("red", "orange"):
            assert p.control_level == "street"
    assert level_of(world.ent_a1).point_count == len(templates)


def test_templates_seeded_for_five_categories() -> None:
    codes = set(RiskTemplate.objects.values_list("category__code", flat=True))
    assert {"electroplating", "confined_space", "gas_catering", "ebike_charging", "construction"} <= codes


def test_add_from_templates_rejects_unknown_and_empty(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.add_from_templates(
            actor=world.office, enterprise=world.ent_a1, templates=[], responsible_name="x"
        )
    with pytest.raises(ValidationError):
        services.add_from_templates(
            actor=world.office, enterprise=world.ent_a1, templates=[999999], responsible_name="x"
        )


def test_override_with_reason_is_audited_and_clearable(world: Any, make_point: Any) -> None:
    make_point(level="blue")
    row = services.override_level(
        world.ent_a1, actor=world.admin, level="orange", reason="现场核实存在违规储存氰化物"
    )
    assert (row.level, row.computed_level, row.overridden_by) == ("orange", "blue", world.admin)
    entry = AuditEntry.objects.get(action="risk_level_override")
    assert entry.note == "现场核实存在违规储存氰化物"
    assert (entry.before or {})["level"] == "blue" and (entry.after or {})["level"] == "orange"
    make_point(level="yellow")  # a new point does not undo the override
    assert level_of(world.ent_a1).level == "orange"
    row = services.clear_override(world.ent_a1, actor=world.office, reason="整改完成后复核")
    assert (row.level, row.override_level) == ("yellow", "")
    assert AuditEntry.objects.filter(action="risk_level_override_cleared").exists()


def test_override_rules(world: Any, make_point: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.override_level(world.ent_a1, actor=world.admin, level="orange", reason="")
    assert "原因" in exc.value.message_dict["reason"][0]
    with pytest.raises(ValidationError):
        services.override_level(world.ent_a1, actor=world.admin, level="purple", reason="理由充分的原因")
    with pytest.raises(PermissionDeniedError):
        services.override_level(world.ent_a1, actor=world.worker_a, level="red", reason="理由充分的原因")
    with pytest.raises(Http404):
        services.override_level(world.ent_a1, actor=world.worker_b, level="red", reason="理由充分的原因")


@pytest.mark.parametrize("who", ["worker_b", "inspector_b1", "officer_b"])
def test_points_outside_the_scope_do_not_exist(world: Any, make_point: Any, who: str) -> None:
    p = make_point()
    actor = getattr(world, who)
    with pytest.raises(Http404):
        services.reassess(p, actor=actor, assessment={"method": "lec", **LEC_FOR["blue"]})
    with pytest.raises(Http404):
        services.void_point(p, actor=actor, reason="越权尝试")
    assert not RiskPoint.objects.for_user(actor).filter(pk=p.pk).exists()


def test_enterprise_officer_registers_only_own_points(world: Any, make_point: Any) -> None:
    assert make_point(actor=world.officer_a).enterprise == world.ent_a1
    with pytest.raises(ValidationError):
        make_point(actor=world.officer_a, enterprise=world.ent_b1)
    with pytest.raises(PermissionDeniedError):
        make_point(actor=world.cadre)  # street cadres read the register, they do not write it


def test_public_site_point_needs_community_and_stays_in_scope(world: Any, make_point: Any) -> None:
    p = make_point(
        enterprise=None, site_name="甲社区文化广场", community=world.community_a.pk, level="yellow"
    )
    assert (p.enterprise, p.community) == (None, world.community_a)
    with pytest.raises(ValidationError):
        make_point(enterprise=None, site_name="", level="yellow")
    # A grid inspector's public-site point hangs on their grid, so they can see it afterwards.
    q = make_point(
        actor=world.inspector_a1, enterprise=None, site_name="甲一农贸市场", community=world.community_a.pk
    )
    assert q.grid == world.grid_a1


def test_band_and_weight_configuration(world: Any) -> None:
    from anjian.risks.models import PriorityWeight, RiskBand

    band = RiskBand.objects.get(method="lec", lower_bound=Decimal(320))
    with pytest.raises(PermissionDeniedError):
        services.update_band(band, actor=world.office, data={"lower_bound": "300"})
    services.update_band(band, actor=world.admin, data={"lower_bound": "300"})
    _, g = __import__("anjian.risks.assessment", fromlist=["assess"]).assess(
        "lec", {"likelihood": "3", "exposure": "1", "consequence": "100"}, services.load_bands()
    )
    assert g.level == "red"  # 300 is now 重大 under the edited table
    with pytest.raises(ValidationError):  # a higher bound may not carry a lower level
        services.update_band(band, actor=world.admin, data={"lower_bound": "100"})
    lowest = RiskBand.objects.get(method="ls", lower_bound=Decimal(1))
    with pytest.raises(ValidationError):
        services.update_band(lowest, actor=world.admin, data={"lower_bound": "2"})
    weight = PriorityWeight.objects.get(key="overdue_hazards")
    services.update_weight(weight, actor=world.admin, data={"points": "12", "cap": ""})
    weight.refresh_from_db()
    assert (weight.points, weight.cap) == (12, None)
    assert AuditEntry.objects.filter(object_type="risks.priorityweight").exists()
