"""Background delivery of notifications through outside channels; each channel is a folder in channels/."""

from __future__ import annotations

import importlib

from huey.contrib.djhuey import db_task

from anjian.notifications.choices import DeliveryStatus
from anjian.notifications.models import Delivery, Notification


@db_task(retries=2, retry_delay=30)
def deliver(notification_id: int, channel: str) -> None:
    """Send one notification through one channel and log the attempt (missing configuration → skipped)."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return
    try:
        transport = importlib.import_module(f"anjian.notifications.channels.{channel}.transport")
    except ImportError:
        Delivery.objects.create(
            notification=notification, channel=channel, status=DeliveryStatus.SKIPPED, last_error="渠道未安装"
        )
        return
    transport.send(notification)
