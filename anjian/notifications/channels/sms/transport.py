"""SMS through an HTTP gateway: POST JSON {"phone", "message", "ref"} to SMS_GATEWAY_URL with
"Authorization: Bearer SMS_API_KEY"; any 2xx answer counts as sent."""

from __future__ import annotations

import re

from django.conf import settings

from anjian.notifications.channels.attempts import ChannelError, message_text, post_json, skipped
from anjian.notifications.models import Delivery, Notification
from anjian.notifications.services import log_delivery

CHANNEL = "sms"
MOBILE = re.compile(r"^1[3-9]\d{9}$")
MAX_CHARS = 500


def send(notification: Notification) -> Delivery:
    """Send one notification as a text message to the recipient's mobile number."""
    phone = (notification.recipient.phone or "").replace(" ", "")
    if not settings.SMS_GATEWAY_URL:
        return skipped(notification, CHANNEL, "短信网关未配置（SMS_GATEWAY_URL）", phone)
    if not MOBILE.match(phone):
        return skipped(notification, CHANNEL, "接收人没有有效的手机号", phone)
    headers = {"Authorization": f"Bearer {settings.SMS_API_KEY}"} if settings.SMS_API_KEY else {}
    text = f"【安监】{message_text(notification)}"[:MAX_CHARS]
    try:
        post_json(
            settings.SMS_GATEWAY_URL,
            {"phone": phone, "message": text, "ref": notification.pk},
            headers=headers,
        )
    except ChannelError as exc:
        return log_delivery(notification, CHANNEL, address=phone, ok=False, error=str(exc))
    return log_delivery(notification, CHANNEL, address=phone, ok=True)
