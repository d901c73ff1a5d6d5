"""Scoped reads of the risk register: points, levels and counts by level and community, the map data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from anjian.enterprises.choices import OperatingStatus
from anjian.enterprises.models import Enterprise, KeyCategory
from anjian.org.models import Community
from anjian.risks.choices import (
    LEVEL_HEX,
    LEVEL_RANK,
    LEVEL_SHORT,
    RANK_LEVEL,
    UNASSESSED_HEX,
    RiskLevel,
    highest_level,
)
from anjian.risks.models import EnterpriseRiskLevel, RiskAssessment, RiskBand, RiskPoint

LEVELS = [str(v) for v in RiskLevel.values]


def points_for(user: Any) -> QuerySet[RiskPoint]:
    return RiskPoint.objects.for_user(user).select_related(
        "enterprise", "park", "community", "grid", "current_assessment"
    )


def assessments_of(point: RiskPoint) -> QuerySet[RiskAssessment]:
    return point.assessments.select_related("assessor").order_by("-assessed_on", "-id")


def level_of(enterprise: Enterprise) -> EnterpriseRiskLevel | None:
    return EnterpriseRiskLevel.objects.filter(enterprise=enterprise).select_related("overridden_by").first()


def bands_by_method() -> dict[str, list[RiskBand]]:
    out: dict[str, list[RiskBand]] = defaultdict(list)
    for b in RiskBand.objects.order_by("method", "-lower_bound"):
        out[b.method].append(b)
    return dict(out)


def band_rows(method: str) -> list[dict[str, Any]]:
    """The bands of a method with their ranges written out, lower bound included ("160 ≤ D < 320")."""
    from anjian.risks.assessment import fmt

    symbol = "D" if method == "lec" else "R"
    rows = []
    upper = None
    for b in bands_by_method().get(method, []):
        lower = fmt(b.lower_bound)
        if upper is None:
            text = f"{symbol} ≥ {lower}"
        elif b.lower_bound <= 0:
            text = f"{symbol} < {upper}"
        else:
            text = f"{lower} ≤ {symbol} < {upper}"
        level: Any = b.level
        rows.append({"band": b, "range": text, "hex": LEVEL_HEX.get(level), "short": LEVEL_SHORT.get(level)})
        upper = lower
    return rows


def enterprises_in_scope(user: Any) -> QuerySet[Enterprise]:
    return Enterprise.objects.for_user(user).filter(status=OperatingStatus.OPERATING)


def level_counts(user: Any) -> dict[str, int]:
    """Operating enterprises of the user's scope by inherent level ('none' = not assessed)."""
    qs = enterprises_in_scope(user)
    agg = qs.aggregate(
        total=Count("id"),
        **{lv: Count("id", filter=Q(risk_level__level=lv)) for lv in LEVELS},
    )
    agg["none"] = agg["total"] - sum(agg[lv] for lv in LEVELS)
    return agg


def point_counts(user: Any) -> dict[str, int]:
    """Active risk points of the user's scope by level."""
    qs: QuerySet[RiskPoint] = RiskPoint.objects.for_user(user).filter(voided_at__isnull=True)
    agg: dict[str, int] = qs.aggregate(
        total=Count("id"), **{lv: Count("id", filter=Q(level=lv)) for lv in LEVELS}
    )
    return agg


def weighted_level(counts: dict[str, int]) -> str:
    """The share-weighted level of a community: the mean rank of its assessed enterprises, rounded."""
    n = sum(counts.get(lv, 0) for lv in LEVELS)
    if not n:
        return ""
    ranks: dict[str, int] = {str(k): v for k, v in LEVEL_RANK.items()}
    mean = sum(ranks[lv] * counts.get(lv, 0) for lv in LEVELS) / n
    return str(RANK_LEVEL[min(4, max(1, int(mean + 0.5)))])


def community_rows(user: Any) -> list[dict[str, Any]]:
    """Per community in scope: enterprises by level, the highest and the share-weighted level."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {lv: 0 for lv in [*LEVELS, "none", "total"]})
    for row in enterprises_in_scope(user).values("community_id", "risk_level__level").annotate(n=Count("id")):
        c = counts[row["community_id"]]
        level = row["risk_level__level"] or "none"
        c[level] += row["n"]
        c["total"] += row["n"]
    rows = []
    community: Community
    for community in Community.objects.for_user(user).order_by("sort_order", "code"):
        c = counts[community.pk]
        top = highest_level(lv for lv in LEVELS if c[lv])
        rows.append(
            {
                "community": community,
                "counts": c,
                "highest": top,
                "weighted": weighted_level(c),
                "highest_short": LEVEL_SHORT.get(top, "未评估"),  # type: ignore[call-overload]
            }
        )
    return rows


def map_data(user: Any) -> dict[str, Any]:
    """What the four-colour map draws: communities with their level, enterprises as coloured markers."""
    communities = [
        {
            "id": r["community"].pk,
            "name": r["community"].name,
            "boundary": r["community"].boundary,
            "center": [r["community"].center_lat, r["community"].center_lng],
            "highest": r["highest"],
            "weighted": r["weighted"],
            "counts": {k: r["counts"][k] for k in [*LEVELS, "none", "total"]},
        }
        for r in community_rows(user)
    ]
    qs = enterprises_in_scope(user).filter(lat__isnull=False, lng__isnull=False)
    cats: dict[int, list[int]] = defaultdict(list)
    through = Enterprise.categories.through
    for eid, cid in through.objects.filter(enterprise__in=qs.values("pk")).values_list(
        "enterprise_id", "keycategory_id"
    ):
        cats[eid].append(cid)
    rows = [
        [
            pk,
            name,
            round(lat or 0, 6),
            round(lng or 0, 6),
            community_id,
            level or "",
            cats.get(pk, []),
            bool(override),
        ]
        for pk, name, lat, lng, community_id, level, override in qs.order_by("pk").values_list(
            "pk", "name", "lat", "lng", "community_id", "risk_level__level", "risk_level__override_level"
        )
    ]
    return {
        "communities": communities,
        "enterprises": rows,
        "categories": [{"id": c.pk, "name": c.name} for c in KeyCategory.objects.all()],
        "levels": [
            {"value": lv, "label": str(label), "short": LEVEL_SHORT[lv], "hex": LEVEL_HEX[lv]}  # type: ignore[index]
            for lv, label in RiskLevel.choices
        ],
        "unassessed_hex": UNASSESSED_HEX,
    }


def map_config() -> dict[str, Any]:
    return {
        "tileUrl": settings.MAP_TILE_URL or "",
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION or "",
        "dataUrl": reverse("risks:map_data"),
        "detailUrl": reverse("enterprises:detail", args=[0]),
    }
