"""Helpers shared by the risk pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from anjian.enterprises.models import Enterprise
from anjian.risks.choices import LEVEL_HEX, LEVEL_SHORT, RiskLevel
from anjian.risks.permissions import can


def require_page(request: HttpRequest, capability: str) -> None:
    """403 page unless the user's role has `capability`."""
    if not can(request.user, capability):
        raise PermissionDenied


def enterprise_or_404(request: HttpRequest, pk: int) -> Enterprise:
    return get_object_or_404(
        Enterprise.objects.for_user(request.user).select_related("community", "grid", "park"), pk=pk
    )


def level_context() -> dict[str, Any]:
    """Labels and colours of the four levels for templates."""
    return {
        "levels": [
            {"value": v, "label": str(label), "short": LEVEL_SHORT[v], "hex": LEVEL_HEX[v]}  # type: ignore[index]
            for v, label in RiskLevel.choices
        ],
        "level_hex": {str(k): v for k, v in LEVEL_HEX.items()},
        "level_short": {str(k): v for k, v in LEVEL_SHORT.items()},
    }
