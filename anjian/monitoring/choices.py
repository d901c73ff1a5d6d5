"""Choices of the monitoring app: device types, metrics, rule kinds, alarm levels and states, reject reasons."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceTypeCode(models.TextChoices):
    GAS4 = "gas4", _("四合一气体检测仪（O₂/LEL/H₂S/CO）")
    RESTAURANT_GAS = "restaurant_gas", _("餐饮燃气探测器（含切断阀）")
    SMOKE = "smoke", _("独立式烟感探测器")
    EBIKE_CHARGER = "ebike_charger", _("电动自行车充电桩/充电柜")
    PLATING_TANK = "plating_tank", _("电镀槽液监测仪")
    ELECTRICAL_FIRE = "electrical_fire", _("电气火灾监控探测器")


class DeviceStatus(models.TextChoices):
    UNKNOWN = "unknown", _("未上线")
    ONLINE = "online", _("在线")
    OFFLINE = "offline", _("离线")


DEVICE_STATUS_COLOURS = {
    DeviceStatus.UNKNOWN: "secondary",
    DeviceStatus.ONLINE: "success",
    DeviceStatus.OFFLINE: "danger",
}


@dataclass(frozen=True)
class Metric:
    """A telemetry metric of CONTRACTS.md §4 with its unit and plausible physical range."""

    name: str
    label: str
    unit: str
    low: float
    high: float


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("o2", "氧气", "%VOL", 0, 100),
        Metric("lel", "可燃气体", "%LEL", 0, 100),
        Metric("h2s", "硫化氢", "mg/m³", 0, 10_000),
        Metric("co", "一氧化碳", "mg/m³", 0, 10_000),
        Metric("h2s_ppm", "硫化氢", "ppm", 0, 10_000),
        Metric("co_ppm", "一氧化碳", "ppm", 0, 10_000),
        Metric("temp", "温度", "°C", -60, 1_000),
        Metric("current", "电流", "A", -10_000, 10_000),
        Metric("voltage", "电压", "V", -2_000, 2_000),
        Metric("power", "功率", "W", -1_000_000, 1_000_000),
        Metric("smoke", "烟雾", "", 0, 1),
        Metric("valve_closed", "切断阀关闭", "", 0, 1),
        Metric("level", "液位", "%", 0, 100),
        Metric("residual_current", "剩余电流", "mA", 0, 100_000),
        Metric("battery", "电量", "%", 0, 100),
    )
}
METRIC_CHOICES = [
    (m.name, f"{m.label}（{m.name}{'，' + m.unit if m.unit else ''}）") for m in METRICS.values()
]


def metric_label(name: str) -> str:
    m = METRICS.get(name)
    if m is None:
        return name
    return f"{m.label}（{m.unit}）" if m.unit else m.label


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("阈值（两级）")
    RANGE = "range", _("区间（过低/过高）")
    RATE = "rate", _("变化速率（每分钟）")
    HEARTBEAT = "heartbeat", _("心跳超时（离线）")
    LOW_BATTERY = "low_battery", _("低电量")
    VALVE = "valve", _("燃气报警后切断阀未关闭")
    INTERLOCK = "interlock", _("联锁（低液位时加热）")


BAND_KINDS = frozenset({RuleKind.THRESHOLD, RuleKind.RANGE, RuleKind.LOW_BATTERY})


class AlarmLevel(models.IntegerChoices):
    WARNING = 1, _("预警")
    ALARM = 2, _("报警")


ALARM_LEVEL_COLOURS = {1: "warning", 2: "danger"}


class AlarmState(models.TextChoices):
    ACTIVE = "active", _("待确认")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    CLEARED = "cleared", _("已恢复")
    CLOSED = "closed", _("已关闭")


OPEN_STATES = (AlarmState.ACTIVE, AlarmState.ACKNOWLEDGED, AlarmState.CLEARED)
ALARM_STATE_COLOURS = {
    AlarmState.ACTIVE: "danger",
    AlarmState.ACKNOWLEDGED: "warning",
    AlarmState.CLEARED: "info",
    AlarmState.CLOSED: "secondary",
}


class AlarmEventType(models.TextChoices):
    RAISED = "raised", _("产生报警")
    LEVEL_RAISED = "level_raised", _("升级为报警")
    REPEATED = "repeated", _("再次触发")
    ACKNOWLEDGED = "acknowledged", _("确认")
    CLEARED = "cleared", _("恢复正常")
    CLOSED = "closed", _("关闭")
    ESCALATED = "escalated", _("超时未确认，逐级上报")
    HAZARD_CREATED = "hazard_created", _("转为隐患")


class EscalationTier(models.IntegerChoices):
    GRID = 0, _("安格员/企业")
    COMMUNITY = 1, _("社区")
    STREET = 2, _("街道应急办")


class IngestSource(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP 推送")


class IngestReason(models.TextChoices):
    ACCEPTED = "accepted", _("已接收")
    DUPLICATE = "duplicate", _("重复消息")
    MALFORMED_JSON = "malformed_json", _("不是有效的 JSON")
    NOT_OBJECT = "not_object", _("消息不是 JSON 对象")
    PAYLOAD_TOO_LARGE = "payload_too_large", _("消息过大")
    BAD_TOPIC = "bad_topic", _("主题格式错误")
    UNKNOWN_DEVICE = "unknown_device", _("未登记的设备")
    DEVICE_DISABLED = "device_disabled", _("设备已停用")
    DEVICE_MISMATCH = "device_mismatch", _("设备编码与令牌不符")
    BAD_TS = "bad_ts", _("时间戳缺失或格式错误")
    TS_OUT_OF_RANGE = "ts_out_of_range", _("时间戳超出允许范围")
    BAD_SEQ = "bad_seq", _("序号不是非负整数")
    BAD_METRICS = "bad_metrics", _("metrics 缺失或不是对象")
    UNKNOWN_METRIC = "unknown_metric", _("未知指标")
    METRIC_NOT_NUMBER = "metric_not_number", _("指标值不是数字")
    METRIC_OUT_OF_RANGE = "metric_out_of_range", _("指标值超出量程")
    BAD_STATUS = "bad_status", _("状态消息格式错误")
    INTERNAL_ERROR = "internal_error", _("处理出错（已记录日志）")


REJECT_REASONS = frozenset(r.value for r in IngestReason) - {"accepted", "duplicate"}
