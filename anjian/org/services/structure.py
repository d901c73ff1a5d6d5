"""Services of the organisation tree: communities, grids and departments (created and edited, never deleted)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from anjian.core import audit
from anjian.core.services import validated_save
from anjian.core.validators import phone_error
from anjian.org.boundaries import parse_boundary
from anjian.org.models import Community, Department, Grid, Street
from anjian.org.permissions import require
from anjian.org.services.base import clean_text, scoped

COMMUNITY_FIELDS = ("name", "code", "phone", "boundary", "sort_order")
GRID_FIELDS = ("name", "code", "boundary")
DEPARTMENT_FIELDS = ("name", "code", "phone", "duties")


def _clean_common(data: dict[str, Any]) -> dict[str, Any]:
    """Trim text, check the phone number and parse the boundary (errors keyed by field)."""
    out = dict(data)
    errors: dict[str, str] = {}
    for key in ("name", "code", "phone", "duties"):
        if key in out:
            out[key] = clean_text(out[key])
    if "code" in out:
        out["code"] = out["code"].upper()
    if out.get("phone"):
        message = phone_error(out["phone"])
        if message:
            errors["phone"] = message
    if "boundary" in out:
        try:
            out["boundary"] = parse_boundary(out["boundary"])
        except ValidationError as exc:
            errors["boundary"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return out


def _centre(boundary: dict[str, Any] | None) -> tuple[float, float] | None:
    """The middle of the boundary's bounding box as (lat, lng)."""
    if not boundary:
        return None
    rings = (
        boundary["coordinates"]
        if boundary["type"] == "Polygon"
        else [r for p in boundary["coordinates"] for r in p]
    )
    points = [pos for ring in rings for pos in ring]
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    return round((min(lats) + max(lats)) / 2, 6), round((min(lngs) + max(lngs)) / 2, 6)


def _apply(obj: models.Model, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for key in fields:
        if key in data:
            setattr(obj, key, data[key])


@transaction.atomic
def create_community(*, actor: Any, data: dict[str, Any]) -> Community:
    """Add a community to the street (street administrators)."""
    require(actor, "org.manage")
    clean = _clean_common(data)
    street = Street.objects.order_by("id").first()
    if street is None:
        raise ValidationError("尚未设置街道信息，请先在后台创建街道。")
    community = Community(street=street, created_by=actor)
    _apply(community, clean, COMMUNITY_FIELDS)
    centre = _centre(community.boundary)
    if centre:
        community.center_lat, community.center_lng = centre
    validated_save(community)
    audit.record(actor=actor, action="create", obj=community, after=audit.snapshot(community))
    return community


@transaction.atomic
def update_community(community: Community, *, actor: Any, data: dict[str, Any]) -> Community:
    """Edit a community's name, code, phone and boundary (street administrators)."""
    community = scoped(Community, community, actor, lock=True)
    require(actor, "org.manage")
    clean = _clean_common(data)
    before = audit.snapshot(community)
    _apply(community, clean, COMMUNITY_FIELDS)
    if "boundary" in clean:
        centre = _centre(community.boundary)
        if centre:
            community.center_lat, community.center_lng = centre
    validated_save(community)
    audit.record(
        actor=actor,
        action="update",
        obj=community,
        before=before,
        after=audit.snapshot(community),
        only_changes=True,
    )
    return community


@transaction.atomic
def create_grid(*, actor: Any, community: Community | int, data: dict[str, Any]) -> Grid:
    """Add a grid to a community (street administrators)."""
    require(actor, "org.manage")
    community = scoped(Community, community, actor, field="community")
    clean = _clean_common(data)
    grid = Grid(community=community, created_by=actor)
    _apply(grid, clean, GRID_FIELDS)
    validated_save(grid)
    audit.record(actor=actor, action="create", obj=grid, after=audit.snapshot(grid))
    return grid


@transaction.atomic
def update_grid(grid: Grid, *, actor: Any, data: dict[str, Any]) -> Grid:
    """Edit a grid's name, code and boundary (street administrators); a grid does not change community."""
    grid = scoped(Grid, grid, actor, lock=True)
    require(actor, "org.manage")
    clean = _clean_common(data)
    before = audit.snapshot(grid)
    _apply(grid, clean, GRID_FIELDS)
    validated_save(grid)
    audit.record(
        actor=actor, action="update", obj=grid, before=before, after=audit.snapshot(grid), only_changes=True
    )
    return grid


@transaction.atomic
def create_department(*, actor: Any, data: dict[str, Any]) -> Department:
    """Add a street department (科办)."""
    require(actor, "org.manage")
    clean = _clean_common(data)
    department = Department(created_by=actor)
    _apply(department, clean, DEPARTMENT_FIELDS)
    validated_save(department)
    audit.record(actor=actor, action="create", obj=department, after=audit.snapshot(department))
    return department


@transaction.atomic
def update_department(department: Department, *, actor: Any, data: dict[str, Any]) -> Department:
    """Edit a department's name, code, phone and duties."""
    department = scoped(Department, department, actor, lock=True)
    require(actor, "org.manage")
    clean = _clean_common(data)
    before = audit.snapshot(department)
    _apply(department, clean, DEPARTMENT_FIELDS)
    validated_save(department)
    audit.record(
        actor=actor,
        action="update",
        obj=department,
        before=before,
        after=audit.snapshot(department),
        only_changes=True,
    )
    return department
