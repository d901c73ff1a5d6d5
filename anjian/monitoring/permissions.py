"""Who may do what in monitoring. Reads are narrowed by jurisdiction (`for_user`); these capabilities say
whether a role may take an action at all (inside its scope)."""

from __future__ import annotations

from typing import Any

from anjian.core.errors import PermissionDeniedError
from anjian.org.choices import Role

R = Role
CAPABILITIES: dict[str, frozenset[str]] = {
    # See the board, devices and readings.
    "monitoring.view": frozenset(
        {
            R.STREET_ADMIN,
            R.OFFICE_STAFF,
            R.CADRE,
            R.LIAISON,
            R.DEPARTMENT_STAFF,
            R.COMMUNITY_WORKER,
            R.GRID_INSPECTOR,
            R.ENTERPRISE_OFFICER,
            R.FIRE_STATION,
        }
    ),
    # Register devices, issue credentials, import.
    "device.manage": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.COMMUNITY_WORKER}),
    # Acknowledge and close alarms (the people who go and look).
    "alarm.handle": frozenset(
        {R.STREET_ADMIN, R.OFFICE_STAFF, R.COMMUNITY_WORKER, R.GRID_INSPECTOR, R.ENTERPRISE_OFFICER}
    ),
    # Change rule values for a site or device.
    "rule.override": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF}),
    # Ingest health (operators).
    "ingest.view": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF}),
}


def can(user: Any, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if user.is_superuser:
        return True
    return getattr(user, "role", "") in CAPABILITIES[capability]


def require(user: Any, capability: str) -> None:
    """Raise PermissionDeniedError (403, Chinese message) unless `user` has `capability`."""
    if not can(user, capability):
        raise PermissionDeniedError("没有执行此操作的权限。")
