"""Pages of monitoring, one module per aggregate: board and alarms, devices, rules, ingest health."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from anjian.monitoring.permissions import can


def need(request: Any, capability: str) -> None:
    """403 unless the signed-in user has the capability."""
    if not can(request.user, capability):
        raise PermissionDenied
