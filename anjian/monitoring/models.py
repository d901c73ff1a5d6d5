"""Monitoring: device types and devices, rule packs with overrides, alarms with their timeline, ingest counters.

Readings are not a Django model: they live in a table built for volume that `monitoring.store` manages
(PostgreSQL: daily partitions + BRIN; SQLite: a plain indexed table)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, TimelineEvent, VoidableModel
from anjian.core.scoping import Scope
from anjian.core.validators import coordinate_error
from anjian.monitoring.choices import (
    METRIC_CHOICES,
    METRICS,
    AlarmEventType,
    AlarmLevel,
    AlarmState,
    DeviceStatus,
    DeviceTypeCode,
    EscalationTier,
    IngestSource,
    RuleKind,
    metric_label,
)

DEVICE_CODE_HELP = "字母、数字、- 或 _，3–64 位；即设备的 MQTT 用户名和主题中的编码。"


def device_code_error(code: str) -> str:
    """'' when `code` may be used as a device code (MQTT username and topic level), else a Chinese reason."""
    import re

    if not code:
        return "请填写设备编码。"
    if not re.fullmatch(r"[A-Za-z0-9_-]{3,64}", code):
        return "设备编码只能由字母、数字、- 或 _ 组成，长度 3–64 位。"
    return ""


class DeviceType(models.Model):
    """A kind of sensor (4-gas detector, restaurant gas detector, smoke, charger, plating tank, electrical fire)."""

    code = models.CharField(_("类型编码"), max_length=30, unique=True, choices=DeviceTypeCode.choices)
    name = models.CharField(_("名称"), max_length=60)
    metrics = models.JSONField(_("上报指标"), default=list)
    default_interval_s = models.PositiveIntegerField(_("默认上报间隔（秒）"), default=60)
    icon = models.CharField(_("图标"), max_length=40, default="bi-cpu")
    description = models.CharField(_("说明"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("设备类型")
        verbose_name_plural = _("设备类型")

    def __str__(self) -> str:
        return self.name

    @property
    def metric_labels(self) -> list[str]:
        return [metric_label(m) for m in self.metrics]


class Device(VoidableModel):
    """A sensor installed at an enterprise/site; `code` is its MQTT username and the topic level."""

    code = models.CharField(_("设备编码"), max_length=64, unique=True, help_text=DEVICE_CODE_HELP)
    name = models.CharField(_("设备名称"), max_length=100)
    type = models.ForeignKey(
        DeviceType, verbose_name=_("设备类型"), on_delete=models.PROTECT, related_name="devices"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业/场所"),
        on_delete=models.PROTECT,
        related_name="devices",
    )
    # Denormalised from the enterprise so that scoping and the alarm board need no join.
    community = models.ForeignKey(
        "org.Community",
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        related_name="devices",
        editable=False,
    )
    grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
        editable=False,
    )
    location = models.CharField(_("安装位置"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    reporting_interval_s = models.PositiveIntegerField(_("上报间隔（秒）"), default=60)
    rated_current = models.FloatField(_("额定电流（A）"), null=True, blank=True)
    mqtt_password_hash = models.CharField(max_length=200, blank=True, editable=False)
    http_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    http_token_hint = models.CharField(max_length=12, blank=True, editable=False)
    credentials_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.UNKNOWN, db_index=True
    )
    battery = models.FloatField(_("电量（%）"), null=True, blank=True)
    last_seen = models.DateTimeField(_("最后上报"), null=True, blank=True)
    last_seq = models.BigIntegerField(_("最后序号"), null=True, blank=True)
    last_metrics = models.JSONField(_("最新读数"), default=dict, blank=True, editable=False)
    rule_state = models.JSONField(default=dict, blank=True, editable=False)

    scope = Scope(community="community", grid="grid", enterprise="enterprise")

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["enterprise"])]
        verbose_name = _("监测设备")
        verbose_name_plural = _("监测设备")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def heartbeat_timeout_s(self) -> int:
        from anjian.monitoring import conf

        return int(self.reporting_interval_s * conf.get("HEARTBEAT_FACTOR"))

    @property
    def has_mqtt_password(self) -> bool:
        return bool(self.mqtt_password_hash)

    @property
    def has_http_token(self) -> bool:
        return bool(self.http_token_hash)

    def clean_fields(self, exclude: Any = None) -> None:
        self.code = (self.code or "").strip()
        self.name = (self.name or "").strip()
        self.location = (self.location or "").strip()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Device codes are MQTT usernames; coordinates plausible; intervals sensible."""
        errors: dict[str, str] = {}
        msg = device_code_error(self.code)
        if msg:
            errors["code"] = msg
        elif Device.objects.filter(code=self.code).exclude(pk=self.pk).exists():
            errors["code"] = "该设备编码已登记。"
        if self.reporting_interval_s is not None and not 1 <= self.reporting_interval_s <= 86400:
            errors["reporting_interval_s"] = "上报间隔应在 1 秒到 86400 秒（1 天）之间。"
        if self.rated_current is not None and self.rated_current <= 0:
            errors["rated_current"] = "额定电流应大于 0。"
        if (self.lat is None) != (self.lng is None) or self.lat is not None:
            message = coordinate_error(self.lat, self.lng)
            if message:
                errors["lng" if message.startswith("经度") else "lat"] = message
        if errors:
            raise ValidationError(errors)


class RulePack(models.Model):
    """The default alarm rules of one device type (DOMAIN.md §5)."""

    device_type = models.OneToOneField(
        DeviceType, verbose_name=_("设备类型"), on_delete=models.PROTECT, related_name="rule_pack"
    )
    name = models.CharField(_("规则包名称"), max_length=100)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["device_type__sort_order"]
        verbose_name = _("规则包")
        verbose_name_plural = _("规则包")

    def __str__(self) -> str:
        return self.name


OVERRIDABLE = (
    "warn_low",
    "alarm_low",
    "warn_high",
    "alarm_high",
    "warn_duration_s",
    "alarm_duration_s",
    "aux_threshold",
    "timeout_s",
    "factor",
    "enabled",
)
OVERRIDE_LABELS = {
    "warn_low": "预警下限",
    "alarm_low": "报警下限",
    "warn_high": "预警上限",
    "alarm_high": "报警上限",
    "warn_duration_s": "预警持续时间（秒）",
    "alarm_duration_s": "报警持续时间（秒）",
    "aux_threshold": "联动阈值",
    "timeout_s": "超时（秒）",
    "factor": "心跳倍数",
    "enabled": "启用",
}


class Rule(models.Model):
    """One rule of a pack: which metric, what kind, its two levels, durations, rates, timeouts."""

    pack = models.ForeignKey(
        RulePack, verbose_name=_("规则包"), on_delete=models.PROTECT, related_name="rules"
    )
    code = models.SlugField(_("规则编码"), max_length=40)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("规则类型"), max_length=20, choices=RuleKind.choices)
    metric = models.CharField(_("指标"), max_length=30, choices=METRIC_CHOICES, blank=True)
    aux_metric = models.CharField(_("联动指标"), max_length=30, choices=METRIC_CHOICES, blank=True)
    warn_low = models.FloatField(_("预警下限"), null=True, blank=True, help_text=_("低于此值为预警"))
    alarm_low = models.FloatField(_("报警下限"), null=True, blank=True, help_text=_("低于此值为报警"))
    warn_high = models.FloatField(_("预警上限"), null=True, blank=True)
    alarm_high = models.FloatField(_("报警上限"), null=True, blank=True)
    high_inclusive = models.BooleanField(
        _("上限含等于"), default=True, help_text=_("勾选为 ≥ 触发，否则 > 触发")
    )
    warn_duration_s = models.PositiveIntegerField(_("预警持续时间（秒）"), default=0)
    alarm_duration_s = models.PositiveIntegerField(_("报警持续时间（秒）"), default=0)
    aux_threshold = models.FloatField(_("联动阈值"), null=True, blank=True)
    timeout_s = models.PositiveIntegerField(_("超时（秒）"), null=True, blank=True)
    factor = models.FloatField(_("心跳倍数"), null=True, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    notes = models.CharField(_("说明"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pack", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["pack", "code"], name="monitoring_rule_code_in_pack")]
        verbose_name = _("报警规则")
        verbose_name_plural = _("报警规则")

    def __str__(self) -> str:
        return self.name

    @property
    def metric_display(self) -> str:
        return metric_label(self.metric) if self.metric else "—"

    def describe(self, values: dict[str, Any] | None = None) -> str:
        """The rule's condition in words, with `values` (effective parameters) or its own defaults."""
        v = {name: getattr(self, name) for name in OVERRIDABLE}
        v.update(values or {})
        unit = METRICS[self.metric].unit if self.metric in METRICS else ""
        ge = "≥" if self.high_inclusive else ">"
        parts: list[str] = []
        if self.kind in (RuleKind.THRESHOLD, RuleKind.RANGE, RuleKind.LOW_BATTERY):
            warn = [f"< {_n(v['warn_low'])}{unit}"] if v["warn_low"] is not None else []
            warn += [f"{ge} {_n(v['warn_high'])}{unit}"] if v["warn_high"] is not None else []
            alarm = [f"< {_n(v['alarm_low'])}{unit}"] if v["alarm_low"] is not None else []
            alarm += [f"{ge} {_n(v['alarm_high'])}{unit}"] if v["alarm_high"] is not None else []
            if warn:
                parts.append("预警 " + " 或 ".join(warn) + _dur(v["warn_duration_s"]))
            if alarm:
                parts.append("报警 " + " 或 ".join(alarm) + _dur(v["alarm_duration_s"]))
        elif self.kind == RuleKind.RATE:
            if v["warn_high"] is not None:
                parts.append(f"预警 上升 ≥ {_n(v['warn_high'])}{unit}/分钟")
            if v["alarm_high"] is not None:
                parts.append(f"报警 上升 ≥ {_n(v['alarm_high'])}{unit}/分钟")
        elif self.kind == RuleKind.HEARTBEAT:
            parts.append(f"超过 {_n(v['factor'] or 3)} 倍上报间隔无数据即离线")
        elif self.kind == RuleKind.VALVE:
            parts.append(
                f"{metric_label(self.metric)} ≥ {_n(v['warn_high'])} 后 {v['timeout_s'] or 30} 秒内切断阀未关闭即报警"
            )
        elif self.kind == RuleKind.INTERLOCK:
            parts.append(
                f"{metric_label(self.metric)} < {_n(v['alarm_low'])} 且 {metric_label(self.aux_metric)} "
                f"≥ {_n(v['aux_threshold'])} 即报警"
            )
        return "；".join(parts) if parts else "—"


def _n(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _dur(seconds: Any) -> str:
    return f"（持续 {seconds} 秒）" if seconds else ""


class RuleOverride(VoidableModel):
    """A site's or a device's own value for a rule parameter, with who set it and why (audited)."""

    rule = models.ForeignKey(Rule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="overrides")
    device = models.ForeignKey(
        Device,
        verbose_name=_("设备"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="overrides",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业/场所"),
        on_delete=models.PROTECT,
        related_name="rule_overrides",
    )
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+", editable=False)
    grid = models.ForeignKey(
        "org.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    values = models.JSONField(_("覆盖值"), default=dict)
    reason = models.CharField(_("调整原因"), max_length=300)

    scope = Scope(community="community", grid="grid", enterprise="enterprise")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "enterprise"],
                condition=Q(device__isnull=True, voided_at__isnull=True),
                name="monitoring_one_site_override",
            ),
            models.UniqueConstraint(
                fields=["rule", "device"],
                condition=Q(device__isnull=False, voided_at__isnull=True),
                name="monitoring_one_device_override",
            ),
        ]
        verbose_name = _("规则调整")
        verbose_name_plural = _("规则调整")

    def __str__(self) -> str:
        target = self.device.code if self.device_id and self.device else str(self.enterprise)
        return f"{self.rule} @ {target}"

    @property
    def values_display(self) -> str:
        return "，".join(f"{OVERRIDE_LABELS.get(k, k)} = {_n(v)}" for k, v in (self.values or {}).items())


class Alarm(ScopedModel):
    """A sensor alarm: active → acknowledged → cleared → closed; one open alarm per device and rule."""

    device = models.ForeignKey(
        Device, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="alarms"
    )
    rule = models.ForeignKey(Rule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="alarms")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业/场所"), on_delete=models.PROTECT, related_name="alarms"
    )
    community = models.ForeignKey(
        "org.Community", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "org.Grid", verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("级别"), choices=AlarmLevel.choices)
    state = models.CharField(_("状态"), max_length=15, choices=AlarmState.choices, default=AlarmState.ACTIVE)
    metric = models.CharField(_("指标"), max_length=30, blank=True)
    value = models.FloatField(_("当前值"), null=True, blank=True)
    peak_value = models.FloatField(_("峰值"), null=True, blank=True)
    message = models.CharField(_("报警内容"), max_length=300)
    first_at = models.DateTimeField(_("首次发生"), db_index=True)
    last_at = models.DateTimeField(_("最近发生"))
    repeat_count = models.PositiveIntegerField(_("重复次数"), default=0)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledge_note = models.CharField(_("确认说明"), max_length=300, blank=True)
    cleared_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    disposal_note = models.TextField(_("处置情况"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("上报层级"), choices=EscalationTier.choices, default=EscalationTier.GRID
    )
    escalated_at = models.DateTimeField(_("最近上报时间"), null=True, blank=True)
    hazard_ref = models.CharField(_("关联隐患"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = Scope(community="community", grid="grid", enterprise="enterprise")

    class Meta:
        ordering = ["-last_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "rule"], condition=~Q(state="closed"), name="monitoring_one_open_alarm"
            )
        ]
        indexes = [
            models.Index(fields=["state", "-last_at"]),
            models.Index(fields=["community", "state"]),
            models.Index(fields=["-updated_at"]),
        ]
        verbose_name = _("报警")
        verbose_name_plural = _("报警")

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.message}"

    @property
    def is_open(self) -> bool:
        return self.state != AlarmState.CLOSED

    @property
    def can_acknowledge(self) -> bool:
        return self.state != AlarmState.CLOSED and self.acknowledged_at is None

    @property
    def can_close(self) -> bool:
        return self.state in (AlarmState.ACKNOWLEDGED, AlarmState.CLEARED)


class AlarmEvent(TimelineEvent):
    """A line of an alarm's history: raised, repeated, acknowledged, cleared, escalated, closed."""

    alarm = models.ForeignKey(Alarm, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=20, choices=AlarmEventType.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["alarm", "-at"])]
        verbose_name = _("报警动态")
        verbose_name_plural = _("报警动态")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.summary}".strip()

    @property
    def summary(self) -> str:
        p = self.params or {}
        for key in ("note", "summary"):
            if p.get(key):
                return str(p[key])
        return ""


class IngestStat(models.Model):
    """Messages per minute, source and outcome (accepted, duplicate, each reject reason), with receive lag."""

    bucket = models.DateTimeField(_("分钟"), db_index=True)
    source = models.CharField(max_length=10, choices=IngestSource.choices)
    reason = models.CharField(max_length=30)
    count = models.BigIntegerField(default=0)
    lag_ms_sum = models.BigIntegerField(default=0)
    lag_ms_max = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "source", "reason"], name="monitoring_ingest_stat_key")
        ]
        verbose_name = _("接入统计")
        verbose_name_plural = _("接入统计")

    def __str__(self) -> str:
        return f"{self.bucket:%H:%M} {self.source} {self.reason} {self.count}"


class IngestWorker(models.Model):
    """A running `anjian ingest` consumer reporting its liveness, queue depth and rate."""

    client_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=100, blank=True)
    pid = models.PositiveIntegerField(default=0)
    broker = models.CharField(max_length=200, blank=True)
    connected = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    queue_depth = models.PositiveIntegerField(default=0)
    received = models.BigIntegerField(default=0)
    committed = models.BigIntegerField(default=0)
    rate = models.FloatField(default=0)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("接入进程")
        verbose_name_plural = _("接入进程")

    def __str__(self) -> str:
        return self.client_id
