"""Geometry of the demo street: community polygons that tile a rectangle, grids that tile each community.

Communities are cells of a jittered lattice whose shared edges are bent (polylines through two bend
points), so neighbours fit together without gaps. Inside a community, (u, v) ∈ [0, 1]² is mapped onto the
area by a Coons patch of its four edges: grids are images of sub-rectangles, so they tile the community
exactly, and a point drawn inside a sub-rectangle lies inside both grid and community.
Coordinates are (lat, lng); GeoJSON uses [lng, lat]."""

from __future__ import annotations

import random
from dataclasses import dataclass

Point = tuple[float, float]  # (lat, lng)

# A rectangle around 凤凰街道 (宝安区, Shenzhen).
AREA = (22.60, 113.80, 22.72, 113.93)  # lat_min, lng_min, lat_max, lng_max
COLS, ROWS = 5, 2
CORNER_JITTER = 0.18  # share of a lattice step
EDGE_BEND = 0.07  # sideways bend of a shared edge point, as a share of the edge length
BREAKS = (0.0, 1 / 3, 2 / 3, 1.0)  # parameters of an edge's corner and bend points


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _along(polyline: list[Point], t: float) -> Point:
    """The point at parameter t of a 4-point polyline whose vertices sit at BREAKS."""
    for i in range(3):
        if t <= BREAKS[i + 1] or i == 2:
            return _lerp(polyline[i], polyline[i + 1], (t - BREAKS[i]) / (BREAKS[i + 1] - BREAKS[i]))
    raise AssertionError("unreachable")


@dataclass
class Cell:
    """A community's area: its four edges (polylines SW→SE, SE→NE, NW→NE, SW→NW)."""

    south: list[Point]
    east: list[Point]
    north: list[Point]
    west: list[Point]

    def at(self, u: float, v: float) -> Point:
        """Coons patch: the point at (u, v) ∈ [0, 1]² (u west→east, v south→north)."""
        s, n, w, e = _along(self.south, u), _along(self.north, u), _along(self.west, v), _along(self.east, v)
        sw, se, nw, ne = self.south[0], self.south[-1], self.north[0], self.north[-1]
        out = []
        for k in (0, 1):
            ruled = (1 - v) * s[k] + v * n[k] + (1 - u) * w[k] + u * e[k]
            corners = (1 - u) * (1 - v) * sw[k] + u * (1 - v) * se[k] + (1 - u) * v * nw[k] + u * v * ne[k]
            out.append(ruled - corners)
        return (out[0], out[1])

    @property
    def outline(self) -> list[Point]:
        """The boundary, counter-clockwise from the south-west corner (not closed)."""
        return self.south[:-1] + self.east[:-1] + self.north[::-1][:-1] + self.west[::-1][:-1]

    @property
    def centre(self) -> Point:
        return self.at(0.5, 0.5)


def _params(a: float, b: float) -> list[float]:
    """Sample parameters from a to b: four steps plus every edge break point in between."""
    ts = {a + (b - a) * k / 4 for k in range(5)} | {t for t in BREAKS if a < t < b}
    return sorted(ts)


@dataclass
class GridCell:
    """A grid's area: the (u, v) window of its community's patch."""

    u0: float
    u1: float
    v0: float
    v1: float

    def outline(self, cell: Cell) -> list[Point]:
        us, vs = _params(self.u0, self.u1), _params(self.v0, self.v1)
        ring = [cell.at(u, self.v0) for u in us[:-1]]
        ring += [cell.at(self.u1, v) for v in vs[:-1]]
        ring += [cell.at(u, self.v1) for u in us[::-1][:-1]]
        ring += [cell.at(self.u0, v) for v in vs[::-1][:-1]]
        return ring

    def sample(self, cell: Cell, rng: random.Random, margin: float = 0.1) -> Point:
        """A random point well inside the grid."""
        du, dv = (self.u1 - self.u0) * margin, (self.v1 - self.v0) * margin
        return cell.at(rng.uniform(self.u0 + du, self.u1 - du), rng.uniform(self.v0 + dv, self.v1 - dv))

    def near(self, cell: Cell, rng: random.Random, u: float, v: float, spread: float) -> Point:
        """A point close to (u, v) of the community patch, kept well inside this grid."""
        du, dv = (self.u1 - self.u0) * 0.1, (self.v1 - self.v0) * 0.1
        uu = min(max(u + rng.uniform(-spread, spread), self.u0 + du), self.u1 - du)
        vv = min(max(v + rng.uniform(-spread, spread), self.v0 + dv), self.v1 - dv)
        return cell.at(uu, vv)

    @property
    def centre_uv(self) -> tuple[float, float]:
        return ((self.u0 + self.u1) / 2, (self.v0 + self.v1) / 2)


def community_cells(rng: random.Random, count: int) -> list[Cell]:
    """`count` cells (≤ COLS × ROWS) tiling AREA, west to east, south row first."""
    lat_min, lng_min, lat_max, lng_max = AREA
    dlat, dlng = (lat_max - lat_min) / ROWS, (lng_max - lng_min) / COLS
    lattice: dict[tuple[int, int], Point] = {}
    for r in range(ROWS + 1):
        for c in range(COLS + 1):
            jlat = rng.uniform(-CORNER_JITTER, CORNER_JITTER) * dlat if 0 < r < ROWS else 0.0
            jlng = rng.uniform(-CORNER_JITTER, CORNER_JITTER) * dlng if 0 < c < COLS else 0.0
            lattice[(r, c)] = (lat_min + r * dlat + jlat, lng_min + c * dlng + jlng)

    edges: dict[tuple[tuple[int, int], tuple[int, int]], list[Point]] = {}

    def edge(a: tuple[int, int], b: tuple[int, int]) -> list[Point]:
        """Polyline a→b through two bend points; each lattice edge is bent once and shared."""
        if (a, b) not in edges:
            pa, pb = lattice[a], lattice[b]
            on_border = (a[0] == b[0] and a[0] in (0, ROWS)) or (a[1] == b[1] and a[1] in (0, COLS))
            points = [pa]
            for t in BREAKS[1:3]:
                lat, lng = _lerp(pa, pb, t)
                if not on_border:  # bend perpendicular to the edge
                    s = rng.uniform(-EDGE_BEND, EDGE_BEND)
                    lat, lng = lat - (pb[1] - pa[1]) * s, lng + (pb[0] - pa[0]) * s
                points.append((lat, lng))
            points.append(pb)
            edges[(a, b)] = points
        return edges[(a, b)]

    cells: list[Cell] = []
    for r in range(ROWS):
        for c in range(COLS):
            sw, se, ne, nw = (r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c)
            cells.append(Cell(south=edge(sw, se), east=edge(se, ne), north=edge(nw, ne), west=edge(sw, nw)))
    return cells[:count]


def grid_cells(count: int) -> list[GridCell]:
    """Split a community into `count` grids: columns, in two rows when the count is even and ≥ 4."""
    rows = 2 if count >= 4 and count % 2 == 0 else 1
    cols = count // rows
    return [
        GridCell(c / cols, (c + 1) / cols, r / rows, (r + 1) / rows) for r in range(rows) for c in range(cols)
    ]


def to_geojson(outline: list[Point]) -> dict[str, object]:
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in outline]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def contains(polygon: dict[str, object] | list[Point], lat: float, lng: float) -> bool:
    """Ray casting: is (lat, lng) inside the polygon (a GeoJSON Polygon or a list of (lat, lng))?"""
    ring = [(p[1], p[0]) for p in polygon["coordinates"][0]] if isinstance(polygon, dict) else list(polygon)  # type: ignore[index]
    inside = False
    n = len(ring)
    for i in range(n):
        (y1, x1), (y2, x2) = ring[i], ring[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < x_cross:
                inside = not inside
    return inside
