"""WeCom (企业微信) group robot: POST a text message to WECOM_WEBHOOK_URL, mentioning the recipient by
mobile number; the answer {"errcode": 0} counts as sent."""

from __future__ import annotations

from django.conf import settings

from anjian.notifications.channels.attempts import ChannelError, message_text, post_json, skipped
from anjian.notifications.models import Delivery, Notification
from anjian.notifications.services import log_delivery

CHANNEL = "wecom"


def send(notification: Notification) -> Delivery:
    """Post one notification to the configured WeCom group robot."""
    if not settings.WECOM_WEBHOOK_URL:
        return skipped(notification, CHANNEL, "企业微信机器人未配置（WECOM_WEBHOOK_URL）")
    recipient = notification.recipient
    phone = (recipient.phone or "").replace(" ", "")
    payload = {
        "msgtype": "text",
        "text": {
            "content": f"{recipient}：{message_text(notification)}"[:2000],
            "mentioned_mobile_list": [phone] if phone else [],
        },
    }
    address = phone or str(recipient)
    try:
        answer = post_json(settings.WECOM_WEBHOOK_URL, payload)
    except ChannelError as exc:
        return log_delivery(notification, CHANNEL, address=address, ok=False, error=str(exc))
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        error = f"企业微信返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}"
        return log_delivery(notification, CHANNEL, address=address, ok=False, error=error)
    return log_delivery(notification, CHANNEL, address=address, ok=True)
