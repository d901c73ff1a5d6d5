"""What the other capabilities know about one enterprise, for its detail page: risk level, open hazards,
recent inspections, sensors and open alarms — each read through the viewer's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from anjian.enterprises.models import Enterprise

RISK_COLOURS = {"red": "danger", "orange": "warning", "yellow": "warning", "blue": "primary"}


def supervision_of(enterprise: Enterprise, user: Any) -> dict[str, Any]:
    from anjian.hazards.choices import STATE_COLOURS
    from anjian.hazards.permissions import can as can_hazards
    from anjian.hazards.selectors import open_hazards
    from anjian.inspections.selectors import recent_inspections
    from anjian.monitoring.models import Alarm, Device
    from anjian.risks.permissions import can as can_risks
    from anjian.risks.selectors import level_of

    hazards = list(open_hazards(enterprise, user).order_by("current_deadline")[:6])
    for h in hazards:
        h.state_colour = STATE_COLOURS.get(h.state, "secondary")  # type: ignore[attr-defined,call-overload]  # type: ignore[attr-defined]
    devices: Any = Device.objects.for_user(user).filter(enterprise=enterprise)
    device_counts = devices.aggregate(total=Count("id"), online=Count("id", filter=Q(status="online")))
    open_alarms: int = (
        Alarm.objects.for_user(user).filter(device__enterprise=enterprise).exclude(state="closed").count()
    )
    risk = level_of(enterprise)
    return {
        "risk": risk,
        "risk_colour": RISK_COLOURS.get(getattr(risk, "level", ""), "secondary"),
        "hazards": hazards,
        "hazard_open_count": open_hazards(enterprise, user).count(),
        "inspections": recent_inspections(enterprise, user),
        "device_counts": device_counts,
        "open_alarms": open_alarms,
        # Links to other apps' pages only for those who may open them.
        "may_see_risks": can_risks(user, "risk.view"),
        "may_see_hazards": can_hazards(user, "hazard.view"),
    }
