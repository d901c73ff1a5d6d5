"""Template context shared by every page: the navigation for the signed-in user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from anjian.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "map_tile_url": settings.MAP_TILE_URL}
    from anjian.notifications.services import unread_count

    return {
        "nav_sections": menu_for(user, request.path),
        "unread_count": unread_count(user),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
