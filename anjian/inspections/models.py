"""Checklists (versioned templates of items with legal basis), inspection plans, inspection records with
their item results, and the inspection timeline."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, TimelineEvent, TimeStampedModel, VoidableModel
from anjian.core.scoping import Scope, ScopedQuerySet
from anjian.inspections.choices import (
    AccidentType,
    HazardCategory,
    InspectionEventType,
    InspectionStatus,
    Outcome,
    PlanSource,
    PlanStatus,
    Severity,
)

ENTERPRISE_SCOPE = Scope(community="enterprise__community", grid="enterprise__grid", enterprise="enterprise")


class ChecklistTemplate(TimeStampedModel):
    """A named checklist (e.g. 电镀企业安全检查表); its items live in immutable versions."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(
        _("适用类型"),
        max_length=40,
        help_text=_("重点监管类型编码，或 general 表示通用"),
        db_index=True,
    )
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self) -> ChecklistVersion | None:
        return self.versions.filter(is_current=True).first()


class ChecklistVersion(models.Model):
    """One published, numbered version of a template. Immutable once an inspection has used it:
    editing the template publishes a new version; past inspections keep the one they used."""

    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField(_("版本号"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_current = models.BooleanField(_("当前版本"), default=False)
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="checklist_version_unique"),
            models.UniqueConstraint(
                fields=["template"],
                condition=models.Q(is_current=True),
                name="checklist_one_current_version",
            ),
        ]
        verbose_name = _("检查表版本")
        verbose_name_plural = _("检查表版本")

    def __str__(self) -> str:
        return f"{self.template.name} 第{self.version}版"

    @property
    def is_used(self) -> bool:
        """True once any inspection was recorded with this version (then it must never change)."""
        return self.inspections.exists()


class ChecklistItem(models.Model):
    """One check of a version: what to look at, its legal basis, severity and accident type."""

    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    section = models.CharField(_("检查类别"), max_length=50, blank=True)
    text = models.CharField(_("检查内容"), max_length=500)
    legal_basis = models.CharField(_("依据"), max_length=300)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    major_hazard_ground = models.BooleanField(
        _("重大隐患判定依据"), default=False, help_text=_("不合格时建议定为重大事故隐患")
    )
    hazard_category = models.CharField(
        _("隐患类别"), max_length=20, choices=HazardCategory.choices, default=HazardCategory.SITE
    )
    accident_type = models.CharField(
        _("事故类型"), max_length=20, choices=AccidentType.choices, default=AccidentType.OTHER
    )

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="checklist_item_order_unique")
        ]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class InspectionPlan(ScopedModel):
    """A planned visit to one enterprise: from an assignment, a grid round, or the street office."""

    source = models.CharField(_("计划来源"), max_length=20, choices=PlanSource.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("检查对象"),
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    planned_date = models.DateField(_("计划日期"), db_index=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查负责人"),
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    co_inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("同行检查人员"), blank=True, related_name="+"
    )
    departments = models.ManyToManyField(
        "org.Department", verbose_name=_("联合检查科办"), blank=True, related_name="inspection_plans"
    )
    assignment = models.ForeignKey(
        "org.Assignment",
        verbose_name=_("挂点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("检查表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    title = models.CharField(_("检查主题"), max_length=200, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.PLANNED, db_index=True
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    scope = ENTERPRISE_SCOPE

    class Meta:
        ordering = ["planned_date", "id"]
        indexes = [
            models.Index(fields=["inspector", "status", "planned_date"]),
            models.Index(fields=["enterprise", "planned_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "planned_date"],
                condition=models.Q(assignment__isnull=False, status="planned"),
                name="inspection_plan_one_per_assignment_day",
            )
        ]
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")

    def __str__(self) -> str:
        return f"{self.planned_date} {self.enterprise.name}"


class Inspection(VoidableModel):
    """One inspection of one enterprise with one checklist version, submitted whole from a phone."""

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("检查计划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("检查对象"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    checklist_version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("检查表版本"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    co_inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("同行检查人员"), blank=True, related_name="+"
    )
    co_inspector_names = models.CharField(_("其他检查人员"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=InspectionStatus.choices,
        default=InspectionStatus.DRAFT,
        db_index=True,
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    location_note = models.CharField(_("定位说明"), max_length=200, blank=True)
    representative_name = models.CharField(_("企业代表"), max_length=50)
    summary = models.TextField(_("检查意见"), blank=True)
    client_uuid = models.UUIDField(_("客户端编号"), unique=True, default=uuid.uuid4, editable=False)
    visit = models.OneToOneField(
        "org.Visit",
        verbose_name=_("挂点走访记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection",
    )
    item_count = models.PositiveSmallIntegerField(_("检查项数"), default=0)
    failed_count = models.PositiveSmallIntegerField(_("不合格项数"), default=0, db_index=True)
    na_count = models.PositiveSmallIntegerField(_("不适用项数"), default=0)

    scope = ENTERPRISE_SCOPE

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-submitted_at"]),
            models.Index(fields=["inspector", "-submitted_at"]),
        ]
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")

    def __str__(self) -> str:
        day = self.submitted_at or self.started_at
        return f"{self.enterprise.name} {day:%Y-%m-%d}" if day else self.enterprise.name

    @property
    def passed_count(self) -> int:
        return self.item_count - self.failed_count - self.na_count

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None


class InspectionResult(models.Model):
    """The answer to one checklist item in one inspection (photos are Attachments, purpose result_photo)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.PROTECT, related_name="results"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="results"
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("说明"), max_length=1000, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(
        community="inspection__enterprise__community",
        grid="inspection__enterprise__grid",
        enterprise="inspection__enterprise",
    )

    class Meta:
        ordering = ["inspection", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_unique_item")
        ]
        indexes = [models.Index(fields=["outcome", "inspection"])]
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")

    def __str__(self) -> str:
        return f"{self.item} — {self.get_outcome_display()}"

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAIL


class InspectionEvent(TimelineEvent):
    """A line of the history of a plan and the inspection done for it."""

    plan = models.ForeignKey(
        InspectionPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    type = models.CharField(max_length=30, choices=InspectionEventType.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["inspection", "-at"]), models.Index(fields=["plan", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan__isnull=False) | models.Q(inspection__isnull=False),
                name="inspection_event_has_subject",
            )
        ]
        verbose_name = _("检查动态")
        verbose_name_plural = _("检查动态")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.summary}".strip()

    @property
    def summary(self) -> str:
        p: dict[str, Any] = self.params or {}
        for key in ("summary", "reason", "note"):
            if p.get(key):
                return str(p[key])
        return ""
