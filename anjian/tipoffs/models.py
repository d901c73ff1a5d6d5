"""Public tip-offs (举报): categories (the Open311 services), tips with their workflow and timeline,
reward rules (configuration), reward decisions and payments, partner apps and spent challenges.

The reporter's identity lives only in `Tipoff.identity_ciphertext` (Fernet, key from the environment);
nothing else in this module holds it in clear text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, TimelineEvent
from anjian.core.scoping import Scope
from anjian.core.validators import coordinate_error
from anjian.tipoffs.choices import (
    CLOSED_STATUSES,
    PUBLIC_NOTES,
    AccidentLevel,
    AssigneeKind,
    PaymentMethod,
    RewardBasis,
    TipChannel,
    TipEventType,
    TipStatus,
)

MONEY = {"max_digits": 14, "decimal_places": 2}

# Fields that never leave the tip: excluded from audit snapshots, serializers and exports.
PROTECTED_FIELDS = ("identity_ciphertext", "secret_digest")


class TipCategory(models.Model):
    """A kind of report the public can make; each row is one Open311 service (service_code = code)."""

    code = models.SlugField(_("服务编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    group = models.CharField(_("分组"), max_length=50, default="安全生产")
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    icon = models.CharField(_("图标"), max_length=40, default="bi-exclamation-triangle")
    urgent_notice = models.CharField(
        _("紧急提示"), max_length=300, blank=True, help_text=_("例如燃气泄漏：请先拨打 119 或燃气抢修电话。")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("举报类别")
        verbose_name_plural = _("举报类别")

    def __str__(self) -> str:
        return self.name


class PartnerApp(models.Model):
    """A registered application that submits tips through Open311 with an `api_key`."""

    name = models.CharField(_("应用名称"), max_length=100, unique=True)
    contact = models.CharField(_("联系人及电话"), max_length=200, blank=True)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    rate_per_hour = models.PositiveIntegerField(_("每小时提交上限"), default=120)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deactivated_reason = models.CharField(_("停用原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("合作应用")
        verbose_name_plural = _("合作应用")

    def __str__(self) -> str:
        return self.name


class Tipoff(ScopedModel):
    """One public report and its handling, from receipt to reward and closure.

    Staff see a tip when it is assigned to their community or grid (street-level roles see all);
    an enterprise never sees tips, not even those about itself (DOMAIN.md §6)."""

    code = models.CharField(_("举报编号"), max_length=20, unique=True, editable=False)
    secret_digest = models.CharField(max_length=64, editable=False)
    category = models.ForeignKey(
        TipCategory, verbose_name=_("举报类别"), on_delete=models.PROTECT, related_name="tips"
    )
    description = models.TextField(_("举报内容"), max_length=2000)
    address = models.CharField(_("地点"), max_length=300, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    community = models.ForeignKey(
        "org.Community",
        verbose_name=_("所在社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tips",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("被举报单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    enterprise_hint = models.CharField(_("举报人填写的单位名称"), max_length=200, blank=True)
    media_url = models.URLField(_("外部媒体链接"), max_length=500, blank=True)
    anonymous = models.BooleanField(_("匿名举报"), default=True)
    joint = models.BooleanField(_("联名举报"), default=False)
    identity_ciphertext = models.TextField(blank=True, editable=False)
    contact_consent = models.BooleanField(_("同意联系核实"), default=False)
    disclose_consent = models.BooleanField(_("同意向承办单位提供身份"), default=False)
    channel = models.CharField(_("来源"), max_length=20, choices=TipChannel.choices, default=TipChannel.WEB)
    partner = models.ForeignKey(
        PartnerApp,
        verbose_name=_("合作应用"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tips",
    )
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TipStatus.choices, default=TipStatus.RECEIVED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    due_at = models.DateTimeField(_("本环节期限"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    reject_reason = models.CharField(_("不予受理理由"), max_length=500, blank=True)
    assigned_kind = models.CharField(
        _("交办对象类型"), max_length=20, choices=AssigneeKind.choices, blank=True
    )
    assigned_community = models.ForeignKey(
        "org.Community",
        verbose_name=_("交办社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tips",
    )
    assigned_grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("交办网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tips",
    )
    assigned_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("交办科办"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tips",
    )
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    assignment_note = models.CharField(_("交办要求"), max_length=500, blank=True)
    verified_true = models.BooleanField(_("查证属实"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查完成时间"), null=True, blank=True)
    verification_note = models.TextField(_("核查情况"), blank=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    enforcement_action = models.TextField(_("处理措施"), blank=True)
    fine_amount = models.DecimalField(
        _("罚款金额（元）"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    confiscated_amount = models.DecimalField(
        _("没收违法所得（元）"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    concealed_deaths = models.PositiveIntegerField(_("瞒报死亡人数"), null=True, blank=True)
    accident_level = models.CharField(_("事故等级"), max_length=20, choices=AccidentLevel.choices, blank=True)
    hazard_code = models.CharField(_("关联隐患编号"), max_length=40, blank=True)
    feedback_text = models.TextField(_("给举报人的答复"), blank=True)
    feedback_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("答复期限"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    duplicate_suspect = models.ForeignKey(
        "self", verbose_name=_("疑似重复"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tips",
    )

    scope = Scope(community="assigned_community", grid="assigned_grid")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-received_at"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["enterprise", "status"]),
        ]
        verbose_name = _("举报")
        verbose_name_plural = _("举报")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.lat is not None or self.lng is not None:
            message = coordinate_error(self.lat, self.lng)
            if message:
                errors["lat"] = message
        if self.lat is None and not (self.address or "").strip() and self.enterprise_id is None:
            errors["address"] = "请在地图上点选位置，或填写地点。"
        for name in ("fine_amount", "confiscated_amount"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "金额不能为负数。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def public_status(self) -> str:
        """Open311 status: open or closed."""
        return "closed" if self.is_closed else "open"

    @property
    def public_note(self) -> str:
        return PUBLIC_NOTES.get(self.status, "")  # type: ignore[call-overload]

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def has_identity(self) -> bool:
        return bool(self.identity_ciphertext)

    @property
    def penalty_total(self) -> Decimal | None:
        """罚没款: the fine plus confiscated illegal gains (None when neither was recorded)."""
        if self.fine_amount is None and self.confiscated_amount is None:
            return None
        return (self.fine_amount or Decimal(0)) + (self.confiscated_amount or Decimal(0))

    def overdue_reasons(self, now: dt.datetime | None = None) -> list[str]:
        """Why this tip is late: the current step's deadline, the reporter's feedback, or both."""
        now = now or timezone.now()
        reasons = []
        if self.due_at and not self.is_closed and self.due_at < now:
            reasons.append(f"「{self.get_status_display()}」环节已超期")
        if self.feedback_due_at and self.feedback_at is None and self.feedback_due_at < now:
            reasons.append("答复举报人已超期")
        return reasons

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue_reasons())

    @property
    def assignee_label(self) -> str:
        if self.assigned_kind == AssigneeKind.GRID and self.assigned_grid_id:
            return f"{self.assigned_community or ''} · {self.assigned_grid}"
        if self.assigned_kind == AssigneeKind.COMMUNITY and self.assigned_community_id:
            return str(self.assigned_community)
        if self.assigned_kind == AssigneeKind.DEPARTMENT and self.assigned_department_id:
            return str(self.assigned_department)
        return ""


class TipEvent(TimelineEvent):
    """A line of a tip's history; the public ones (PUBLIC_EVENT_TYPES) are shown to the reporter."""

    tip = models.ForeignKey(Tipoff, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=30, choices=TipEventType.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["tip", "-at"])]
        verbose_name = _("举报动态")
        verbose_name_plural = _("举报动态")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.summary}".strip()

    @property
    def summary(self) -> str:
        """One readable line for the staff timeline (never identity: params never hold it)."""
        p = self.params or {}
        parts = [str(p[k]).rstrip("。；; ") for k in ("summary", "reason", "note") if p.get(k)]
        return "；".join(parts)

    @property
    def public_summary(self) -> str:
        """What the reporter reads for this line."""
        p = self.params or {}
        return str(p.get("public", "")) or self.get_type_display()


class RewardRule(models.Model):
    """A reward rule (configuration): the national rules of DOMAIN.md §6 and local extra rules."""

    code = models.SlugField(_("规则编码"), max_length=40, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    basis = models.CharField(_("计算方式"), max_length=20, choices=RewardBasis.choices)
    categories = models.ManyToManyField(
        TipCategory,
        verbose_name=_("适用举报类别"),
        blank=True,
        related_name="reward_rules",
        help_text=_("不选表示适用于所有类别。"),
    )
    accident_level = models.CharField(
        _("事故等级"),
        max_length=20,
        choices=AccidentLevel.choices,
        blank=True,
        help_text=_("按死亡人数计奖时必填。"),
    )
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(
        _("金额（元）"),
        null=True,
        blank=True,
        help_text=_("固定金额，或每名瞒报死亡人员的金额。"),
        max_digits=14,
        decimal_places=2,
    )
    minimum = models.DecimalField(_("下限（元）"), null=True, blank=True, max_digits=14, decimal_places=2)
    maximum = models.DecimalField(_("上限（元）"), null=True, blank=True, max_digits=14, decimal_places=2)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    is_local = models.BooleanField(_("本地规则"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("奖励规则")
        verbose_name_plural = _("奖励规则")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.basis == RewardBasis.FINE_PERCENT:
            if self.percent is None or not (Decimal(0) < self.percent <= Decimal(100)):
                errors["percent"] = "按比例计奖时，比例应大于 0 且不超过 100。"
        elif self.basis == RewardBasis.CONCEALED_DEATH:
            if not self.accident_level:
                errors["accident_level"] = "按死亡人数计奖时请选择事故等级。"
            if self.amount is None or self.amount <= 0:
                errors["amount"] = "请填写每名瞒报死亡人员的奖励金额。"
        elif self.basis == RewardBasis.FIXED and (self.amount is None or self.amount <= 0):
            errors["amount"] = "请填写固定奖励金额。"
        for name in ("minimum", "maximum", "amount"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "金额不能为负数。"
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            errors["maximum"] = "上限不能低于下限。"
        if errors:
            raise ValidationError(errors)

    def as_spec(self) -> dict[str, Any]:
        """The values the decision used, frozen into the decision record."""
        return {
            "code": self.code,
            "name": self.name,
            "basis": self.basis,
            "accident_level": self.accident_level,
            "percent": str(self.percent) if self.percent is not None else None,
            "amount": str(self.amount) if self.amount is not None else None,
            "minimum": str(self.minimum) if self.minimum is not None else None,
            "maximum": str(self.maximum) if self.maximum is not None else None,
            "legal_basis": self.legal_basis,
        }


class Reward(ScopedModel):
    """The reward decision of a case (with the rule and the arithmetic), its approval and its payment."""

    tip = models.OneToOneField(
        Tipoff, verbose_name=_("举报"), on_delete=models.PROTECT, related_name="reward"
    )
    beneficiary = models.ForeignKey(
        Tipoff,
        verbose_name=_("受奖举报"),
        on_delete=models.PROTECT,
        related_name="rewards_received",
        help_text=_("同一事项多人举报时，奖励给最先受理的举报。"),
    )
    rule = models.ForeignKey(
        RewardRule, verbose_name=_("适用规则"), on_delete=models.PROTECT, related_name="+"
    )
    rule_snapshot = models.JSONField(_("规则取值"), default=dict)
    basis_amount = models.DecimalField(_("计奖基数"), null=True, blank=True, max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("奖励金额（元）"), max_digits=14, decimal_places=2)
    calculation = models.TextField(_("计算过程"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    paid_amount = models.DecimalField(
        _("发放金额（元）"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    payment_method = models.CharField(_("发放方式"), max_length=20, choices=PaymentMethod.choices, blank=True)
    payment_reference = models.CharField(_("凭证号"), max_length=100, blank=True)
    paid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope = Scope(community="tip__assigned_community", grid="tip__assigned_grid")

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("举报奖励")
        verbose_name_plural = _("举报奖励")

    def __str__(self) -> str:
        return f"{self.tip.code} ¥{self.amount}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


class SpentChallenge(models.Model):
    """A proof-of-work challenge already used once (replaying a solved challenge is refused)."""

    nonce = models.CharField(max_length=64, unique=True)
    spent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("已使用的校验题")
        verbose_name_plural = _("已使用的校验题")

    def __str__(self) -> str:
        return self.nonce
