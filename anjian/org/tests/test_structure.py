"""Communities, grids and departments: GeoJSON boundaries, permissions, audit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from anjian.core.errors import PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.org import services
from anjian.org.boundaries import parse_boundary

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[113.84, 22.59], [113.86, 22.59], [113.86, 22.61], [113.84, 22.61], [113.84, 22.59]]],
}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("{bad json", "不是有效的 JSON"),
        ('{"type": "Point", "coordinates": [113.8, 22.6]}', "应为 Polygon 或 MultiPolygon"),
        (
            '{"type": "Polygon", "coordinates": [[[113.8, 22.6], [113.9, 22.6], [113.8, 22.6]]]}',
            "至少需要 4 个坐标点",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[113.8, 22.6], [113.9, 22.6], [113.9, 22.7], [113.8, 22.7]]]}',
            "未闭合",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[22.6, 113.8], [22.6, 113.9], [22.7, 113.9], [22.6, 113.8]]]}',
            "经度 22.6 超出合理范围",
        ),
        (
            '{"type": "Polygon", "coordinates": [[["a", 22.6], [1, 2], [3, 4], ["a", 22.6]]]}',
            "不是 [经度, 纬度] 数字对",
        ),
        ('{"type": "MultiPolygon", "coordinates": []}', "MultiPolygon"),
        ("[1, 2]", "GeoJSON 对象"),
    ],
)
def test_bad_boundaries(value: str, text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_boundary(value)
    assert text in exc.value.messages[0]


def test_good_boundaries() -> None:
    assert parse_boundary(json.dumps(SQUARE)) == SQUARE
    assert parse_boundary({"type": "Feature", "properties": {}, "geometry": SQUARE}) == SQUARE
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}
    assert parse_boundary(json.dumps(multi)) == multi
    assert parse_boundary("  ") is None


def test_update_community_sets_boundary_centre_and_audits(world: Any) -> None:
    c = services.update_community(
        world.community_a,
        actor=world.admin,
        data={"name": "甲社区", "code": "c01", "phone": "0755-12345678", "boundary": json.dumps(SQUARE)},
    )
    assert c.boundary == SQUARE and c.code == "C01"
    assert (c.center_lat, c.center_lng) == (22.6, 113.85)
    entry = AuditEntry.objects.filter(action="update", object_type="org.community").latest("chain_index")
    after = entry.after or {}
    assert "boundary" in after and "name" not in after


def test_update_community_errors(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.update_community(
            world.community_a, actor=world.admin, data={"code": "C02", "phone": "12", "boundary": "{"}
        )
    errors = exc.value.message_dict
    assert "phone" in errors and "boundary" in errors
    with pytest.raises(ValidationError) as exc:
        services.update_community(world.community_a, actor=world.admin, data={"code": "C02"})
    assert "code" in exc.value.message_dict  # unique


def test_only_street_admin_edits_structure(world: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.update_community(world.community_a, actor=world.office, data={"phone": ""})
    with pytest.raises(Http404):  # outside the worker's scope: does not exist
        services.update_community(world.community_b, actor=world.worker_a, data={"phone": ""})
    with pytest.raises(PermissionDeniedError):
        services.create_department(actor=world.office, data={"name": "x", "code": "x"})


def test_grids_and_departments(world: Any) -> None:
    g = services.create_grid(
        actor=world.admin, community=world.community_b, data={"name": "乙二网格", "code": "c02-g02"}
    )
    assert g.community == world.community_b and g.code == "C02-G02"
    with pytest.raises(ValidationError):  # same name in the same community
        services.create_grid(
            actor=world.admin, community=world.community_b, data={"name": "乙二网格", "code": "C02-G03"}
        )
    g = services.update_grid(
        g, actor=world.admin, data={"name": "乙二网格（新）", "code": "C02-G02", "boundary": SQUARE}
    )
    assert g.boundary == SQUARE
    d = services.create_department(
        actor=world.admin, data={"name": "规划建设办", "code": "D02", "duties": "建筑工地"}
    )
    d = services.update_department(d, actor=world.admin, data={"phone": "0755-88886666"})
    assert d.phone == "0755-88886666"
    assert AuditEntry.objects.filter(object_type="org.department").count() == 2
    c = services.create_community(actor=world.admin, data={"name": "丙社区", "code": "C03"})
    assert c.street == world.street
