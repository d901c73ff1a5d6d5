"""notify(): the one way any capability tells people something (inbox first, outside channels after commit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from anjian.notifications.choices import Channel, Level
from anjian.notifications.models import Delivery, Notification


def notify(
    recipients: Iterable[Any],
    *,
    title: str,
    body: str = "",
    link: str = "",
    level: str = Level.INFO,
    category: str = "",
    dedupe_key: str = "",
    channels: Iterable[str] = (),
) -> list[Notification]:
    """Put a message in each recipient's inbox; queue outside channels (sms/wecom/email) on commit.

    With `dedupe_key`, a recipient who already has an unread message with that key is not told again."""
    created: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        if (
            dedupe_key
            and Notification.objects.filter(
                recipient=user, dedupe_key=dedupe_key, read_at__isnull=True
            ).exists()
        ):
            continue
        created.append(
            Notification.objects.create(
                recipient=user,
                title=title[:200],
                body=body,
                link=link[:300],
                level=level,
                category=category[:40],
                dedupe_key=dedupe_key[:200],
            )
        )
    outside = [c for c in channels if c != Channel.INAPP]
    if created and outside:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _queue_deliveries(ids, outside))
    return created


def _queue_deliveries(notification_ids: list[int], channels: list[str]) -> None:
    from anjian.notifications.tasks import deliver

    for nid in notification_ids:
        for channel in channels:
            deliver(nid, channel)


def mark_read(user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's messages read (all unread when no ids are given); returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def log_delivery(
    notification: Notification, channel: str, *, address: str, ok: bool, error: str = ""
) -> Delivery:
    from anjian.notifications.choices import DeliveryStatus

    return Delivery.objects.create(
        notification=notification,
        channel=channel,
        address=address[:200],
        status=DeliveryStatus.SENT if ok else DeliveryStatus.FAILED,
        attempts=1,
        last_error=error[:500],
        sent_at=timezone.now() if ok else None,
    )
