"""Who may do what to hazards, by role (DOMAIN.md §1, §4). Jurisdiction is checked separately: services
fetch the hazard through `for_user(actor)` (404 outside the scope), then ask `require(actor, cap)`."""

from __future__ import annotations

from typing import Any

from anjian.core.errors import PermissionDeniedError
from anjian.org.choices import Role

R = Role
OFFICE = frozenset({R.STREET_ADMIN, R.OFFICE_STAFF})
STREET_STAFF = OFFICE | {R.CADRE, R.LIAISON, R.DEPARTMENT_STAFF}
FIELD = STREET_STAFF | {R.COMMUNITY_WORKER, R.GRID_INSPECTOR}
ENTERPRISE = frozenset({R.ENTERPRISE_OFFICER})

CAPABILITIES: dict[str, frozenset[str]] = {
    "hazard.view": FIELD | ENTERPRISE | {R.TIP_OFFICER},
    "hazard.create": FIELD,
    "hazard.update": FIELD,
    # Grading a hazard (一般/重大) is the street safety office's call.
    "hazard.confirm_level": OFFICE,
    "hazard.start_rectification": FIELD | ENTERPRISE,
    "hazard.submit_rectification": ENTERPRISE | {R.COMMUNITY_WORKER, R.GRID_INSPECTOR},
    # Never the enterprise: a hazard is closed only by someone else's verification.
    "hazard.verify": FIELD,
    "hazard.request_extension": ENTERPRISE | {R.COMMUNITY_WORKER, R.GRID_INSPECTOR},
    "hazard.decide_extension": OFFICE | {R.COMMUNITY_WORKER},
    "hazard.decide_major_extension": OFFICE,
    "hazard.void": OFFICE | {R.COMMUNITY_WORKER},
    "hazard.governance_plan": ENTERPRISE | FIELD,
    "hazard.supervise": OFFICE,
    "hazard.progress_report": ENTERPRISE | FIELD,
    "hazard.ledger": FIELD | ENTERPRISE,
    "hazard.statistics": STREET_STAFF | {R.COMMUNITY_WORKER},
}


def can(user: Any, capability: str) -> bool:
    """True when `user`'s role allows `capability` (superusers may do everything)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if user.is_superuser:
        return True
    return getattr(user, "role", "") in CAPABILITIES[capability]


def require(user: Any, capability: str, message: str = "没有执行此操作的权限。") -> None:
    """Raise PermissionDeniedError (403) unless `user` has `capability`."""
    if not can(user, capability):
        raise PermissionDeniedError(message)
