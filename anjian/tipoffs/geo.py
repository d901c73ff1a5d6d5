"""Plane geometry for tips: distance between two points and which community/grid polygon holds a point."""

from __future__ import annotations

import math
from typing import Any

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _in_ring(lat: float, lng: float, ring: list[Any]) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < x_cross:
                inside = not inside
    return inside


def _in_polygon(lat: float, lng: float, rings: list[Any]) -> bool:
    if not rings or not _in_ring(lat, lng, rings[0]):
        return False
    return not any(_in_ring(lat, lng, hole) for hole in rings[1:])


def contains(geometry: Any, lat: float, lng: float) -> bool:
    """True when the GeoJSON Polygon/MultiPolygon `geometry` ([lng, lat] positions) holds the point."""
    if not isinstance(geometry, dict):
        return False
    try:
        if geometry.get("type") == "Polygon":
            return _in_polygon(lat, lng, geometry["coordinates"])
        if geometry.get("type") == "MultiPolygon":
            return any(_in_polygon(lat, lng, poly) for poly in geometry["coordinates"])
    except (KeyError, IndexError, TypeError, ZeroDivisionError):
        return False
    return False


def locate(rows: list[Any], lat: float | None, lng: float | None) -> Any:
    """The first row (community or grid) whose `boundary` holds the point; None outside all of them."""
    if lat is None or lng is None:
        return None
    for row in rows:
        if contains(row.boundary, lat, lng):
            return row
    return None
