"""Choices of the tip-off app: workflow states, timeline event types, reward bases, accident levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TipStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    ASSIGNED = "assigned", _("已交办核查")
    VERIFIED_TRUE = "verified_true", _("查证属实")
    VERIFIED_FALSE = "verified_false", _("查证不实")
    HANDLED = "handled", _("已处理")
    REWARD_DECIDED = "reward_decided", _("已决定奖励")
    REWARD_PAID = "reward_paid", _("奖励已发放")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")


STATUS_COLOURS = {
    TipStatus.RECEIVED: "warning",
    TipStatus.ACCEPTED: "info",
    TipStatus.REJECTED: "secondary",
    TipStatus.ASSIGNED: "primary",
    TipStatus.VERIFIED_TRUE: "danger",
    TipStatus.VERIFIED_FALSE: "secondary",
    TipStatus.HANDLED: "primary",
    TipStatus.REWARD_DECIDED: "warning",
    TipStatus.REWARD_PAID: "success",
    TipStatus.CLOSED: "success",
    TipStatus.MERGED: "secondary",
}

# Terminal states: nothing more happens (Open311 "closed").
CLOSED_STATUSES = frozenset({TipStatus.REJECTED, TipStatus.CLOSED, TipStatus.MERGED})

# What the reporter (and the public Open311 answer) reads for each state; never internal detail.
PUBLIC_NOTES = {
    TipStatus.RECEIVED: "举报已接收，等待受理。",
    TipStatus.ACCEPTED: "举报已受理，正在安排核查。",
    TipStatus.REJECTED: "举报不予受理。",
    TipStatus.ASSIGNED: "已交办属地或职能部门核查。",
    TipStatus.VERIFIED_TRUE: "经核查，举报事项属实，正在依法处理。",
    TipStatus.VERIFIED_FALSE: "经核查，举报事项不属实。",
    TipStatus.HANDLED: "举报事项已依法处理。",
    TipStatus.REWARD_DECIDED: "举报事项已依法处理，奖励已决定。",
    TipStatus.REWARD_PAID: "举报事项已依法处理，奖励已发放。",
    TipStatus.CLOSED: "举报已办结。",
    TipStatus.MERGED: "同一事项已有其他举报，已合并处理。",
}


class TipChannel(models.TextChoices):
    WEB = "web", _("网页举报")
    OPEN311 = "open311", _("Open311 接口（匿名）")
    PARTNER = "partner", _("合作应用")
    STAFF = "staff", _("工作人员代录")


class AssigneeKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("科办")


class RewardBasis(models.TextChoices):
    FINE_PERCENT = "fine_percent", _("按罚没款比例")
    CONCEALED_DEATH = "concealed_death", _("按瞒报死亡人数")
    FIXED = "fixed", _("固定金额（本地规则）")


class AccidentLevel(models.TextChoices):
    GENERAL = "general", _("一般事故")
    LARGER = "larger", _("较大事故")
    MAJOR = "major", _("重大事故")
    ESPECIALLY_MAJOR = "especially_major", _("特别重大事故")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金（当面签收）")
    MOBILE = "mobile", _("移动支付")


class TipEventType(models.TextChoices):
    RECEIVED = "received", _("收到举报")
    DUPLICATE_PROPOSED = "duplicate_proposed", _("疑似重复")
    DUPLICATE_DISMISSED = "duplicate_dismissed", _("排除重复")
    MERGED = "merged", _("合并为同一事项")
    MERGED_IN = "merged_in", _("并入其他举报")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("不予受理")
    ASSIGNED = "assigned", _("交办核查")
    VERIFIED_TRUE = "verified_true", _("查证属实")
    VERIFIED_FALSE = "verified_false", _("查证不实")
    HANDLED = "handled", _("处理结果")
    FEEDBACK = "feedback", _("答复举报人")
    REWARD_DECIDED = "reward_decided", _("奖励决定")
    REWARD_APPROVED = "reward_approved", _("奖励审批")
    REWARD_PAID = "reward_paid", _("奖励发放")
    CLOSED = "closed", _("办结")
    IDENTITY_REVEALED = "identity_revealed", _("查看举报人身份")
    OVERDUE = "overdue", _("超期")
    ENTERPRISE_LINKED = "enterprise_linked", _("关联企业")


# Timeline lines the reporter sees on the status page (dates and public wording only).
PUBLIC_EVENT_TYPES = frozenset(
    {
        TipEventType.RECEIVED,
        TipEventType.ACCEPTED,
        TipEventType.REJECTED,
        TipEventType.ASSIGNED,
        TipEventType.VERIFIED_TRUE,
        TipEventType.VERIFIED_FALSE,
        TipEventType.HANDLED,
        TipEventType.FEEDBACK,
        TipEventType.REWARD_DECIDED,
        TipEventType.REWARD_PAID,
        TipEventType.CLOSED,
        TipEventType.MERGED_IN,
    }
)
