"""Choices of the organisation app: roles (DOMAIN.md §1), assignment kinds, decision states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("街道应急办管理员")
    OFFICE_STAFF = "office_staff", _("安委办工作人员")
    CADRE = "cadre", _("处级干部（挂点企业）")
    LIAISON = "liaison", _("应急办公务员（挂点社区）")
    DEPARTMENT_STAFF = "department_staff", _("科办工作人员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_INSPECTOR = "grid_inspector", _("安格员")
    ENTERPRISE_OFFICER = "enterprise_officer", _("企业安全负责人")
    TIP_OFFICER = "tip_officer", _("举报受理员")
    FIRE_STATION = "fire_station", _("消防站（队）负责人")


STREET_LEVEL_ROLES = frozenset(
    {Role.STREET_ADMIN, Role.OFFICE_STAFF, Role.CADRE, Role.LIAISON, Role.DEPARTMENT_STAFF, Role.TIP_OFFICER}
)

ROLE_COLOURS = {
    Role.STREET_ADMIN: "danger",
    Role.OFFICE_STAFF: "primary",
    Role.CADRE: "warning",
    Role.LIAISON: "info",
    Role.DEPARTMENT_STAFF: "secondary",
    Role.COMMUNITY_WORKER: "success",
    Role.GRID_INSPECTOR: "success",
    Role.ENTERPRISE_OFFICER: "dark",
    Role.TIP_OFFICER: "primary",
    Role.FIRE_STATION: "danger",
}


class AssignmentKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("挂点企业")
    COMMUNITY = "community", _("挂点社区")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("在挂")
    ENDED = "ended", _("已结束")
    VOIDED = "voided", _("已作废")


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("待落实")
    DONE = "done", _("已落实")
