"""Role-based capabilities. Reads are narrowed by jurisdiction (core.scoping); this module answers
"may this role do that kind of action at all". Object checks combine both: fetch the object through
`for_user(user)` (404 outside the scope), then `require(user, capability)` (403 inside it)."""

from __future__ import annotations

from typing import Any

from anjian.core.errors import PermissionDeniedError
from anjian.org.choices import Role

R = Role
CAPABILITIES: dict[str, frozenset[str]] = {
    # organisation
    "org.manage": frozenset({R.STREET_ADMIN}),
    "people.manage": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF}),
    # enterprise register
    "enterprise.create": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.COMMUNITY_WORKER, R.GRID_INSPECTOR}),
    "enterprise.change": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.COMMUNITY_WORKER, R.GRID_INSPECTOR}),
    "enterprise.import": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.COMMUNITY_WORKER}),
    "enterprise.export": frozenset(
        {
            R.STREET_ADMIN,
            R.OFFICE_STAFF,
            R.CADRE,
            R.LIAISON,
            R.DEPARTMENT_STAFF,
            R.COMMUNITY_WORKER,
            R.GRID_INSPECTOR,
        }
    ),
    "licence.change": frozenset(
        {R.STREET_ADMIN, R.OFFICE_STAFF, R.COMMUNITY_WORKER, R.GRID_INSPECTOR, R.ENTERPRISE_OFFICER}
    ),
    # assignments (挂点)
    "assignment.manage": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF}),
    "assignment.confirm_out_of_range": frozenset({R.STREET_ADMIN}),
    "visit.record": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.CADRE, R.LIAISON, R.DEPARTMENT_STAFF}),
    "meeting.record": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.LIAISON}),
    "coverage.view": frozenset(
        {R.STREET_ADMIN, R.OFFICE_STAFF, R.CADRE, R.LIAISON, R.DEPARTMENT_STAFF, R.COMMUNITY_WORKER}
    ),
    # inspections (检查)
    "checklist.manage": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF}),
    "inspection.plan": frozenset(
        {
            R.STREET_ADMIN,
            R.OFFICE_STAFF,
            R.CADRE,
            R.LIAISON,
            R.DEPARTMENT_STAFF,
            R.COMMUNITY_WORKER,
            R.GRID_INSPECTOR,
        }
    ),
    "inspection.perform": frozenset(
        {
            R.STREET_ADMIN,
            R.OFFICE_STAFF,
            R.CADRE,
            R.LIAISON,
            R.DEPARTMENT_STAFF,
            R.COMMUNITY_WORKER,
            R.GRID_INSPECTOR,
        }
    ),
    "inspection.void": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF}),
    # public tip-offs (举报受理); revealing a reporter's identity is tip_officer-only (anjian.tipoffs.services)
    "tipoff.view": frozenset(
        {
            R.STREET_ADMIN,
            R.OFFICE_STAFF,
            R.TIP_OFFICER,
            R.DEPARTMENT_STAFF,
            R.COMMUNITY_WORKER,
            R.GRID_INSPECTOR,
        }
    ),
    "tipoff.triage": frozenset({R.STREET_ADMIN, R.OFFICE_STAFF, R.TIP_OFFICER}),
    "tipoff.verify": frozenset(
        {
            R.STREET_ADMIN,
            R.OFFICE_STAFF,
            R.TIP_OFFICER,
            R.DEPARTMENT_STAFF,
            R.COMMUNITY_WORKER,
            R.GRID_INSPECTOR,
        }
    ),
    "tipoff.reward_decide": frozenset({R.TIP_OFFICER, R.STREET_ADMIN}),
    "tipoff.reward_approve": frozenset({R.STREET_ADMIN}),
    "tipoff.reward_pay": frozenset({R.TIP_OFFICER, R.OFFICE_STAFF}),
    "tipoff.configure": frozenset({R.STREET_ADMIN}),
    # system
    "audit.view": frozenset({R.STREET_ADMIN}),
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
