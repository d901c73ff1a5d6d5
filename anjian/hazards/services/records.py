"""What every hazard step leaves behind besides its audit row: a line on the hazard's timeline and
notices to the people concerned (inbox now; outside channels after commit for urgent steps)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse

from anjian.hazards.models import Hazard, HazardEvent
from anjian.hazards.services.guards import acting_user
from anjian.notifications.choices import Level as NoticeLevel
from anjian.notifications.services import notify


def add_event(h: Hazard, kind: str, actor: Any, **params: Any) -> HazardEvent:
    """A line on the hazard's timeline (described in Chinese by hazards.timeline)."""
    return HazardEvent.objects.create(hazard=h, type=kind, actor=acting_user(actor), params=params)


def hazard_link(h: Hazard) -> str:
    """The hazard's page, the link of its notices."""
    return reverse("hazards:detail", args=[h.pk])


def tell(
    people: Iterable[Any],
    h: Hazard,
    title: str,
    body: str,
    *,
    level: str = NoticeLevel.INFO,
    outside: bool = False,
) -> None:
    """Tell people about a step of this hazard: inbox now; outside channels (after commit) for the
    steps that must not wait until someone opens the platform."""
    notify(
        people,
        title=title,
        body=f"{h.enterprise.name} · {h.code}：{body}" if body else f"{h.enterprise.name} · {h.code}",
        link=hazard_link(h),
        level=level,
        category="hazard",
        channels=settings.HAZARD_NOTIFY_CHANNELS if outside else (),
    )
