"""Triage of a tip: accept or reject, assign, verify, handle, answer the reporter, close; duplicates;
revealing the reporter's identity (tip officer only, audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError, ServiceError
from anjian.enterprises.models import Enterprise
from anjian.notifications.choices import Level
from anjian.notifications.services import notify
from anjian.org.choices import Role
from anjian.org.models import Community, Department, Grid
from anjian.tipoffs import identity
from anjian.tipoffs.choices import AccidentLevel, AssigneeKind, TipEventType, TipStatus
from anjian.tipoffs.identity import ReporterIdentity
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.rewards import yuan
from anjian.tipoffs.services.common import (
    add_event,
    assignees,
    check_transition,
    enter,
    local,
    snapshot,
    tip_for,
    tip_link,
    tip_officers,
)


def _text(value: str, field: str, label: str, *, required: bool = True, limit: int = 500) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}最多 {limit} 个字，当前 {len(value)} 个字。"})
    return value


def _audit(actor: Any, action: str, tip: Tipoff, before: dict[str, Any], note: str = "") -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=tip,
        before=before,
        after=snapshot(tip),
        only_changes=True,
        note=note[:500],
    )


@transaction.atomic
def accept_tip(
    tip_id: int,
    *,
    actor: Any,
    community: Community | None = None,
    enterprise: Enterprise | None = None,
    note: str = "",
) -> Tipoff:
    """受理: the tip is within the street's remit; the officer may correct its community and enterprise."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "accept")
    note = _text(note, "note", "受理意见", required=False)
    before = snapshot(tip)
    now = timezone.now()
    if enterprise is not None and enterprise.pk != tip.enterprise_id:
        tip.enterprise = enterprise
        add_event(tip, TipEventType.ENTERPRISE_LINKED, actor=actor, summary=enterprise.name)
    if community is not None:
        tip.community = community
    elif tip.community_id is None and tip.enterprise_id:
        tip.community_id = tip.enterprise.community_id  # type: ignore[union-attr]
    tip.accepted_at = now
    enter(tip, TipStatus.ACCEPTED, now)
    tip.save()
    add_event(tip, TipEventType.ACCEPTED, actor=actor, note=note, public="举报已受理。")
    _audit(actor, "tipoff.accept", tip, before, note)
    return tip


@transaction.atomic
def reject_tip(tip_id: int, *, actor: Any, reason: str) -> Tipoff:
    """不予受理 with a reason the reporter reads (it is the feedback to them)."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "reject")
    reason = _text(reason, "reason", "不予受理理由")
    before = snapshot(tip)
    now = timezone.now()
    tip.reject_reason = reason
    tip.feedback_text = f"不予受理：{reason}"
    tip.feedback_at = now
    tip.closed_at = now
    enter(tip, TipStatus.REJECTED, now)
    tip.save()
    add_event(tip, TipEventType.REJECTED, actor=actor, reason=reason, public=f"不予受理：{reason}")
    _audit(actor, "tipoff.reject", tip, before, reason)
    return tip


@transaction.atomic
def assign_tip(
    tip_id: int,
    *,
    actor: Any,
    kind: str,
    community: Community | None = None,
    grid: Grid | None = None,
    department: Department | None = None,
    note: str = "",
) -> Tipoff:
    """交办: send the tip to a community, a grid or a department to verify (again, to reassign)."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "assign")
    note = _text(note, "note", "交办要求", required=False)
    if kind == AssigneeKind.GRID:
        if grid is None:
            raise ValidationError({"grid": "请选择交办的网格。"})
        community, department = grid.community, None
    elif kind == AssigneeKind.COMMUNITY:
        if community is None:
            raise ValidationError({"community": "请选择交办的社区。"})
        grid, department = None, None
    elif kind == AssigneeKind.DEPARTMENT:
        if department is None:
            raise ValidationError({"department": "请选择交办的科办。"})
        community, grid = None, None
    else:
        raise ValidationError({"kind": "请选择交办对象类型：社区、网格或科办。"})
    before = snapshot(tip)
    now = timezone.now()
    tip.assigned_kind = kind
    tip.assigned_community, tip.assigned_grid, tip.assigned_department = community, grid, department
    tip.assigned_at = now
    tip.assignment_note = note
    enter(tip, TipStatus.ASSIGNED, now)
    tip.save()
    target = tip.assignee_label
    add_event(
        tip,
        TipEventType.ASSIGNED,
        actor=actor,
        summary=f"交办{target}，{local(tip.due_at)} 前完成核查",
        note=note,
        public="已交办属地或职能部门核查。",
    )
    _audit(actor, "tipoff.assign", tip, before, target)
    notify(
        assignees(tip),
        title=f"交办举报核查 {tip.code}：{tip.category.name}",
        body=f"请在 {local(tip.due_at)} 前完成核查并登记结果。" + (f"要求：{note}" if note else ""),
        link=tip_link(tip),
        level=Level.WARNING,
        category="tipoff",
        dedupe_key=f"tipoff:{tip.pk}:assigned:{now.timestamp():.0f}",
    )
    return tip


@transaction.atomic
def verify_tip(tip_id: int, *, actor: Any, truthful: bool, note: str) -> Tipoff:
    """查证: the verifier records whether the report is true; feedback to the reporter is then due
    within TIPOFF_FEEDBACK_DAYS (DOMAIN.md §6: 10 days of the end of verification)."""
    tip = tip_for(actor, tip_id, "tipoff.verify")
    check_transition(tip, "verify")
    note = _text(note, "note", "核查情况", limit=2000)
    before = snapshot(tip)
    now = timezone.now()
    tip.verified_true = bool(truthful)
    tip.verified_at = now
    tip.verification_note = note
    tip.feedback_at = None  # the answer due now is the one about the verification
    tip.feedback_due_at = now + dt.timedelta(days=settings.TIPOFF_FEEDBACK_DAYS)
    enter(tip, TipStatus.VERIFIED_TRUE if truthful else TipStatus.VERIFIED_FALSE, now)
    tip.save()
    add_event(
        tip,
        TipEventType.VERIFIED_TRUE if truthful else TipEventType.VERIFIED_FALSE,
        actor=actor,
        note=note,
        public="经核查，举报事项属实。" if truthful else "经核查，举报事项不属实。",
    )
    _audit(actor, "tipoff.verify", tip, before, "属实" if truthful else "不实")
    notify(
        tip_officers(),
        title=f"举报 {tip.code} 核查完成：{'属实' if truthful else '不实'}",
        body=f"请在 {local(tip.feedback_due_at)} 前答复举报人。",
        link=tip_link(tip),
        category="tipoff",
        dedupe_key=f"tipoff:{tip.pk}:verified",
    )
    return tip


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: "金额格式不正确。"}) from None
    if amount < 0:
        raise ValidationError({field: "金额不能为负数。"})
    if amount >= Decimal("1e12"):
        raise ValidationError({field: "金额过大。"})
    return amount.quantize(Decimal("0.01"))


def _hazard_exists(code: str) -> bool:
    """True when the hazards app holds a hazard with this code (or when it is not installed: the code is
    then kept as text, resolved later). Looked up lazily so this app does not depend on its migrations."""
    from django.apps import apps

    if not apps.is_installed("anjian.hazards"):
        return True
    try:
        model = apps.get_model("hazards", "Hazard")
    except LookupError:
        return True
    return bool(model.objects.filter(code=code).exists())


@transaction.atomic
def handle_tip(
    tip_id: int,
    *,
    actor: Any,
    enforcement_action: str,
    fine_amount: Any = None,
    confiscated_amount: Any = None,
    concealed_deaths: int | None = None,
    accident_level: str = "",
    hazard_code: str = "",
) -> Tipoff:
    """处理: what was done about a true report (enforcement, 罚没款, a hazard registered for it, or — for a
    concealed accident — the deaths found and the accident level)."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "handle")
    action = _text(enforcement_action, "enforcement_action", "处理措施", limit=2000)
    fine = _money(fine_amount, "fine_amount")
    confiscated = _money(confiscated_amount, "confiscated_amount")
    if concealed_deaths is not None and concealed_deaths < 0:
        raise ValidationError({"concealed_deaths": "人数不能为负数。"})
    if accident_level and accident_level not in AccidentLevel.values:
        raise ValidationError({"accident_level": "事故等级无效。"})
    if concealed_deaths and not accident_level:
        raise ValidationError({"accident_level": "登记瞒报死亡人数时请选择事故等级。"})
    hazard_code = _text(hazard_code, "hazard_code", "隐患编号", required=False, limit=40).upper()
    if hazard_code and not _hazard_exists(hazard_code):
        raise ValidationError({"hazard_code": f"隐患编号 {hazard_code} 不存在，请先在隐患排查中登记。"})
    before = snapshot(tip)
    now = timezone.now()
    tip.enforcement_action = action
    tip.fine_amount, tip.confiscated_amount = fine, confiscated
    tip.concealed_deaths = concealed_deaths or None
    tip.accident_level = accident_level if concealed_deaths else ""
    tip.hazard_code = hazard_code
    tip.handled_at = now
    enter(tip, TipStatus.HANDLED, now)
    tip.save()
    parts = [action[:120].rstrip("。；;，, ")]
    if tip.penalty_total is not None:
        parts.append(f"罚没款 {yuan(tip.penalty_total)}")
    if hazard_code:
        parts.append(f"隐患 {hazard_code}")
    add_event(tip, TipEventType.HANDLED, actor=actor, summary="；".join(parts), public="举报事项已依法处理。")
    _audit(actor, "tipoff.handle", tip, before)
    return tip


@transaction.atomic
def give_feedback(tip_id: int, *, actor: Any, text: str) -> Tipoff:
    """答复举报人: the text the reporter reads with the code and the secret."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "feedback")
    text = _text(text, "text", "答复内容", limit=1000)
    before = snapshot(tip)
    tip.feedback_text = text
    tip.feedback_at = timezone.now()
    tip.save(update_fields=["feedback_text", "feedback_at", "updated_at"])
    late = tip.feedback_due_at is not None and tip.feedback_at > tip.feedback_due_at
    add_event(tip, TipEventType.FEEDBACK, actor=actor, summary="超期答复" if late else "", public=text)
    _audit(actor, "tipoff.feedback", tip, before)
    return tip


@transaction.atomic
def close_tip(tip_id: int, *, actor: Any, note: str = "") -> Tipoff:
    """办结: after an untrue report, after payment, or after handling with no reward (reason required).
    The reporter must have been answered first."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "close")
    note = _text(note, "note", "不予奖励的原因", required=tip.status == TipStatus.HANDLED)
    if tip.feedback_at is None:
        raise ConflictError("办结前请先答复举报人。")
    before = snapshot(tip)
    now = timezone.now()
    tip.closed_at = now
    enter(tip, TipStatus.CLOSED, now)
    tip.save()
    add_event(tip, TipEventType.CLOSED, actor=actor, note=note, public="举报已办结。")
    _audit(actor, "tipoff.close", tip, before, note)
    return tip


@transaction.atomic
def dismiss_duplicate(tip_id: int, *, actor: Any, note: str = "") -> Tipoff:
    """The proposed duplicate is a different matter: keep both."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "dismiss_duplicate")
    if tip.duplicate_suspect_id is None:
        raise ConflictError("该举报没有疑似重复的举报。")
    before = snapshot(tip)
    other = tip.duplicate_suspect.code  # type: ignore[union-attr]
    tip.duplicate_suspect = None
    tip.save(update_fields=["duplicate_suspect", "updated_at"])
    add_event(
        tip, TipEventType.DUPLICATE_DISMISSED, actor=actor, summary=f"与 {other} 不是同一事项", note=note
    )
    _audit(actor, "tipoff.dismiss_duplicate", tip, before, note)
    return tip


@transaction.atomic
def merge_tip(tip_id: int, *, actor: Any, into_id: int, note: str = "") -> Tipoff:
    """合并: the tip reports the same matter as `into`; it keeps its own report, photos and secret, and
    follows `into` from now on. Reward priority goes to the first accepted report (see rewarding)."""
    tip = tip_for(actor, tip_id, "tipoff.triage")
    check_transition(tip, "merge")
    into = tip_for(actor, into_id, "tipoff.triage")
    if into.pk == tip.pk:
        raise ConflictError("不能与自身合并。")
    if into.merged_into_id is not None or into.is_closed:
        raise ConflictError(f"举报 {into.code} 已办结或已合并，不能作为合并目标。")
    before = snapshot(tip)
    now = timezone.now()
    tip.merged_into = into
    tip.duplicate_suspect = None
    tip.closed_at = now
    enter(tip, TipStatus.MERGED, now)
    tip.save()
    Tipoff.objects.filter(merged_into=tip).update(merged_into=into)  # keep the group flat
    add_event(
        tip,
        TipEventType.MERGED_IN,
        actor=actor,
        summary=f"并入 {into.code}",
        note=note,
        public="同一事项已有其他举报，已合并处理；处理进展和奖励按同一事项统一办理。",
    )
    add_event(into, TipEventType.MERGED, actor=actor, summary=f"{tip.code} 并入本举报", note=note)
    _audit(actor, "tipoff.merge", tip, before, f"并入 {into.code}")
    return tip


def reveal_identity(tip_id: int, *, actor: Any, reason: str) -> ReporterIdentity:
    """Decrypt the reporter's identity for a tip officer, with a reason recorded in the audit log
    (the audit row holds the reason, never the identity)."""
    if getattr(actor, "role", "") != Role.TIP_OFFICER or not getattr(actor, "is_active", False):
        raise PermissionDeniedError("只有举报受理员可以查看举报人身份。")
    with transaction.atomic():
        tip = tip_for(actor, tip_id, "tipoff.view")
        reason = _text(reason, "reason", "查看原因", limit=300)
        if len(reason) < 4:
            raise ValidationError({"reason": "请写明查看身份的具体原因（至少 4 个字）。"})
        if not tip.has_identity:
            raise ServiceError("该举报为匿名举报，没有身份信息。")
        revealed = identity.unseal(tip.identity_ciphertext)
        audit.record(actor=actor, action="reveal_identity", obj=tip, note=reason)
        add_event(tip, TipEventType.IDENTITY_REVEALED, actor=actor, reason=reason)
    return revealed
