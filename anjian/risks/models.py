"""The risk register (风险分级管控, DOMAIN.md §3): configurable grading bands, templates of typical risk
points, risk points with their assessment history, the enterprise's inherent level (with an
administrator's override), configurable priority weights, the synthetic demo history and back-test runs.
Rows are written only by `risks.services` (and the demo seed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, VoidableModel
from anjian.core.scoping import Scope, ScopedQuerySet
from anjian.core.validators import normalize_phone, phone_error
from anjian.inspections.choices import AccidentType
from anjian.risks.choices import (
    LEVEL_HEX,
    LEVEL_SHORT,
    REQUIRED_CONTROL,
    BacktestSource,
    ControlLevel,
    MeasureType,
    Method,
    PointKind,
    PriorityPart,
    RiskLevel,
)

USER = settings.AUTH_USER_MODEL
MAX_MEASURES = 30


class RiskBand(models.Model):
    """One grade of an assessment method: scores from `lower_bound` up to the next band (lower bound
    included). Seeded with DOMAIN.md §3; the street administrator may change bounds and wording."""

    method = models.CharField(_("评估方法"), max_length=10, choices=Method.choices)
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    lower_bound = models.DecimalField(_("下限（含）"), max_digits=9, decimal_places=3)
    grade = models.CharField(_("危险程度"), max_length=60)
    action = models.CharField(_("管控要求"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["method", "-lower_bound"]
        constraints = [
            models.UniqueConstraint(fields=["method", "lower_bound"], name="risk_band_unique_bound")
        ]
        verbose_name = _("风险分级标准")
        verbose_name_plural = _("风险分级标准")

    def __str__(self) -> str:
        return f"{self.get_method_display()} ≥ {self.lower_bound.normalize():f} {self.grade}"


class RiskTemplate(models.Model):
    """A typical risk point of a key-supervision category, copied into an enterprise's register by
    "从模板添加" (seeded by migration for electroplating, confined space, gas catering, e-bike charging
    and construction)."""

    category = models.ForeignKey(
        "enterprises.KeyCategory",
        verbose_name=_("重点监管类型"),
        on_delete=models.PROTECT,
        related_name="risk_templates",
    )
    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("风险点名称"), max_length=100)
    kind = models.CharField(_("风险点类型"), max_length=20, choices=PointKind.choices)
    location = models.CharField(_("部位/区域"), max_length=200, blank=True)
    hazard_factors = models.TextField(_("主要危险有害因素"))
    accident_types = models.JSONField(_("可能导致的事故类型"), default=list)
    method = models.CharField(_("评估方法"), max_length=10, choices=Method.choices)
    likelihood = models.DecimalField(_("L"), max_digits=5, decimal_places=1)
    exposure = models.DecimalField(_("E"), max_digits=5, decimal_places=1, null=True, blank=True)
    consequence = models.DecimalField(_("C"), max_digits=5, decimal_places=1, null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("S"), null=True, blank=True)
    measures = models.JSONField(_("管控措施"), default=list)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["category__sort_order", "sort_order", "id"]
        verbose_name = _("风险点模板")
        verbose_name_plural = _("风险点模板")

    def __str__(self) -> str:
        return f"{self.category.name} · {self.name}"

    def assessment_values(self) -> dict[str, Any]:
        return {
            "likelihood": self.likelihood,
            "exposure": self.exposure,
            "consequence": self.consequence,
            "severity": self.severity,
        }


class RiskPoint(VoidableModel):
    """A risk point (风险点) of an enterprise, a park or a public site: what and where, the hazard
    factors, possible accidents, control measures and who controls it. Its current assessment is the
    latest `RiskAssessment`; older ones stay as history."""

    community = models.ForeignKey(
        "org.Community", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="risk_points"
    )
    grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    park = models.ForeignKey(
        "enterprises.Park",
        verbose_name=_("园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    site_name = models.CharField(
        _("公共场所"), max_length=100, blank=True, help_text=_("不属于企业或园区的公共场所，如广场、市场")
    )
    name = models.CharField(_("风险点名称"), max_length=100)
    kind = models.CharField(_("风险点类型"), max_length=20, choices=PointKind.choices)
    location = models.CharField(_("部位/区域"), max_length=200, blank=True)
    hazard_factors = models.TextField(_("主要危险有害因素"))
    accident_types = models.JSONField(_("可能导致的事故类型"), default=list)
    measures = models.JSONField(_("管控措施"), default=list)
    control_level = models.CharField(_("管控层级"), max_length=20, choices=ControlLevel.choices)
    responsible_name = models.CharField(_("管控责任人"), max_length=50)
    responsible_phone = models.CharField(_("责任人电话"), max_length=20, blank=True)
    review_date = models.DateField(_("下次复评日期"))
    template = models.ForeignKey(
        RiskTemplate,
        verbose_name=_("来源模板"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points",
    )
    # Denormalised from the current assessment, so lists, maps and counts need no join.
    current_assessment = models.OneToOneField(
        "risks.RiskAssessment",
        verbose_name=_("当前评估"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField(
        _("风险等级"), max_length=10, choices=RiskLevel.choices, blank=True, db_index=True
    )
    score = models.DecimalField(_("风险值"), max_digits=9, decimal_places=3, null=True, blank=True)

    scope = Scope(community="community", grid="grid", enterprise="enterprise")

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "level"]),
            models.Index(fields=["community", "level"]),
            models.Index(fields=["review_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False)
                | models.Q(park__isnull=False)
                | ~models.Q(site_name=""),
                name="risk_point_has_owner",
            )
        ]
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")

    def __str__(self) -> str:
        return f"{self.owner_label} · {self.name}"

    @property
    def owner_label(self) -> str:
        if self.enterprise_id and self.enterprise:
            return self.enterprise.name
        if self.park_id and self.park:
            return self.park.name
        return self.site_name

    @property
    def level_short(self) -> str:
        return LEVEL_SHORT.get(self.level, "未评估")  # type: ignore[call-overload]

    @property
    def level_hex(self) -> str:
        return LEVEL_HEX.get(self.level, "#94a3b8")  # type: ignore[call-overload]

    @property
    def accident_type_labels(self) -> list[str]:
        labels = dict(AccidentType.choices)
        return [str(labels.get(code, code)) for code in self.accident_types or []]

    @property
    def measures_by_type(self) -> list[tuple[str, list[str]]]:
        """Measures grouped in the order of MeasureType, for pages and the printed board."""
        out = []
        for value, label in MeasureType.choices:
            texts = [m.get("text", "") for m in self.measures or [] if m.get("type") == value]
            if texts:
                out.append((str(label), texts))
        return out

    def clean_fields(self, exclude: Any = None) -> None:
        self.name = (self.name or "").strip()
        self.site_name = (self.site_name or "").strip()
        self.responsible_name = (self.responsible_name or "").strip()
        self.responsible_phone = normalize_phone(self.responsible_phone)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Rules of a risk point that hold for pages, API, templates and imports alike."""
        errors: dict[str, str] = {}
        enterprise = _related(self, "enterprise")
        park = _related(self, "park")
        grid = _related(self, "grid")
        if enterprise is None and park is None and not self.site_name:
            errors["enterprise"] = "请选择企业、园区，或填写公共场所名称。"
        if enterprise is not None and self.community_id and enterprise.community_id != self.community_id:
            errors["community"] = f"企业“{enterprise.name}”不属于所选社区。"
        if park is not None and self.community_id and park.community_id != self.community_id:
            errors["park"] = f"园区“{park.name}”不属于所选社区。"
        if grid is not None and self.community_id and grid.community_id != self.community_id:
            errors["grid"] = f"网格“{grid.name}”不属于所选社区。"
        message = accident_types_error(self.accident_types)
        if message:
            errors["accident_types"] = message
        message = measures_error(self.measures)
        if message:
            errors["measures"] = message
        message = control_level_error(self.level, self.control_level)
        if message:
            errors["control_level"] = message
        message = phone_error(self.responsible_phone)
        if message:
            errors["responsible_phone"] = message
        if errors:
            raise ValidationError(errors)


def accident_types_error(value: Any) -> str:
    """'' when `value` is a non-empty list of GB 6441 accident types, else the reason."""
    if not isinstance(value, list) or not value:
        return "请至少选择一种可能导致的事故类型（GB 6441）。"
    unknown = [str(v) for v in value if v not in AccidentType.values]
    if unknown:
        return f"事故类型无效：{'、'.join(unknown)}（应为 GB 6441 的 20 类之一）。"
    if len(set(value)) != len(value):
        return "事故类型有重复。"
    return ""


def measures_error(value: Any) -> str:
    """'' when `value` is a list of 1–30 {"type", "text"} measures of known types, else the reason."""
    if not isinstance(value, list) or not value:
        return "请至少填写一条管控措施。"
    if len(value) > MAX_MEASURES:
        return f"管控措施最多 {MAX_MEASURES} 条。"
    types = dict(MeasureType.choices)
    for i, m in enumerate(value, start=1):
        if not isinstance(m, dict) or m.get("type") not in types:
            allowed = "、".join(str(v) for v in types.values())
            return f"第 {i} 条管控措施的类型无效（应为：{allowed}）。"
        text = m.get("text")
        if not isinstance(text, str) or not text.strip():
            return f"第 {i} 条管控措施（{types[m['type']]}）没有填写内容。"
        if len(text) > 500:
            return f"第 {i} 条管控措施超过 500 字。"
    return ""


def control_level_error(level: str, control_level: str) -> str:
    """DOMAIN.md §3: red and orange risk points must be controlled at street level."""
    required = REQUIRED_CONTROL.get(level)  # type: ignore[call-overload]
    if required and control_level != required:
        return f"{LEVEL_SHORT[level]}风险（{dict(RiskLevel.choices)[level]}）必须由街道管控，请将管控层级设为“街道”。"  # type: ignore[index]
    return ""


def _related(obj: models.Model, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


class RiskAssessment(ScopedModel):
    """One assessment of a risk point by LEC or LS: the inputs, the score, the band it fell in, who and
    when. Never changed: a reassessment adds a row and becomes the point's current one."""

    point = models.ForeignKey(
        RiskPoint, verbose_name=_("风险点"), on_delete=models.PROTECT, related_name="assessments"
    )
    method = models.CharField(_("评估方法"), max_length=10, choices=Method.choices)
    likelihood = models.DecimalField(_("可能性 L"), max_digits=5, decimal_places=1)
    exposure = models.DecimalField(_("暴露频率 E"), max_digits=5, decimal_places=1, null=True, blank=True)
    consequence = models.DecimalField(_("后果 C"), max_digits=5, decimal_places=1, null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("严重性 S"), null=True, blank=True)
    score = models.DecimalField(_("风险值"), max_digits=9, decimal_places=3)
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    grade = models.CharField(_("危险程度"), max_length=60)
    assessed_on = models.DateField(_("评估日期"), db_index=True)
    assessor = models.ForeignKey(
        USER, verbose_name=_("评估人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("评估说明"), max_length=500, blank=True)

    scope = Scope(community="point__community", grid="point__grid", enterprise="point__enterprise")

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["point", "-assessed_on"])]
        verbose_name = _("风险评估")
        verbose_name_plural = _("风险评估")

    def __str__(self) -> str:
        return f"{self.point.name} {self.assessed_on} {self.get_level_display()}"

    @property
    def formula(self) -> str:
        from anjian.risks.assessment import formula

        return formula(
            self.method,
            {
                "likelihood": self.likelihood,
                "exposure": self.exposure,
                "consequence": self.consequence,
                "severity": self.severity,
            },
            self.score,
        )


class EnterpriseRiskLevel(ScopedModel):
    """An enterprise's inherent risk level: the highest level among its active risk points, unless an
    administrator overrode it with a recorded reason. Kept here, beside the register, not on it."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="risk_level"
    )
    computed_level = models.CharField(_("按风险点计算"), max_length=10, choices=RiskLevel.choices, blank=True)
    override_level = models.CharField(_("调整后等级"), max_length=10, choices=RiskLevel.choices, blank=True)
    override_reason = models.CharField(_("调整原因"), max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        USER, verbose_name=_("调整人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(_("调整时间"), null=True, blank=True)
    level = models.CharField(
        _("固有风险等级"), max_length=10, choices=RiskLevel.choices, blank=True, db_index=True
    )
    point_count = models.PositiveIntegerField(_("风险点数"), default=0)
    red_count = models.PositiveIntegerField(_("重大风险点"), default=0)
    orange_count = models.PositiveIntegerField(_("较大风险点"), default=0)
    yellow_count = models.PositiveIntegerField(_("一般风险点"), default=0)
    blue_count = models.PositiveIntegerField(_("低风险点"), default=0)

    scope = Scope(community="enterprise__community", grid="enterprise__grid", enterprise="enterprise")

    class Meta:
        verbose_name = _("企业固有风险等级")
        verbose_name_plural = _("企业固有风险等级")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_level_display()}"

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_level)

    @property
    def level_short(self) -> str:
        return LEVEL_SHORT.get(self.level, "未评估")  # type: ignore[call-overload]


class PriorityWeight(models.Model):
    """The weight of one part of the inspection priority: points per unit, an optional cap and look-back
    window. Seeded by migration; the street office may change them."""

    key = models.CharField(_("因素"), max_length=30, choices=PriorityPart.choices, unique=True)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    cap = models.DecimalField(_("封顶分"), max_digits=6, decimal_places=2, null=True, blank=True)
    window_days = models.PositiveIntegerField(_("统计天数"), null=True, blank=True)
    unit = models.CharField(_("计分方式"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("优先级权重")
        verbose_name_plural = _("优先级权重")

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.points}"


class SyntheticVisit(models.Model):
    """One visit of the documented synthetic demo history (see `risks.demo`): who was visited on which
    day and how many hazards were found. Demo data only; the back-test replays it beside the records."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("日期"), db_index=True)
    findings = models.PositiveSmallIntegerField(_("发现隐患数"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(community="enterprise__community", grid="enterprise__grid", enterprise="enterprise")

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("合成检查记录")
        verbose_name_plural = _("合成检查记录")

    def __str__(self) -> str:
        return f"{self.day} #{self.enterprise_id} {self.findings}"


class BacktestRun(models.Model):
    """The figures of one back-test (`anjian bench priority` or the office page), kept for the page."""

    source = models.CharField(_("数据来源"), max_length=20, choices=BacktestSource.choices)
    ran_at = models.DateTimeField(_("运行时间"), auto_now_add=True)
    ran_by = models.ForeignKey(
        USER, verbose_name=_("运行人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_days = models.PositiveSmallIntegerField(_("周期天数"), default=7)
    start = models.DateField(_("起始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    periods = models.PositiveIntegerField(_("周期数"), default=0)
    visits = models.PositiveIntegerField(_("检查次数"), default=0)
    finding_visits = models.PositiveIntegerField(_("发现隐患的检查"), default=0)
    days_earlier = models.DecimalField(_("平均提前天数"), max_digits=7, decimal_places=2, default=Decimal(0))
    first_half_priority = models.DecimalField(
        _("前半周期发现占比（优先级）"), max_digits=5, decimal_places=4, default=Decimal(0)
    )
    first_half_actual = models.DecimalField(
        _("前半周期发现占比（实际）"), max_digits=5, decimal_places=4, default=Decimal(0)
    )
    details = models.JSONField(_("明细"), default=dict, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        verbose_name = _("回测结果")
        verbose_name_plural = _("回测结果")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.ran_at:%Y-%m-%d %H:%M}"
