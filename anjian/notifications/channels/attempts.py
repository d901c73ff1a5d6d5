"""What every channel transport shares: logging a skipped attempt and posting JSON to an HTTP endpoint."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from anjian.notifications.choices import DeliveryStatus
from anjian.notifications.models import Delivery, Notification


class ChannelError(Exception):
    """The outside service refused or could not be reached; the message goes into the delivery log."""


def skipped(notification: Notification, channel: str, reason: str, address: str = "") -> Delivery:
    """Log that the channel was not tried (not configured, or the recipient has no address)."""
    return Delivery.objects.create(
        notification=notification,
        channel=channel,
        address=address[:200],
        status=DeliveryStatus.SKIPPED,
        attempts=0,
        last_error=reason[:500],
    )


def post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None) -> Any:
    """POST `payload` as JSON; return the decoded JSON answer (or None). Raise ChannelError on failure."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked when settings load)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CHANNEL_TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        raise ChannelError(f"HTTP {exc.code}: {detail}".strip()) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChannelError(f"无法连接：{reason}") from None
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def message_text(notification: Notification) -> str:
    """The plain text sent outside the platform (title, body, the page to open)."""
    parts = [notification.title]
    if notification.body:
        parts.append(notification.body)
    if notification.link:
        parts.append(f"详情：{notification.link}")
    return "\n".join(parts)
