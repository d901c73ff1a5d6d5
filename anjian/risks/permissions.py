"""Who may do what in the risk register, by role (DOMAIN.md §1, §3). Jurisdiction is checked separately:
services fetch objects through `for_user(actor)` (404 outside the scope), then `require(actor, cap)`."""

from __future__ import annotations

from typing import Any

from anjian.core.errors import PermissionDeniedError
from anjian.org.choices import Role
from anjian.org.permissions import CAPABILITIES as ORG_CAPABILITIES
from anjian.org.permissions import can

R = Role
OFFICE = frozenset({R.STREET_ADMIN, R.OFFICE_STAFF})
STREET_STAFF = OFFICE | {R.CADRE, R.LIAISON, R.DEPARTMENT_STAFF}
FIELD = STREET_STAFF | {R.COMMUNITY_WORKER, R.GRID_INSPECTOR}

CAPABILITIES: dict[str, frozenset[str]] = {
    "risk.view": FIELD | {R.ENTERPRISE_OFFICER, R.FIRE_STATION},
    # Enterprises identify and assess their own risk points (企业自主辨识); the street and communities too.
    "risk.manage": OFFICE | {R.COMMUNITY_WORKER, R.GRID_INSPECTOR, R.ENTERPRISE_OFFICER},
    "risk.void": OFFICE | {R.COMMUNITY_WORKER},
    # Overriding an enterprise's inherent level is the street safety office's call, with a reason.
    "risk.override": OFFICE,
    "risk.configure": frozenset({R.STREET_ADMIN}),
    "risk.map": FIELD | {R.FIRE_STATION},
    "risk.priority": FIELD,
    "risk.backtest": OFFICE,
}


# One capability table for the whole platform: the risk capabilities join org.permissions' table, so
# `can`/`require` (and the `|can` template filter) answer for them like for any other.
ORG_CAPABILITIES.update(CAPABILITIES)


def require(user: Any, capability: str, message: str = "没有执行此操作的权限。") -> None:
    """Raise PermissionDeniedError (403) unless `user` has `capability`."""
    if not can(user, capability):
        raise PermissionDeniedError(message)
