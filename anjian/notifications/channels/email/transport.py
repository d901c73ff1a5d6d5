"""E-mail through Django's mail backend (SMTP_URL, or EMAIL_BACKEND for another backend)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email

from anjian.notifications.channels.attempts import message_text, skipped
from anjian.notifications.models import Delivery, Notification
from anjian.notifications.services import log_delivery

CHANNEL = "email"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def configured() -> bool:
    """SMTP needs SMTP_URL; any other backend (e.g. the test outbox) is configured by naming it."""
    return bool(settings.SMTP_URL) or settings.EMAIL_BACKEND != SMTP_BACKEND


def send(notification: Notification) -> Delivery:
    """Send one notification by e-mail to the recipient's address."""
    address = (notification.recipient.email or "").strip()
    if not configured():
        return skipped(notification, CHANNEL, "邮件服务未配置（SMTP_URL）", address)
    try:
        validate_email(address)
    except ValidationError:
        return skipped(notification, CHANNEL, "接收人没有有效的邮箱地址", address)
    try:
        send_mail(
            subject=f"[安监] {notification.title}",
            message=message_text(notification),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
            fail_silently=False,
        )
    except (smtplib.SMTPException, OSError) as exc:
        return log_delivery(
            notification, CHANNEL, address=address, ok=False, error=f"{type(exc).__name__}: {exc}"
        )
    return log_delivery(notification, CHANNEL, address=address, ok=True)
