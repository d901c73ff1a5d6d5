"""Choices of the risks app (DOMAIN.md §3): the four colours, assessment methods and their value sets,
risk point kinds, control-measure types, control levels, and the parts of the inspection priority."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    """The four-colour risk levels (四色分级)."""

    RED = "red", _("重大风险")
    ORANGE = "orange", _("较大风险")
    YELLOW = "yellow", _("一般风险")
    BLUE = "blue", _("低风险")


LEVEL_RANK = {RiskLevel.RED: 4, RiskLevel.ORANGE: 3, RiskLevel.YELLOW: 2, RiskLevel.BLUE: 1}
RANK_LEVEL = {rank: level for level, rank in LEVEL_RANK.items()}
LEVEL_SHORT = {
    RiskLevel.RED: "重大",
    RiskLevel.ORANGE: "较大",
    RiskLevel.YELLOW: "一般",
    RiskLevel.BLUE: "低",
}
LEVEL_COLOUR_NAME = {
    RiskLevel.RED: "红",
    RiskLevel.ORANGE: "橙",
    RiskLevel.YELLOW: "黄",
    RiskLevel.BLUE: "蓝",
}
# Colours of the national four-colour convention, used on maps, badges and the printed board.
LEVEL_HEX = {
    RiskLevel.RED: "#dc2626",
    RiskLevel.ORANGE: "#f97316",
    RiskLevel.YELLOW: "#eab308",
    RiskLevel.BLUE: "#2563eb",
}
UNASSESSED_HEX = "#94a3b8"


def level_rank(level: str | None) -> int:
    """4 for red … 1 for blue, 0 for none/unknown."""
    return LEVEL_RANK.get(level or "", 0)  # type: ignore[call-overload]


def highest_level(levels: object) -> str:
    """The highest of several levels ('' when there is none)."""
    best = ""
    for level in levels:  # type: ignore[attr-defined]
        if level_rank(level) > level_rank(best):
            best = level
    return best


class Method(models.TextChoices):
    LEC = "lec", _("作业条件危险性分析法（LEC）")
    LS = "ls", _("风险矩阵法（LS）")


METHOD_SHORT = {Method.LEC: "LEC", Method.LS: "LS"}

# DOMAIN.md §3: the only values accepted, with their meaning. Decimal avoids 0.1 × … float trouble.
LEC_L = {
    Decimal("10"): "完全可以预料",
    Decimal("6"): "相当可能",
    Decimal("3"): "可能但不经常",
    Decimal("1"): "可能性小，完全意外",
    Decimal("0.5"): "很不可能，可以设想",
    Decimal("0.2"): "极不可能",
    Decimal("0.1"): "实际不可能",
}
LEC_E = {
    Decimal("10"): "连续暴露",
    Decimal("6"): "每天工作时间内暴露",
    Decimal("3"): "每周一次或偶然暴露",
    Decimal("2"): "每月一次暴露",
    Decimal("1"): "每年几次暴露",
    Decimal("0.5"): "非常罕见地暴露",
}
LEC_C = {
    Decimal("100"): "大灾难，许多人死亡",
    Decimal("40"): "灾难，数人死亡",
    Decimal("15"): "非常严重，一人死亡",
    Decimal("7"): "严重，重伤",
    Decimal("3"): "重大，致残",
    Decimal("1"): "引人注目，需要救护",
}
LS_L = {
    1: "极不可能",
    2: "不太可能",
    3: "可能",
    4: "很可能",
    5: "极有可能",
}
LS_S = {
    1: "轻微：无伤害或轻微伤害",
    2: "较小：轻伤",
    3: "中等：重伤",
    4: "严重：一人死亡",
    5: "灾难性：多人死亡",
}


class PointKind(models.TextChoices):
    """What a risk point is (风险点类型)."""

    PLACE = "place", _("场所/区域")
    ACTIVITY = "activity", _("作业活动")
    EQUIPMENT = "equipment", _("设备设施")


class MeasureType(models.TextChoices):
    """Types of control measures (管控措施类型)."""

    ENGINEERING = "engineering", _("工程技术")
    MANAGEMENT = "management", _("管理")
    TRAINING = "training", _("培训教育")
    PPE = "ppe", _("个体防护")
    EMERGENCY = "emergency", _("应急处置")


class ControlLevel(models.TextChoices):
    """Who controls the risk point (管控层级): higher risk → higher level."""

    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    ENTERPRISE = "enterprise", _("企业")


CONTROL_RANK = {ControlLevel.STREET: 3, ControlLevel.COMMUNITY: 2, ControlLevel.ENTERPRISE: 1}
# DOMAIN.md §3: red and orange are controlled at street level; the others default one step down each.
REQUIRED_CONTROL = {RiskLevel.RED: ControlLevel.STREET, RiskLevel.ORANGE: ControlLevel.STREET}
SUGGESTED_CONTROL = {
    RiskLevel.RED: ControlLevel.STREET,
    RiskLevel.ORANGE: ControlLevel.STREET,
    RiskLevel.YELLOW: ControlLevel.COMMUNITY,
    RiskLevel.BLUE: ControlLevel.ENTERPRISE,
}


class PriorityPart(models.TextChoices):
    """The parts of the inspection priority score (each one a weight row the office may change)."""

    LEVEL_RED = "level_red", _("固有风险：重大")
    LEVEL_ORANGE = "level_orange", _("固有风险：较大")
    LEVEL_YELLOW = "level_yellow", _("固有风险：一般")
    LEVEL_BLUE = "level_blue", _("固有风险：低")
    OPEN_HAZARDS = "open_hazards", _("未销号隐患")
    OVERDUE_HAZARDS = "overdue_hazards", _("逾期隐患")
    MAJOR_HAZARDS = "major_hazards", _("重大事故隐患")
    ALARMS = "alarms", _("近期监测报警")
    TIPS = "tips", _("近期群众举报")
    NOT_INSPECTED = "not_inspected", _("距上次检查天数")
    CATEGORIES = "categories", _("重点监管类型")
    PAST_FINDINGS = "past_findings", _("过往检查发现问题")


class BacktestSource(models.TextChoices):
    RECORDS = "records", _("系统检查记录")
    SYNTHETIC = "synthetic", _("演示合成历史")
