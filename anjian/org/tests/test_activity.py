"""Visits and meetings: dates, assignment targets, photos, timeline, decisions, voiding, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import Attachment, AuditEntry
from anjian.core.uploads import attachments_of
from anjian.enterprises.models import EnterpriseEvent
from anjian.org import services
from anjian.org.models import Meeting, MeetingDecision, Visit
from anjian.org.tests.conftest import jpeg


@pytest.fixture
def assigned(world: Any, plating: Any) -> dict[str, Any]:
    ents = [world.ent_a1, *plating(2)]
    ent_assignments = services.create_assignments(
        actor=world.office, person=world.cadre, kind="enterprise", enterprises=ents
    )
    (com,) = services.create_assignments(
        actor=world.office, person=world.liaison, kind="community", communities=[world.community_a]
    )
    return {"ents": ents, "ent_assignments": ent_assignments, "community": com}


def visit(world: Any, actor: Any, **data: Any) -> Visit:
    base = {"date": timezone.localdate(), "enterprise": world.ent_a1.pk, "notes": "检查电镀槽液位与通风"}
    base.update(data)
    photos = base.pop("photos", [])
    return services.record_visit(actor=actor, data=base, photos=photos)


def test_cadre_records_visit_with_photos(world: Any, assigned: Any) -> None:
    v = visit(
        world,
        world.cadre,
        participants="科办小赵",
        issues_found="应急喷淋失效",
        photos=[jpeg("a.jpg"), jpeg("b.jpg")],
    )
    assert v.visitor == world.cadre and v.assignment == assigned["ent_assignments"][0]
    assert v.community == world.community_a
    photos = list(attachments_of(v))
    assert len(photos) == 2 and all(p.mime_type == "image/jpeg" for p in photos)
    ev = EnterpriseEvent.objects.get(enterprise=world.ent_a1, type="visited")
    assert ev.params["visit"] == v.pk and ev.params["photos"] == 2
    entry = AuditEntry.objects.get(action="create", object_type="org.visit")
    assert len((entry.after or {})["photos"]) == 2


def test_visit_date_not_in_future(world: Any, assigned: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        visit(world, world.cadre, date=timezone.localdate() + dt.timedelta(days=1))
    assert "不能晚于今天" in exc.value.message_dict["date"][0]
    with pytest.raises(ValidationError) as exc:
        visit(world, world.cadre, date="2025-13-01")
    assert "格式不正确" in exc.value.message_dict["date"][0]


def test_visit_outside_own_assignments_rejected(world: Any, assigned: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        visit(world, world.cadre, enterprise=world.ent_b1.pk)
    assert "不在您" in exc.value.message_dict["enterprise"][0]
    with pytest.raises(ValidationError):  # a day before the assignment started
        visit(world, world.cadre, date=timezone.localdate() - dt.timedelta(days=3))
    assert not Visit.objects.exists()


def test_liaison_visits_community_or_its_enterprises(world: Any, assigned: Any) -> None:
    v1 = visit(world, world.liaison, enterprise=None, community=world.community_a.pk)
    v2 = visit(world, world.liaison, enterprise=world.ent_a2.pk)
    assert v1.assignment == assigned["community"] and v2.assignment == assigned["community"]
    with pytest.raises(ValidationError):
        visit(world, world.liaison, enterprise=None, community=world.community_b.pk)


def test_office_records_anywhere_and_for_others(world: Any, assigned: Any) -> None:
    v = visit(world, world.office, enterprise=world.ent_b1.pk)
    assert v.visitor == world.office and v.assignment is None
    v = visit(world, world.office, visitor=world.cadre.pk)
    assert v.visitor == world.cadre and v.assignment is not None and v.created_by == world.office


def test_non_office_cannot_record_for_others(world: Any, assigned: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        visit(world, world.cadre, visitor=world.liaison.pk)


def test_visit_needs_target_and_notes(world: Any, assigned: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        visit(world, world.cadre, enterprise=None)
    assert "请选择走访的企业或社区" in exc.value.message_dict["enterprise"][0]
    with pytest.raises(ValidationError) as exc:
        visit(world, world.cadre, notes="  ")
    assert "notes" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        visit(world, world.office, enterprise=world.ent_a1.pk, community=world.community_b.pk)
    assert "不属于社区" in exc.value.message_dict["community"][0]


def test_bad_photo_rolls_back_whole_visit(world: Any, assigned: Any) -> None:
    fake = SimpleUploadedFile("x.jpg", b"MZ\x90\x00not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        visit(world, world.cadre, photos=[jpeg(), fake])
    assert "第 2 张照片" in exc.value.message_dict["photos"][0]
    assert not Visit.objects.exists() and not Attachment.objects.exists()
    assert not EnterpriseEvent.objects.filter(type="visited").exists()


def test_void_visit(world: Any, assigned: Any) -> None:
    v = visit(world, world.cadre)
    with pytest.raises(PermissionDeniedError):
        services.void_visit(v, actor=world.liaison, reason="不是我的")
    with pytest.raises(ValidationError):
        services.void_visit(v, actor=world.cadre, reason="")
    services.void_visit(v, actor=world.cadre, reason="重复登记")
    v.refresh_from_db()
    assert v.is_voided and v.void_reason == "重复登记"
    assert AuditEntry.objects.filter(action="void", object_type="org.visit").exists()


def meeting(world: Any, actor: Any, decisions: list[dict[str, Any]] | None = None, **data: Any) -> Meeting:
    base = {
        "community": world.community_a.pk,
        "date": timezone.localdate(),
        "title": "三月安全例会",
        "participants": "社区书记、安格员",
        "minutes": "通报电镀企业检查情况。",
    }
    base.update(data)
    return services.record_meeting(actor=actor, data=base, decisions=decisions or [])


def test_meeting_with_decisions(world: Any, assigned: Any) -> None:
    due = timezone.localdate() + dt.timedelta(days=7)
    m = meeting(
        world,
        world.liaison,
        decisions=[
            {"text": "整改甲一电镀喷淋", "owner": world.worker_a.pk, "due_date": due},
            {"text": "", "owner": None, "owner_name": "", "due_date": None},  # empty form row: skipped
            {"text": "组织有限空间培训", "owner_name": "王主任", "due_date": due.isoformat()},
        ],
    )
    assert m.host == world.liaison and m.assignment == assigned["community"]
    ds = list(m.decisions.order_by("id"))
    assert [d.text for d in ds] == ["整改甲一电镀喷淋", "组织有限空间培训"]
    assert ds[0].owner == world.worker_a and ds[0].owner_name == world.worker_a.name
    assert AuditEntry.objects.filter(action="create", object_type="org.meetingdecision").count() == 2


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ({"text": "", "owner_name": "张三", "due_date": "2099-01-01"}, "请填写议定事项"),
        ({"text": "x", "due_date": "2099-01-01"}, "请选择责任人或填写责任人姓名"),
        ({"text": "x", "owner_name": "张三"}, "请填写完成时限"),
        ({"text": "x", "owner_name": "张三", "due_date": "2000-01-01"}, "不能早于会议日期"),
        ({"text": "x", "owner_name": "张三", "due_date": "bad"}, "完成时限格式不正确"),
    ],
)
def test_decision_validation(world: Any, assigned: Any, row: dict[str, Any], text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        meeting(world, world.liaison, decisions=[row])
    assert text in exc.value.message_dict["decisions"][0]
    assert "第 1 条" in exc.value.message_dict["decisions"][0]
    assert not Meeting.objects.exists()


def test_meeting_rules(world: Any, assigned: Any) -> None:
    with pytest.raises(ValidationError):
        meeting(world, world.liaison, community=world.community_b.pk)
    with pytest.raises(ValidationError) as exc:
        meeting(world, world.liaison, date=timezone.localdate() + dt.timedelta(days=1))
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        meeting(world, world.liaison, title="", minutes="")
    assert {"title", "minutes"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDeniedError):
        meeting(world, world.cadre)


def test_mark_decision_done(world: Any, assigned: Any) -> None:
    due = timezone.localdate() + dt.timedelta(days=3)
    m = meeting(
        world, world.liaison, decisions=[{"text": "整改", "owner": world.worker_a.pk, "due_date": due}]
    )
    d = m.decisions.get()
    with pytest.raises(PermissionDeniedError):  # neither recorder nor owner
        services.mark_decision_done(d, actor=world.inspector_a1, note="x")
    with pytest.raises(ValidationError):
        services.mark_decision_done(d, actor=world.worker_a, note=" ")
    d = services.mark_decision_done(d, actor=world.worker_a, note="喷淋已修复")  # the owner
    assert d.status == "done" and d.done_note == "喷淋已修复" and d.done_at is not None
    with pytest.raises(ConflictError):
        services.mark_decision_done(d, actor=world.liaison, note="again")
    assert AuditEntry.objects.filter(action="done", object_type="org.meetingdecision").exists()


def test_void_meeting(world: Any, assigned: Any) -> None:
    m = meeting(
        world,
        world.liaison,
        decisions=[{"text": "x", "owner_name": "张三", "due_date": timezone.localdate()}],
    )
    services.void_meeting(m, actor=world.liaison, reason="误录")
    m.refresh_from_db()
    assert m.is_voided
    with pytest.raises(ConflictError):
        services.mark_decision_done(MeetingDecision.objects.get(), actor=world.liaison, note="x")
