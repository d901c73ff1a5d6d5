"""Choices of the notification app: levels, channels and delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    INFO = "info", _("提示")
    WARNING = "warning", _("预警")
    DANGER = "danger", _("紧急")


LEVEL_COLOURS = {Level.INFO: "primary", Level.WARNING: "warning", Level.DANGER: "danger"}


class Channel(models.TextChoices):
    INAPP = "inapp", _("站内消息")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")
    EMAIL = "email", _("电子邮件")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未配置，跳过")
