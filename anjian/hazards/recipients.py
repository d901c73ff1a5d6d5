"""Who hears about a hazard: its enterprise's officers, the grid inspector, the community workers, the
street safety office. Used by services (on each step) and by the deadline jobs (escalation chain)."""

from __future__ import annotations

from typing import Any

from anjian.hazards.models import Hazard
from anjian.org.choices import Role


def _users() -> Any:
    from anjian.org.models import User

    return User.objects.filter(is_active=True)


def enterprise_officers(hazard: Hazard) -> list[Any]:
    return list(_users().filter(role=Role.ENTERPRISE_OFFICER, enterprise_id=hazard.enterprise_id))


def grid_inspectors(hazard: Hazard) -> list[Any]:
    if not hazard.grid_id:
        return []
    return list(_users().filter(role=Role.GRID_INSPECTOR, grid_id=hazard.grid_id))


def community_workers(hazard: Hazard) -> list[Any]:
    return list(_users().filter(role=Role.COMMUNITY_WORKER, community_id=hazard.community_id))


def street_office() -> list[Any]:
    return list(_users().filter(role__in=[Role.STREET_ADMIN, Role.OFFICE_STAFF]))


def field_team(hazard: Hazard) -> list[Any]:
    """Those who follow a hazard on the ground: the grid inspector(s) and, without one, the community."""
    return grid_inspectors(hazard) or community_workers(hazard)
