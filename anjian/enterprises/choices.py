"""Choices of the enterprise register: operating status, industries, licence kinds, timeline events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", _("在营")
    SUSPENDED = "suspended", _("停业")
    DEREGISTERED = "deregistered", _("注销")


STATUS_COLOURS = {
    OperatingStatus.OPERATING: "success",
    OperatingStatus.SUSPENDED: "warning",
    OperatingStatus.DEREGISTERED: "secondary",
}


class Industry(models.TextChoices):
    """Sections of GB/T 4754-2017 that occur in a street's register."""

    MANUFACTURING = "C", _("制造业")
    CONSTRUCTION = "E", _("建筑业")
    WHOLESALE_RETAIL = "F", _("批发和零售业")
    TRANSPORT = "G", _("交通运输、仓储和邮政业")
    HOSPITALITY = "H", _("住宿和餐饮业")
    IT = "I", _("信息传输、软件和信息技术服务业")
    REAL_ESTATE = "K", _("房地产业")
    LEASING = "L", _("租赁和商务服务业")
    RESIDENT_SERVICES = "O", _("居民服务、修理和其他服务业")
    EDUCATION = "P", _("教育")
    HEALTH = "Q", _("卫生和社会工作")
    CULTURE = "R", _("文化、体育和娱乐业")
    UTILITIES = "D", _("电力、热力、燃气及水生产和供应业")
    OTHER = "Z", _("其他")


class KeyCategoryCode(models.TextChoices):
    """Key-supervision categories (重点监管类型) of DOMAIN.md §2; the table rows are editable."""

    ELECTROPLATING = "electroplating", _("电镀")
    CONFINED_SPACE = "confined_space", _("有限空间作业")
    GAS_CATERING = "gas_catering", _("燃气使用(餐饮)")
    EBIKE_CHARGING = "ebike_charging", _("电动自行车集中停放充电场所")
    CONSTRUCTION = "construction", _("建筑施工(危大工程)")
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("危险化学品")
    INDUSTRIAL_PARK = "industrial_park", _("工业园区")
    THREE_SMALL = "three_small", _("三小场所")


class LicenceKind(models.TextChoices):
    BUSINESS = "business", _("营业执照")
    SAFETY_PRODUCTION = "safety_production", _("安全生产许可证")
    POLLUTANT_DISCHARGE = "pollutant_discharge", _("排污许可证")
    HAZCHEM_OPERATION = "hazchem_operation", _("危险化学品经营许可证")
    FIRE_SAFETY = "fire_safety", _("公众聚集场所投入使用、营业前消防安全检查合格证")
    GAS_SUPPLY = "gas_supply", _("燃气供气合同/用气许可")
    SPECIAL_EQUIPMENT = "special_equipment", _("特种设备使用登记证")
    CONSTRUCTION_PERMIT = "construction_permit", _("建筑工程施工许可证")
    OTHER = "other", _("其他许可")


class EnterpriseEventType(models.TextChoices):
    CREATED = "created", _("登记企业")
    UPDATED = "updated", _("修改信息")
    IMPORTED = "imported", _("批量导入")
    STATUS_CHANGED = "status_changed", _("经营状态变更")
    LICENCE_ADDED = "licence_added", _("新增证照")
    LICENCE_UPDATED = "licence_updated", _("修改证照")
    LICENCE_VOIDED = "licence_voided", _("作废证照")
    ASSIGNED = "assigned", _("设立挂点")
    ASSIGNMENT_ENDED = "assignment_ended", _("结束挂点")
    VISITED = "visited", _("挂点走访")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# Marker colours on the map, one distinct colour per seeded category; other rows fall back to their
# Bootstrap colour name. Enterprises without a category are drawn grey.
CATEGORY_MAP_COLOURS = {
    KeyCategoryCode.ELECTROPLATING: "#d63343",
    KeyCategoryCode.HAZARDOUS_CHEMICALS: "#8e44ad",
    KeyCategoryCode.CONFINED_SPACE: "#f08c00",
    KeyCategoryCode.GAS_CATERING: "#0b5ed7",
    KeyCategoryCode.EBIKE_CHARGING: "#0aa2c0",
    KeyCategoryCode.CONSTRUCTION: "#8d5524",
    KeyCategoryCode.INDUSTRIAL_PARK: "#495057",
    KeyCategoryCode.THREE_SMALL: "#198754",
}
BOOTSTRAP_HEX = {
    "primary": "#0b5ed7",
    "secondary": "#6c757d",
    "success": "#198754",
    "danger": "#d63343",
    "warning": "#f08c00",
    "info": "#0aa2c0",
    "dark": "#343a40",
}
NO_CATEGORY_COLOUR = "#94a3b8"


def category_map_colour(code: str, colour: str) -> str:
    """The marker colour of a key category on the map."""
    return CATEGORY_MAP_COLOURS.get(code) or BOOTSTRAP_HEX.get(colour) or NO_CATEGORY_COLOUR  # type: ignore[call-overload]
