"""Hidden hazards and their closed loop (DOMAIN.md §4): the hazard, its timeline, deadline extensions,
rectification evidence, verifications, the six-part governance plan of a 重大 hazard and listed
supervision (挂牌督办) with progress reports. Rows are written only by `hazards.services`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, TimelineEvent, VoidableModel
from anjian.core.scoping import Scope, ScopedQuerySet
from anjian.core.validators import coordinate_error, normalize_phone, phone_error
from anjian.hazards.choices import (
    LEVEL_SHORT,
    OPEN_STATES,
    ExtensionStatus,
    HazardEventType,
    Level,
    SourceKind,
    State,
)
from anjian.inspections.choices import AccidentType, HazardCategory

HAZARD_SCOPE = Scope(community="hazard__community", grid="hazard__grid", enterprise="hazard__enterprise")
USER = settings.AUTH_USER_MODEL


class HazardSequence(models.Model):
    """The last number handed out per year for hazard codes (YH-2026-000123); locked while incremented."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Hazard(VoidableModel):
    """One hidden hazard (事故隐患) at one enterprise, from discovery to verified closure (一案一档)."""

    code = models.CharField(_("隐患编号"), max_length=20, unique=True, editable=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="hazards"
    )
    # Denormalised from the enterprise when registered, so scoping and filters need no join.
    community = models.ForeignKey(
        "org.Community", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="hazards"
    )
    grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    source_kind = models.CharField(
        _("来源"), max_length=20, choices=SourceKind.choices, default=SourceKind.DIRECT
    )
    inspection_result = models.ForeignKey(
        "inspections.InspectionResult",
        verbose_name=_("检查结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    # Alarms and tip-offs (later capabilities) point here by reference, e.g. "alarm:42".
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True)
    checklist_item_text = models.CharField(_("检查项"), max_length=500, blank=True)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)

    level = models.CharField(_("隐患等级"), max_length=10, choices=Level.choices, default=Level.GENERAL)
    proposed_level = models.CharField(
        _("建议等级"), max_length=10, choices=Level.choices, default=Level.GENERAL
    )
    level_confirmed_by = models.ForeignKey(
        USER, verbose_name=_("等级确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level_confirmed_at = models.DateTimeField(_("等级确认时间"), null=True, blank=True)
    accident_type = models.CharField(
        _("事故类型"), max_length=20, choices=AccidentType.choices, default=AccidentType.OTHER
    )
    category = models.CharField(
        _("隐患类别"), max_length=20, choices=HazardCategory.choices, default=HazardCategory.SITE
    )
    title = models.CharField(_("隐患描述"), max_length=200)
    description = models.TextField(_("详细情况"), blank=True)
    location = models.CharField(_("隐患部位"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    responsible_name = models.CharField(_("整改责任人"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("责任人电话"), max_length=20, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    funds = models.DecimalField(_("整改资金（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    original_deadline = models.DateField(_("原定整改期限"), editable=False)
    current_deadline = models.DateField(_("整改期限"), editable=False)

    state = models.CharField(_("状态"), max_length=30, choices=State.choices, default=State.REGISTERED)
    is_listed = models.BooleanField(_("挂牌督办中"), default=False)
    found_by = models.ForeignKey(
        USER, verbose_name=_("发现人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    rectification_started_at = models.DateTimeField(_("开始整改时间"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, verbose_name=_("销号人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(community="community", grid="grid", enterprise="enterprise")

    class Meta:
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["-found_at", "-id"], name="hazard_found"),
            models.Index(fields=["community", "-found_at"], name="hazard_community_found"),
            models.Index(fields=["grid", "-found_at"], name="hazard_grid_found"),
            models.Index(fields=["enterprise", "-found_at"], name="hazard_enterprise_found"),
            models.Index(fields=["state", "-found_at"], name="hazard_state_found"),
            models.Index(fields=["level", "-found_at"], name="hazard_level_found"),
            models.Index(fields=["category", "-found_at"], name="hazard_category_found"),
            # Counts per state and overdue (one grouped COUNT, selectors.state_counts) read these
            # indexes only: the filter column, the state and the deadline are all in them.
            models.Index(fields=["state", "current_deadline"], name="hazard_state_deadline"),
            models.Index(fields=["community", "state", "current_deadline"], name="hazard_community_count"),
            models.Index(fields=["grid", "state", "current_deadline"], name="hazard_grid_count"),
            models.Index(fields=["level", "state", "current_deadline"], name="hazard_level_count"),
            models.Index(fields=["category", "state", "current_deadline"], name="hazard_category_count"),
            models.Index(fields=["enterprise", "state", "current_deadline"], name="hazard_enterprise_count"),
            models.Index(
                fields=["-found_at"], condition=models.Q(is_listed=True), name="hazard_listed_found"
            ),
        ]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean_fields(self, exclude: Any = None) -> None:
        self.title = (self.title or "").strip()
        self.responsible_name = (self.responsible_name or "").strip()
        self.responsible_phone = normalize_phone(self.responsible_phone)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Rules of a hazard record that hold whatever the entry point."""
        errors: dict[str, str] = {}
        msg = phone_error(self.responsible_phone)
        if msg:
            errors["responsible_phone"] = msg
        if (self.lat is None) != (self.lng is None):
            errors["lat"] = "经纬度需同时填写。"
        elif self.lat is not None and self.lng is not None:
            msg = coordinate_error(self.lat, self.lng)
            if msg:
                errors["lat"] = msg
        if self.funds is not None and self.funds < 0:
            errors["funds"] = "整改资金不能为负数。"
        if errors:
            raise ValidationError(errors)

    # ---- derived state -------------------------------------------------------------------------
    @property
    def level_short(self) -> str:
        return LEVEL_SHORT.get(self.level, "")  # type: ignore[call-overload]

    @property
    def is_major(self) -> bool:
        return self.level == Level.MAJOR

    @property
    def level_pending(self) -> bool:
        """重大 was proposed and the office has not graded it yet."""
        return self.proposed_level == Level.MAJOR and self.level_confirmed_at is None

    @property
    def deadline_extended(self) -> bool:
        return self.current_deadline != self.original_deadline

    def days_left(self, today: dt.date | None = None) -> int:
        return (self.current_deadline - (today or timezone.localdate())).days

    def overdue_days(self, today: dt.date | None = None) -> int:
        """Days past the deadline while the enterprise still owes the rectification (0 when not overdue)."""
        if self.state not in OPEN_STATES:
            return 0
        return max(0, -self.days_left(today))

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days() > 0


class HazardEvent(TimelineEvent):
    """A line of a hazard's human-readable history (the steps of 一案一档)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=30, choices=HazardEventType.choices)

    objects = ScopedQuerySet.as_manager()
    scope = HAZARD_SCOPE

    class Meta(TimelineEvent.Meta):
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hazard", "at"]), models.Index(fields=["type", "at"])]
        verbose_name = _("隐患动态")
        verbose_name_plural = _("隐患动态")

    def __str__(self) -> str:
        return f"{self.get_type_display()} @ {self.at:%Y-%m-%d %H:%M}"


class DeadlineExtension(ScopedModel):
    """A request to move the deadline; only an approved request changes it (the original stays on record)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    reason = models.CharField(_("延期理由"), max_length=500)
    previous_deadline = models.DateField(_("原期限"))
    requested_deadline = models.DateField(_("申请延至"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        USER, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    scope = HAZARD_SCOPE

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.hazard_id}: {self.previous_deadline} → {self.requested_deadline}"


class Rectification(ScopedModel):
    """Evidence that the enterprise has rectified: a note and photos (Attachments, purpose evidence_photo)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="rectifications")
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    note = models.TextField(_("整改情况说明"))

    scope = HAZARD_SCOPE

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")

    def __str__(self) -> str:
        return f"{self.hazard_id} @ {self.submitted_at:%Y-%m-%d}"


class Verification(ScopedModel):
    """A check of the rectification by someone other than the enterprise (复查/验收), with signature."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="verifications")
    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.PROTECT, related_name="verifications"
    )
    verifier = models.ForeignKey(USER, verbose_name=_("复查人"), on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("复查时间"), default=timezone.now)
    passed = models.BooleanField(_("复查结论"))
    note = models.TextField(_("复查意见"))

    scope = HAZARD_SCOPE

    class Meta:
        ordering = ["verified_at", "id"]
        constraints = [
            # One verdict per evidence submission: two people verifying at once leave exactly one.
            models.UniqueConstraint(fields=["rectification"], name="verification_one_per_rectification")
        ]
        verbose_name = _("复查记录")
        verbose_name_plural = _("复查记录")

    def __str__(self) -> str:
        return f"{self.hazard_id} {'通过' if self.passed else '不通过'}"


class GovernancePlan(ScopedModel):
    """The six-part governance plan a 重大 hazard needs before rectification starts (16号令 第十五条)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    goals = models.TextField(_("治理的目标和任务"))
    methods = models.TextField(_("采取的方法和措施"))
    funding = models.TextField(_("经费和物资的落实"))
    organisation = models.TextField(_("负责治理的机构和人员"))
    schedule = models.TextField(_("治理的时限和要求"))
    safety_measures = models.TextField(_("安全措施和应急预案"))
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    scope = HAZARD_SCOPE
    PARTS = ("goals", "methods", "funding", "organisation", "schedule", "safety_measures")

    class Meta:
        ordering = ["hazard", "-version"]
        constraints = [models.UniqueConstraint(fields=["hazard", "version"], name="governance_plan_version")]
        verbose_name = _("重大隐患治理方案")
        verbose_name_plural = _("重大隐患治理方案")

    def __str__(self) -> str:
        return f"{self.hazard_id} v{self.version}"

    def parts(self) -> list[tuple[str, str]]:
        """(label, text) of the six parts, in the statutory order."""
        return [(part_label(p), getattr(self, p)) for p in self.PARTS]


def part_label(name: str) -> str:
    """The statutory label of one of the six parts of a governance plan."""
    field: Any = GovernancePlan._meta.get_field(name)
    return str(field.verbose_name)


class ListedSupervision(ScopedModel):
    """挂牌督办: the street lists a 重大 hazard for supervision until it is closed and the listing lifted."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="supervisions")
    listed_by = models.ForeignKey(USER, verbose_name=_("挂牌人"), on_delete=models.PROTECT, related_name="+")
    listed_at = models.DateTimeField(_("挂牌时间"), default=timezone.now)
    supervising_unit = models.CharField(_("督办单位"), max_length=100)
    requirements = models.TextField(_("督办要求"), blank=True)
    report_every_days = models.PositiveSmallIntegerField(_("进展报送周期（天）"), default=7)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        USER, verbose_name=_("解除人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_note = models.CharField(_("解除说明"), max_length=500, blank=True)

    scope = HAZARD_SCOPE

    class Meta:
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"], condition=models.Q(lifted_at__isnull=True), name="one_active_supervision"
            )
        ]
        verbose_name = _("挂牌督办")
        verbose_name_plural = _("挂牌督办")

    def __str__(self) -> str:
        return f"{self.hazard_id} 督办：{self.supervising_unit}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class ProgressReport(ScopedModel):
    """A progress report on a listed hazard (photos are Attachments, purpose progress_photo)."""

    supervision = models.ForeignKey(ListedSupervision, on_delete=models.PROTECT, related_name="reports")
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="progress_reports")
    reported_by = models.ForeignKey(
        USER, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    progress = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成比例（%）"), default=0)

    scope = HAZARD_SCOPE

    class Meta:
        ordering = ["reported_at", "id"]
        verbose_name = _("督办进展")
        verbose_name_plural = _("督办进展")

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.percent}%"
