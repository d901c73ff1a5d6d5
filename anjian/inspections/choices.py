"""Choices of the inspections app: GB 6441 accident types (shared with hazards and risks), item
severities, outcomes, plan sources and states, inspection states and timeline event types."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccidentType(models.TextChoices):
    """The 20 accident classes of GB 6441-1986 企业职工伤亡事故分类."""

    OBJECT_STRIKE = "object_strike", _("物体打击")
    VEHICLE = "vehicle", _("车辆伤害")
    MACHINERY = "machinery", _("机械伤害")
    LIFTING = "lifting", _("起重伤害")
    ELECTROCUTION = "electrocution", _("触电")
    DROWNING = "drowning", _("淹溺")
    BURN = "burn", _("灼烫")
    FIRE = "fire", _("火灾")
    FALL = "fall", _("高处坠落")
    COLLAPSE = "collapse", _("坍塌")
    ROOF_FALL = "roof_fall", _("冒顶片帮")
    WATER_INRUSH = "water_inrush", _("透水")
    BLASTING = "blasting", _("放炮")
    EXPLOSIVE = "explosive", _("火药爆炸")
    GAS_EXPLOSION = "gas_explosion", _("瓦斯爆炸")
    BOILER = "boiler", _("锅炉爆炸")
    VESSEL = "vessel", _("容器爆炸")
    OTHER_EXPLOSION = "other_explosion", _("其他爆炸")
    POISONING = "poisoning", _("中毒和窒息")
    OTHER = "other", _("其他伤害")


class Severity(models.TextChoices):
    """How serious a failed item is (guides the hazard level proposed)."""

    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    SEVERE = "severe", _("严重")


SEVERITY_COLOURS = {Severity.GENERAL: "secondary", Severity.SERIOUS: "warning", Severity.SEVERE: "danger"}


class HazardCategory(models.TextChoices):
    """Broad category of what a checklist item looks at (隐患类别)."""

    MANAGEMENT = "management", _("安全管理")
    SITE = "site", _("现场管理")
    EQUIPMENT = "equipment", _("设备设施")
    ELECTRICAL = "electrical", _("电气安全")
    FIRE = "fire", _("消防安全")
    CHEMICALS = "chemicals", _("危险化学品")
    PPE = "ppe", _("个体防护")
    EMERGENCY = "emergency", _("应急管理")
    OCCUPATIONAL = "occupational", _("职业卫生")
    ENVIRONMENT = "environment", _("环境与危废")


class Outcome(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


OUTCOME_COLOURS = {Outcome.PASS: "success", Outcome.FAIL: "danger", Outcome.NA: "secondary"}


class PlanSource(models.TextChoices):
    ASSIGNMENT = "assignment", _("挂点走访")
    GRID_ROUND = "grid_round", _("网格巡查")
    OFFICE_ADHOC = "office_adhoc", _("街道专项检查")
    JOINT = "joint", _("联合检查")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("待检查")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


PLAN_STATUS_COLOURS = {
    PlanStatus.PLANNED: "primary",
    PlanStatus.DONE: "success",
    PlanStatus.CANCELLED: "secondary",
}


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    VOIDED = "voided", _("已作废")


INSPECTION_STATUS_COLOURS = {
    InspectionStatus.DRAFT: "secondary",
    InspectionStatus.SUBMITTED: "success",
    InspectionStatus.VOIDED: "dark",
}


class InspectionEventType(models.TextChoices):
    PLANNED = "planned", _("制定计划")
    PLAN_UPDATED = "plan_updated", _("修改计划")
    PLAN_CANCELLED = "plan_cancelled", _("取消计划")
    SUBMITTED = "submitted", _("提交检查记录")
    VISIT_RECORDED = "visit_recorded", _("计入挂点走访")
    VOIDED = "voided", _("作废")


# Attachment purposes (core.uploads) used by this app.
PURPOSE_RESULT_PHOTO = "result_photo"
PURPOSE_SIGNATURE_INSPECTOR = "signature_inspector"
PURPOSE_SIGNATURE_ENTERPRISE = "signature_enterprise"

GENERAL_CATEGORY = "general"
