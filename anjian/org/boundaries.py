"""Community and grid boundaries: GeoJSON Polygon/MultiPolygon checked for shape and plausible position."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ring_error(ring: Any, where: str) -> str:
    if not isinstance(ring, list) or len(ring) < 4:
        return f"{where}至少需要 4 个坐标点（首尾相同的闭合环）。"
    lat_min, lng_min, lat_max, lng_max = settings.GEO_BOUNDS
    for i, pos in enumerate(ring, start=1):
        if not isinstance(pos, list) or len(pos) < 2 or not all(_number(v) for v in pos[:2]):
            return f"{where}第 {i} 个坐标不是 [经度, 纬度] 数字对。"
        lng, lat = pos[0], pos[1]
        if not (lng_min <= lng <= lng_max):
            return f"{where}第 {i} 个坐标的经度 {lng} 超出合理范围（{lng_min}–{lng_max}）。"
        if not (lat_min <= lat <= lat_max):
            return f"{where}第 {i} 个坐标的纬度 {lat} 超出合理范围（{lat_min}–{lat_max}）。"
    if ring[0][:2] != ring[-1][:2]:
        return f"{where}未闭合：第一个坐标与最后一个坐标应相同。"
    return ""


def _polygon_error(coords: Any, where: str) -> str:
    if not isinstance(coords, list) or not coords:
        return f"{where}的 coordinates 应为由环组成的数组。"
    for r, ring in enumerate(coords, start=1):
        error = _ring_error(ring, f"{where}第 {r} 个环" if len(coords) > 1 else where)
        if error:
            return error
    return ""


def boundary_error(value: Any) -> str:
    """'' when `value` is a GeoJSON Polygon or MultiPolygon inside GEO_BOUNDS, else the reason in Chinese."""
    if not isinstance(value, dict):
        return "边界应为 GeoJSON 对象（Polygon 或 MultiPolygon）。"
    kind = value.get("type")
    coords = value.get("coordinates")
    if kind == "Polygon":
        return _polygon_error(coords, "边界")
    if kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            return "MultiPolygon 的 coordinates 应为由多边形组成的数组。"
        for p, polygon in enumerate(coords, start=1):
            error = _polygon_error(polygon, f"第 {p} 个多边形")
            if error:
                return error
        return ""
    return f"边界类型应为 Polygon 或 MultiPolygon，当前为 {kind or '未知'}。"


def parse_boundary(text: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """The geometry from GeoJSON text or object (a Feature is unwrapped); None when empty.

    Raises ValidationError with a Chinese message when the input is not a valid boundary."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, str):
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"边界不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有误。"
            ) from None
    else:
        value = text
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    error = boundary_error(value)
    if error:
        raise ValidationError(error)
    return {"type": value["type"], "coordinates": value["coordinates"]}


def boundary_text(value: dict[str, Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""
