"""Assignment rules: role checks, the 3–5 / 1–2 range with confirmation by a street administrator,
ending and voiding, timeline events and audit rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.enterprises.models import EnterpriseEvent
from anjian.org import services
from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.models import Assignment
from anjian.org.services.assignments import OutOfRangeError

E = AssignmentKind.ENTERPRISE
C = AssignmentKind.COMMUNITY


def assign(world: Any, actor: Any, ents: list[Any], **kw: Any) -> list[Assignment]:
    return services.create_assignments(actor=actor, person=world.cadre, kind=E, enterprises=ents, **kw)


@pytest.mark.parametrize(("count", "ok"), [(2, False), (3, True), (5, True), (6, False)])
def test_cadre_range_boundaries(world: Any, plating: Any, count: int, ok: bool) -> None:
    ents = plating(count)
    if ok:
        created = assign(world, world.office, ents)
        assert len(created) == count
        assert all(a.out_of_range_confirmed_by is None for a in created)
    else:
        with pytest.raises(OutOfRangeError) as exc:
            assign(world, world.office, ents)
        assert f"挂点 {count} 家电镀企业" in exc.value.message
        assert "需由街道应急办管理员确认" in exc.value.message
        assert not Assignment.objects.exists()


@pytest.mark.parametrize(("count", "ok"), [(1, True), (2, True), (3, False)])
def test_liaison_range_boundaries(world: Any, count: int, ok: bool) -> None:
    from anjian.org.models import Community

    communities = [world.community_a, world.community_b]
    if count == 3:
        communities.append(Community.objects.create(street=world.street, name="丙社区", code="C03"))
    chosen = communities[:count]
    if ok:
        assert (
            len(
                services.create_assignments(
                    actor=world.office, person=world.liaison, kind=C, communities=chosen
                )
            )
            == count
        )
    else:
        with pytest.raises(OutOfRangeError):
            services.create_assignments(actor=world.office, person=world.liaison, kind=C, communities=chosen)


def test_liaison_ending_last_community_goes_to_zero_and_needs_confirmation(world: Any) -> None:
    (a,) = services.create_assignments(
        actor=world.office, person=world.liaison, kind=C, communities=[world.community_a]
    )
    today = timezone.localdate()
    with pytest.raises(OutOfRangeError) as exc:
        services.end_assignment(a, actor=world.office, end_date=today, reason="调岗")
    assert "挂点 0 个社区" in exc.value.message
    assert exc.value.can_confirm is False
    # office staff cannot confirm
    with pytest.raises(PermissionDeniedError):
        services.end_assignment(
            a,
            actor=world.office,
            end_date=today,
            reason="调岗",
            confirm_out_of_range=True,
            out_of_range_note="x",
        )
    ended = services.end_assignment(
        a,
        actor=world.admin,
        end_date=today,
        reason="调岗",
        confirm_out_of_range=True,
        out_of_range_note="人员调整，另行安排",
    )
    assert ended.status == AssignmentStatus.ENDED
    assert ended.out_of_range_confirmed_by == world.admin
    assert ended.out_of_range_note == "人员调整，另行安排"


def test_street_admin_confirms_out_of_range_with_note(world: Any, plating: Any) -> None:
    ents = plating(2)
    with pytest.raises(OutOfRangeError) as exc:
        assign(world, world.admin, ents)
    assert exc.value.can_confirm
    with pytest.raises(ValidationError) as verr:
        assign(world, world.admin, ents, confirm_out_of_range=True, out_of_range_note=" ")
    assert "out_of_range_note" in verr.value.message_dict
    created = assign(
        world, world.admin, ents, confirm_out_of_range=True, out_of_range_note="新任干部，先挂两家"
    )
    assert {a.out_of_range_confirmed_by_id for a in created} == {world.admin.pk}
    entry = AuditEntry.objects.filter(action="create", object_type="org.assignment").latest("chain_index")
    assert "超范围确认" in entry.note and "新任干部" in entry.note
    assert (entry.after or {})["out_of_range_confirmed_by_id"] == world.admin.pk


def test_office_staff_cannot_confirm(world: Any, plating: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        assign(world, world.office, plating(6), confirm_out_of_range=True, out_of_range_note="试试")
    assert not Assignment.objects.exists()


def test_range_counts_existing_assignments_and_only_electroplating(world: Any, plating: Any) -> None:
    assign(world, world.office, plating(3))
    assign(world, world.office, plating(2))  # 5: still fine
    with pytest.raises(OutOfRangeError):
        assign(world, world.office, plating(1))  # 6


def test_non_electroplating_enterprise_needs_confirmation(world: Any, plating: Any) -> None:
    ents = [*plating(3), world.ent_a2]  # 甲二餐饮店 is not electroplating
    with pytest.raises(OutOfRangeError) as exc:
        assign(world, world.office, ents)
    assert "不属于电镀类：甲二餐饮店" in exc.value.message


def test_role_mismatch_rejected(world: Any, plating: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_assignments(actor=world.office, person=world.liaison, kind=E, enterprises=plating(3))
    assert "只能安排给“处级干部（挂点企业）”" in exc.value.message_dict["person"][0]
    with pytest.raises(ValidationError) as exc:
        services.create_assignments(
            actor=world.office, person=world.cadre, kind=C, communities=[world.community_a]
        )
    assert "应急办公务员" in exc.value.message_dict["person"][0]


def test_only_office_manages(world: Any, plating: Any) -> None:
    for user in (world.cadre, world.liaison, world.worker_a):
        with pytest.raises(PermissionDeniedError):
            assign(world, user, plating(3))


def test_duplicate_active_assignment_rejected(world: Any, plating: Any) -> None:
    ents = plating(3)
    assign(world, world.office, ents)
    with pytest.raises(ValidationError) as exc:
        assign(world, world.admin, [ents[0]], confirm_out_of_range=True, out_of_range_note="x")
    assert "已在挂" in exc.value.message_dict["enterprises"][0]


def test_empty_selection_rejected(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        assign(world, world.office, [])
    assert "请至少选择一家" in exc.value.message_dict["enterprises"][0]


def test_cadence_defaults_and_settings(world: Any, plating: Any) -> None:
    created = assign(world, world.office, plating(3), department=world.department)
    assert {(a.visits_per_week, a.meetings_per_month) for a in created} == {(1, 0)}
    assert created[0].department == world.department
    assert created[0].community == world.community_a
    with override_settings(ASSIGNMENT_MEETINGS_PER_MONTH=2, ASSIGNMENT_LIAISON_RANGE=(1, 3)):
        (c,) = services.create_assignments(
            actor=world.office, person=world.liaison, kind=C, communities=[world.community_b]
        )
    assert (c.visits_per_week, c.meetings_per_month) == (1, 2)


def test_configured_range(world: Any, plating: Any) -> None:
    with override_settings(ASSIGNMENT_CADRE_RANGE=(1, 2)):
        assign(world, world.office, plating(2))
        with pytest.raises(OutOfRangeError):
            assign(world, world.office, plating(1))


def test_assignment_timeline_events(world: Any, plating: Any) -> None:
    ents = plating(5)
    created = assign(world, world.office, ents)
    ev = EnterpriseEvent.objects.get(enterprise=ents[0], type="assigned")
    assert ev.params["person"] == world.cadre.name and ev.actor == world.office
    services.end_assignment(created[0], actor=world.office, end_date=timezone.localdate(), reason="企业停产")
    ev = EnterpriseEvent.objects.get(enterprise=ents[0], type="assignment_ended")
    assert ev.params["reason"] == "企业停产"
    services.void_assignment(created[1], actor=world.office, reason="录错企业")
    assert EnterpriseEvent.objects.get(enterprise=ents[1], type="assignment_ended").params["voided"] is True


def test_end_rules(world: Any, plating: Any) -> None:
    created = assign(world, world.office, plating(4))
    a = created[0]
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.end_assignment(a, actor=world.office, end_date=today + dt.timedelta(days=1), reason="")
    assert set(exc.value.message_dict) == {"end_date", "reason"}
    with pytest.raises(ValidationError) as exc:
        services.end_assignment(a, actor=world.office, end_date=today - dt.timedelta(days=1), reason="x")
    assert "不能早于开始日期" in exc.value.message_dict["end_date"][0]
    services.end_assignment(a, actor=world.office, end_date=today, reason="调整")
    with pytest.raises(ConflictError):
        services.end_assignment(a, actor=world.office, end_date=today, reason="again")
    entry = AuditEntry.objects.filter(action="end").latest("chain_index")
    assert (
        (entry.after or {})["status"] == "ended"
        and (entry.before or {})["status"] == "active"
        and entry.note == "调整"
    )


def test_void_rules(world: Any, plating: Any) -> None:
    created = assign(world, world.office, plating(3))
    with pytest.raises(ValidationError):
        services.void_assignment(created[0], actor=world.office, reason="")
    with pytest.raises(OutOfRangeError):  # 3 → 2
        services.void_assignment(created[0], actor=world.office, reason="录错")
    a = services.void_assignment(
        created[0], actor=world.admin, reason="录错", confirm_out_of_range=True, out_of_range_note="补录中"
    )
    assert a.status == AssignmentStatus.VOIDED and a.voided_by == world.admin and a.void_reason == "录错"
    with pytest.raises(ConflictError):
        services.void_assignment(a, actor=world.admin, reason="again")
    assert AuditEntry.objects.filter(
        action="void", object_type="org.assignment", object_id=str(a.pk)
    ).exists()


def test_inactive_person_cannot_be_assigned(world: Any, plating: Any) -> None:
    world.cadre.is_active = False
    world.cadre.save()
    with pytest.raises(ValidationError) as exc:
        assign(world, world.office, plating(3))
    assert "已停用" in exc.value.message_dict["person"][0]
