"""Rewards: which rules fit a case, who is rewarded (the first accepted report of the matter), the
decision with its arithmetic, the approval, and the payment with its receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError
from anjian.core.uploads import IMAGE, PDF, store_attachment
from anjian.notifications.services import notify
from anjian.tipoffs import rewards
from anjian.tipoffs.choices import PaymentMethod, RewardBasis, TipEventType, TipStatus
from anjian.tipoffs.models import Reward, RewardRule, Tipoff
from anjian.tipoffs.services.common import (
    add_event,
    check_transition,
    enter,
    snapshot,
    street_admins,
    tip_for,
    tip_link,
)


def applicable_rules(tip: Tipoff) -> QuerySet[RewardRule]:
    """Active rules for the tip's category (rules without categories apply to all)."""
    return (
        RewardRule.objects.filter(active=True)
        .filter(Q(categories=tip.category) | Q(categories__isnull=True))
        .distinct()
        .order_by("sort_order", "code")
    )


def suggested_rule(tip: Tipoff) -> RewardRule | None:
    """The rule that fits the handling result best: per-death of the recorded level for a concealed
    accident, else the first percent-of-penalty rule, else the first applicable one."""
    rules = list(applicable_rules(tip))
    if tip.concealed_deaths:
        for rule in rules:
            if rule.basis == RewardBasis.CONCEALED_DEATH and rule.accident_level == tip.accident_level:
                return rule
    for rule in rules:
        if rule.basis == RewardBasis.FINE_PERCENT:
            return rule
    return rules[0] if rules else None


def beneficiary(tip: Tipoff) -> Tipoff:
    """The report rewarded for the matter of `tip`: among it and the reports merged into it, the first
    accepted (ties and never-accepted ones by time of receipt)."""
    group = [tip, *Tipoff.objects.filter(merged_into=tip)]
    far = timezone.now() + dt.timedelta(days=36500)
    return min(group, key=lambda t: (t.accepted_at is None, t.accepted_at or far, t.received_at, t.pk))


def preview(tip: Tipoff, rule: RewardRule) -> rewards.RewardCalculation:
    """The calculation a rule gives for the case (raises RewardInputError with a Chinese reason)."""
    return rewards.calculate(
        rule.as_spec(),
        fine=tip.fine_amount,
        confiscated=tip.confiscated_amount,
        deaths=tip.concealed_deaths,
        accident_level=tip.accident_level,
    )


def _reward_snapshot(reward: Reward) -> dict[str, Any]:
    return audit.snapshot(reward)


@transaction.atomic
def decide_reward(tip_id: int, *, actor: Any, rule: RewardRule, note: str = "") -> Reward:
    """奖励决定: only for a report verified true and handled; the amount comes from the rule, never typed."""
    tip = tip_for(actor, tip_id, "tipoff.reward_decide")
    check_transition(tip, "decide_reward")
    if tip.verified_true is not True:
        raise ConflictError("只有查证属实的举报才能奖励。")
    if not rule.active or not applicable_rules(tip).filter(pk=rule.pk).exists():
        raise ValidationError({"rule": f"规则「{rule.name}」不适用于「{tip.category.name}」类举报或已停用。"})
    try:
        calc = preview(tip, rule)
    except rewards.RewardInputError as exc:
        raise ValidationError({"rule": str(exc)}) from None
    winner = beneficiary(tip)
    text = calc.text
    if winner.joint:
        text += "联名举报按一名举报人计奖。"
    if winner.pk != tip.pk:
        text += f"同一事项多人举报，奖励给最先受理的举报 {winner.code}。"
    reward = Reward.objects.create(
        tip=tip,
        beneficiary=winner,
        rule=rule,
        rule_snapshot=rule.as_spec(),
        basis_amount=calc.basis_amount,
        amount=calc.amount,
        calculation=text,
        note=(note or "").strip()[:500],
        decided_by=actor,
        created_by=actor,
    )
    before = snapshot(tip)
    enter(tip, TipStatus.REWARD_DECIDED)
    tip.save()
    add_event(
        tip,
        TipEventType.REWARD_DECIDED,
        actor=actor,
        summary=f"{rule.name}：{text}",
        public=f"奖励决定：{rewards.yuan(calc.amount)}，审批后发放。",
    )
    if winner.pk != tip.pk:
        add_event(
            winner,
            TipEventType.REWARD_DECIDED,
            actor=actor,
            summary=f"作为 {tip.code} 同一事项最先受理的举报获奖",
            public=f"奖励决定：{rewards.yuan(calc.amount)}，审批后发放。",
        )
    audit.record(
        actor=actor, action="tipoff.reward_decide", obj=reward, after=_reward_snapshot(reward), note=text
    )
    audit.record(
        actor=actor, action="tipoff.status", obj=tip, before=before, after=snapshot(tip), only_changes=True
    )
    notify(
        street_admins(),
        title=f"举报奖励待审批 {tip.code}：{rewards.yuan(calc.amount)}",
        body=text,
        link=tip_link(tip),
        category="tipoff",
        dedupe_key=f"tipoff:{tip.pk}:reward",
    )
    return reward


@transaction.atomic
def approve_reward(tip_id: int, *, actor: Any, note: str = "") -> Reward:
    """审批: the street office approves the decided amount before it is paid."""
    tip = tip_for(actor, tip_id, "tipoff.reward_approve")
    check_transition(tip, "approve_reward")
    reward = Reward.objects.select_for_update().get(tip=tip)
    if reward.is_approved:
        raise ConflictError("该奖励已审批。")
    if reward.decided_by_id == getattr(actor, "pk", None):
        raise ConflictError("奖励的决定人不能审批自己的决定。")
    before = _reward_snapshot(reward)
    reward.approved_at = timezone.now()
    reward.approved_by = actor
    reward.approval_note = (note or "").strip()[:500]
    reward.save()
    add_event(tip, TipEventType.REWARD_APPROVED, actor=actor, summary=rewards.yuan(reward.amount), note=note)
    audit.record(
        actor=actor,
        action="tipoff.reward_approve",
        obj=reward,
        before=before,
        after=_reward_snapshot(reward),
        only_changes=True,
    )
    return reward


@transaction.atomic
def pay_reward(
    tip_id: int,
    *,
    actor: Any,
    amount: Any,
    paid_on: dt.date,
    method: str,
    reference: str = "",
    receipt: Any = None,
) -> Reward:
    """发放: record the payment of an approved reward of a verified-true report, with its receipt."""
    tip = tip_for(actor, tip_id, "tipoff.reward_pay")
    check_transition(tip, "pay_reward")
    reward = Reward.objects.select_for_update().get(tip=tip)
    if tip.verified_true is not True:
        raise ConflictError("只有查证属实的举报才能发放奖励。")
    if not reward.is_approved:
        raise ConflictError("奖励尚未审批，不能发放。")
    errors: dict[str, str] = {}
    try:
        paid = Decimal(str(amount)).quantize(Decimal("0.01"))
    except ArithmeticError:
        paid = None
        errors["amount"] = "金额格式不正确。"
    if paid is not None and paid != reward.amount:
        errors["amount"] = f"发放金额应与决定金额 {rewards.yuan(reward.amount)} 一致。"
    if not isinstance(paid_on, dt.date):
        errors["paid_on"] = "请填写发放日期。"
    elif paid_on > timezone.localdate():
        errors["paid_on"] = "发放日期不能晚于今天。"
    elif paid_on < timezone.localtime(reward.decided_at).date():
        errors["paid_on"] = "发放日期不能早于奖励决定日期。"
    if method not in PaymentMethod.values:
        errors["method"] = "请选择发放方式。"
    if receipt is None:
        errors["receipt"] = "请上传发放凭证（签收单或转账回单的照片或 PDF）。"
    if errors:
        raise ValidationError(errors)
    before = _reward_snapshot(reward)
    try:
        store_attachment(receipt, owner=reward, actor=actor, kinds=(IMAGE, PDF), purpose="receipt")
    except ValidationError as exc:
        raise ValidationError({"receipt": exc.messages}) from None
    reward.paid_amount = paid
    reward.paid_on = paid_on
    reward.payment_method = method
    reward.payment_reference = (reference or "").strip()[:100]
    reward.paid_recorded_by = actor
    reward.save()
    tip_before = snapshot(tip)
    enter(tip, TipStatus.REWARD_PAID)
    tip.save()
    public = f"奖励 {rewards.yuan(reward.amount)} 已于 {paid_on:%Y-%m-%d} 发放。"
    add_event(
        tip,
        TipEventType.REWARD_PAID,
        actor=actor,
        summary=f"{reward.get_payment_method_display()}",
        public=public,
    )
    if reward.beneficiary_id != tip.pk:
        add_event(reward.beneficiary, TipEventType.REWARD_PAID, actor=actor, public=public)
    audit.record(
        actor=actor,
        action="tipoff.reward_pay",
        obj=reward,
        before=before,
        after=_reward_snapshot(reward),
        only_changes=True,
    )
    audit.record(
        actor=actor,
        action="tipoff.status",
        obj=tip,
        before=tip_before,
        after=snapshot(tip),
        only_changes=True,
    )
    return reward


def reward_for_reporter(tip: Tipoff) -> Reward | None:
    """The reward a reporter may claim with this tip's code (their own report is the beneficiary)."""
    return Reward.objects.filter(beneficiary=tip).select_related("tip").first()


__all__ = [
    "applicable_rules",
    "approve_reward",
    "beneficiary",
    "decide_reward",
    "pay_reward",
    "preview",
    "reward_for_reporter",
    "suggested_rule",
]
