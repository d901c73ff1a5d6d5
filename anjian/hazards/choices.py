"""Choices of the hazards app (DOMAIN.md §4): levels, states, sources, timeline events, extension states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    GENERAL = "general", _("一般事故隐患")
    MAJOR = "major", _("重大事故隐患")


LEVEL_SHORT = {Level.GENERAL: "一般", Level.MAJOR: "重大"}
LEVEL_COLOURS = {Level.GENERAL: "warning", Level.MAJOR: "danger"}


class State(models.TextChoices):
    """The closed loop: registered → rectifying → awaiting verification → closed (or back), voided."""

    REGISTERED = "registered", _("已登记")
    RECTIFYING = "rectifying", _("整改中")
    AWAITING_VERIFICATION = "awaiting_verification", _("待复查")
    CLOSED = "closed", _("已销号")
    VOIDED = "voided", _("已作废")


STATE_COLOURS = {
    State.REGISTERED: "secondary",
    State.RECTIFYING: "primary",
    State.AWAITING_VERIFICATION: "info",
    State.CLOSED: "success",
    State.VOIDED: "dark",
}
# States in which the enterprise still owes a rectification (the deadline runs).
OPEN_STATES = (State.REGISTERED, State.RECTIFYING)
# States in which the hazard is not finished.
UNFINISHED_STATES = (State.REGISTERED, State.RECTIFYING, State.AWAITING_VERIFICATION)


class SourceKind(models.TextChoices):
    INSPECTION = "inspection", _("检查发现")
    DIRECT = "direct", _("直接登记")
    ALARM = "alarm", _("监测报警")
    TIPOFF = "tipoff", _("群众举报")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


EXTENSION_COLOURS = {
    ExtensionStatus.PENDING: "warning",
    ExtensionStatus.APPROVED: "success",
    ExtensionStatus.REJECTED: "secondary",
}


class HazardEventType(models.TextChoices):
    REGISTERED = "registered", _("登记隐患")
    UPDATED = "updated", _("修改整改信息")
    LEVEL_CONFIRMED = "level_confirmed", _("确认隐患等级")
    PLAN_SUBMITTED = "plan_submitted", _("提交治理方案")
    RECTIFICATION_STARTED = "rectification_started", _("开始整改")
    EVIDENCE_SUBMITTED = "evidence_submitted", _("提交整改材料")
    VERIFIED_PASSED = "verified_passed", _("复查通过，销号")
    VERIFIED_FAILED = "verified_failed", _("复查不通过，退回整改")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REJECTED = "extension_rejected", _("驳回延期")
    LISTED = "listed", _("挂牌督办")
    PROGRESS_REPORTED = "progress_reported", _("报送督办进展")
    SUPERVISION_LIFTED = "supervision_lifted", _("解除挂牌督办")
    REMINDER = "reminder", _("期限提醒")
    OVERDUE = "overdue", _("逾期")
    ESCALATED = "escalated", _("逾期升级通报")
    VOIDED = "voided", _("作废")


EVENT_ICONS = {
    HazardEventType.REGISTERED: "bi-flag",
    HazardEventType.UPDATED: "bi-pencil",
    HazardEventType.LEVEL_CONFIRMED: "bi-patch-check",
    HazardEventType.PLAN_SUBMITTED: "bi-journal-text",
    HazardEventType.RECTIFICATION_STARTED: "bi-tools",
    HazardEventType.EVIDENCE_SUBMITTED: "bi-camera",
    HazardEventType.VERIFIED_PASSED: "bi-check-circle",
    HazardEventType.VERIFIED_FAILED: "bi-arrow-counterclockwise",
    HazardEventType.EXTENSION_REQUESTED: "bi-hourglass-split",
    HazardEventType.EXTENSION_APPROVED: "bi-calendar-check",
    HazardEventType.EXTENSION_REJECTED: "bi-calendar-x",
    HazardEventType.LISTED: "bi-pin-angle",
    HazardEventType.PROGRESS_REPORTED: "bi-graph-up",
    HazardEventType.SUPERVISION_LIFTED: "bi-pin",
    HazardEventType.REMINDER: "bi-alarm",
    HazardEventType.OVERDUE: "bi-exclamation-octagon",
    HazardEventType.ESCALATED: "bi-megaphone",
    HazardEventType.VOIDED: "bi-x-circle",
}

# Attachment purposes (core.uploads) used by this app.
PURPOSE_HAZARD_PHOTO = "hazard_photo"
PURPOSE_EVIDENCE_PHOTO = "evidence_photo"
PURPOSE_VERIFICATION_PHOTO = "verification_photo"
PURPOSE_SIGNATURE = "signature"
PURPOSE_PROGRESS_PHOTO = "progress_photo"
