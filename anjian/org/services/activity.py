"""Services for what assigned people do: visits (走访, with photos) and monthly meetings with decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.services import validated_save, void
from anjian.core.uploads import IMAGE, store_attachment
from anjian.enterprises.choices import EnterpriseEventType
from anjian.enterprises.models import Enterprise, EnterpriseEvent
from anjian.org.choices import AssignmentKind, DecisionStatus, Role
from anjian.org.models import Assignment, Community, Meeting, MeetingDecision, User, Visit
from anjian.org.permissions import can, require
from anjian.org.services.assignments import assignments_on
from anjian.org.services.base import clean_text, scoped

MAX_PHOTOS = 10


def is_office(user: Any) -> bool:
    """Office staff may record for anyone and anywhere in their scope; others only for their own assignments."""
    return can(user, "assignment.manage")


def _date(value: Any, field: str, label: str) -> dt.date:
    if not value:
        raise ValidationError({field: f"请填写{label}。"})
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: f"{label}格式不正确，应为 YYYY-MM-DD。"}) from None
    if value > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})
    return value  # type: ignore[no-any-return]


def _person(actor: Any, value: Any, field: str) -> User:
    """The person the record is for: office staff may name anyone in scope; others only themselves."""
    if value in (None, "") or getattr(value, "pk", value) == actor.pk:
        return actor  # type: ignore[no-any-return]
    if not is_office(actor):
        raise PermissionDeniedError("只能为本人登记。", fields={field: ["只能为本人登记。"]})
    person = scoped(User, value, actor, field=field)
    if not person.is_active:
        raise ValidationError({field: f"{person.name}的账号已停用。"})
    return person


def _own_assignments(actor: Any, person: User, day: dt.date) -> list[Assignment]:
    """Assignments the record may refer to: the person's own, and for department staff their department's."""
    own = assignments_on(person, day)
    if actor.role == Role.DEPARTMENT_STAFF and actor.department_id and person.pk == actor.pk:
        extra = (
            Assignment.objects.filter(
                department_id=actor.department_id, voided_at__isnull=True, start_date__lte=day
            )
            .exclude(status="voided")
            .exclude(end_date__lt=day)
            .select_related("enterprise", "community")
        )
        own += [a for a in extra if a.pk not in {o.pk for o in own}]
    return own


def _match(
    assignments: Sequence[Assignment], enterprise: Enterprise | None, community: Community
) -> Assignment | None:
    if enterprise is not None:
        for a in assignments:
            if a.kind == AssignmentKind.ENTERPRISE and a.enterprise_id == enterprise.pk:
                return a
    for a in assignments:
        if a.kind == AssignmentKind.COMMUNITY and a.community_id == community.pk:
            return a
    return None


@transaction.atomic
def record_visit(*, actor: Any, data: dict[str, Any], photos: Iterable[Any] = ()) -> Visit:
    """Record a visit to an assigned enterprise or community, with photos; adds a "visited" timeline line."""
    require(actor, "visit.record")
    visitor = _person(actor, data.get("visitor"), "visitor")
    day = _date(data.get("date"), "date", "走访日期")
    enterprise = (
        scoped(Enterprise, data["enterprise"], actor, field="enterprise") if data.get("enterprise") else None
    )
    community = (
        scoped(Community, data["community"], actor, field="community") if data.get("community") else None
    )
    if enterprise is None and community is None:
        raise ValidationError({"enterprise": "请选择走访的企业或社区。"})
    if enterprise is not None:
        if community is not None and community.pk != enterprise.community_id:
            raise ValidationError({"community": f"企业“{enterprise.name}”不属于社区“{community.name}”。"})
        community = enterprise.community
    assert community is not None
    notes = clean_text(data.get("notes"))
    if not notes:
        raise ValidationError({"notes": "请填写走访情况。"})
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"每次走访最多上传 {MAX_PHOTOS} 张照片。"})

    mine = _own_assignments(actor, visitor, day)
    assignment = _match(mine, enterprise, community)
    if assignment is None and not is_office(actor):
        target = enterprise.name if enterprise else community.name
        raise ValidationError(
            {"enterprise" if enterprise else "community": f"“{target}”不在您 {day:%Y-%m-%d} 的挂点范围内。"}
        )
    if assignment is None:
        assignment = _match(assignments_on(visitor, day), enterprise, community)

    visit = Visit(
        assignment=assignment,
        visitor=visitor,
        community=community,
        enterprise=enterprise,
        date=day,
        participants=clean_text(data.get("participants"), limit=300),
        notes=notes,
        issues_found=clean_text(data.get("issues_found")),
        created_by=actor,
    )
    validated_save(visit)
    stored = []
    for i, photo in enumerate(photos, start=1):
        try:
            stored.append(
                store_attachment(photo, owner=visit, actor=actor, kinds=(IMAGE,), purpose="visit_photo")
            )
        except ValidationError as exc:
            raise ValidationError(
                {"photos": f"第 {i} 张照片（{getattr(photo, 'name', '')}）：{exc.messages[0]}"}
            ) from None
    after = audit.snapshot(visit)
    after["photos"] = [str(a.uuid) for a in stored]
    audit.record(actor=actor, action="create", obj=visit, after=after)
    if enterprise is not None:
        EnterpriseEvent.objects.create(
            enterprise=enterprise,
            type=EnterpriseEventType.VISITED,
            actor=actor,
            params={
                "visit": visit.pk,
                "person": visitor.name,
                "date": day.isoformat(),
                "photos": len(stored),
            },
        )
    return visit


@transaction.atomic
def void_visit(visit: Visit | int, *, actor: Any, reason: str) -> Visit:
    """Void a wrongly recorded visit (it no longer counts for coverage)."""
    v = scoped(Visit, visit, actor, lock=True)
    require(actor, "visit.record")
    if not is_office(actor) and actor.pk not in (v.visitor_id, v.created_by_id):
        raise PermissionDeniedError("只能作废本人登记的走访记录。")
    void(v, actor=actor, reason=reason)
    return v


def _clean_decisions(
    actor: Any, rows: Iterable[dict[str, Any]], meeting_day: dt.date
) -> list[dict[str, Any]]:
    out = []
    errors = []
    for i, row in enumerate(rows, start=1):
        text = clean_text(row.get("text"))
        owner_value = row.get("owner")
        owner_name = clean_text(row.get("owner_name"), limit=50)
        due = row.get("due_date")
        if not text and not owner_value and not owner_name and not due:
            continue  # an empty row of the form
        problems = []
        if not text:
            problems.append("请填写议定事项")
        owner = None
        if owner_value not in (None, ""):
            try:
                owner = scoped(User, owner_value, actor, field="owner")
            except ValidationError:
                problems.append("所选责任人不存在或不在管辖范围内")
        elif not owner_name:
            problems.append("请选择责任人或填写责任人姓名")
        if isinstance(due, str) and due:
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                problems.append("完成时限格式不正确")
                due = None
        if not due:
            if "完成时限格式不正确" not in problems:
                problems.append("请填写完成时限")
        elif due < meeting_day:
            problems.append("完成时限不能早于会议日期")
        if problems:
            errors.append(f"第 {i} 条议定事项：{'，'.join(problems)}。")
            continue
        out.append(
            {
                "text": text[:500],
                "owner": owner,
                "owner_name": owner_name or (owner.name if owner else ""),
                "due_date": due,
            }
        )
    if errors:
        raise ValidationError({"decisions": errors})
    return out


@transaction.atomic
def record_meeting(*, actor: Any, data: dict[str, Any], decisions: Iterable[dict[str, Any]] = ()) -> Meeting:
    """Record a community's monthly meeting (月例会) with its minutes and decisions."""
    require(actor, "meeting.record")
    host = _person(actor, data.get("host"), "host")
    day = _date(data.get("date"), "date", "会议日期")
    if not data.get("community"):
        raise ValidationError({"community": "请选择召开例会的社区。"})
    community = scoped(Community, data["community"], actor, field="community")
    errors = {}
    for key, label in (("title", "会议主题"), ("participants", "参会人员"), ("minutes", "会议纪要")):
        if not clean_text(data.get(key)):
            errors[key] = f"请填写{label}。"
    if errors:
        raise ValidationError(errors)
    rows = _clean_decisions(actor, decisions, day)
    assignment = _match(
        [a for a in assignments_on(host, day) if a.kind == AssignmentKind.COMMUNITY], None, community
    )
    if assignment is None and not is_office(actor):
        raise ValidationError({"community": f"“{community.name}”不在您 {day:%Y-%m-%d} 的挂点社区范围内。"})
    meeting = Meeting(
        assignment=assignment,
        community=community,
        host=host,
        date=day,
        title=clean_text(data.get("title"), limit=200),
        participants=clean_text(data.get("participants"), limit=500),
        minutes=clean_text(data.get("minutes")),
        created_by=actor,
    )
    validated_save(meeting)
    after = audit.snapshot(meeting)
    after["decisions"] = len(rows)
    audit.record(actor=actor, action="create", obj=meeting, after=after)
    for row in rows:
        decision = MeetingDecision(meeting=meeting, created_by=actor, **row)
        validated_save(decision)
        audit.record(actor=actor, action="create", obj=decision, after=audit.snapshot(decision))
    return meeting


@transaction.atomic
def void_meeting(meeting: Meeting | int, *, actor: Any, reason: str) -> Meeting:
    """Void a wrongly recorded meeting (it no longer counts for coverage)."""
    m = scoped(Meeting, meeting, actor, lock=True)
    require(actor, "meeting.record")
    if not is_office(actor) and actor.pk not in (m.host_id, m.created_by_id):
        raise PermissionDeniedError("只能作废本人登记的例会记录。")
    void(m, actor=actor, reason=reason)
    return m


@transaction.atomic
def mark_decision_done(decision: MeetingDecision | int, *, actor: Any, note: str) -> MeetingDecision:
    """Mark a meeting decision as carried out, with a note on how (meeting recorders or the decision's owner)."""
    d = scoped(MeetingDecision, decision, actor, lock=True)
    if not (can(actor, "meeting.record") or (d.owner_id and d.owner_id == actor.pk)):
        raise PermissionDeniedError("只有例会登记人员或该事项责任人可以标记落实。")
    if d.meeting.voided_at is not None:
        raise ConflictError("该例会已作废。")
    if d.status == DecisionStatus.DONE:
        raise ConflictError("该事项已标记为落实。")
    note = clean_text(note)
    if not note:
        raise ValidationError({"note": "请填写落实情况。"})
    before = audit.snapshot(d)
    d.status = DecisionStatus.DONE
    d.done_at = timezone.now()
    d.done_note = note[:500]
    d.save(update_fields=["status", "done_at", "done_note", "updated_at"])
    audit.record(
        actor=actor,
        action="done",
        obj=d,
        before=before,
        after=audit.snapshot(d),
        only_changes=True,
        note=note,
    )
    return d


def open_decisions(user: Any) -> models.QuerySet[MeetingDecision]:
    """Decisions not yet carried out, in the user's scope, soonest due first."""
    return (
        MeetingDecision.objects.for_user(user)
        .filter(status=DecisionStatus.OPEN, meeting__voided_at__isnull=True)
        .select_related("meeting", "meeting__community", "owner")
        .order_by("due_date", "id")
    )
