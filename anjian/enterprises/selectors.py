"""Reads of the enterprise register, always narrowed to the user's jurisdiction (`for_user`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone

from anjian.enterprises.choices import NO_CATEGORY_COLOUR, OperatingStatus, category_map_colour
from anjian.enterprises.models import Enterprise, EnterpriseEvent, KeyCategory, Licence, Park
from anjian.org.choices import AssignmentStatus
from anjian.org.models import Assignment, Community, Grid, Visit

SEARCH_FIELDS = ("name", "uscc", "address", "legal_representative", "safety_officer")
SORTS = {
    "name": ("name", "id"),
    "community": ("community__sort_order", "community__code", "name", "id"),
    "employees": ("employees", "name", "id"),
    "updated_at": ("updated_at", "id"),
}


def warning_days() -> int:
    return int(settings.LICENCE_WARNING_DAYS)


def expiry_horizon(days: int | None = None, today: dt.date | None = None) -> dt.date:
    """The last expiry date that is still 'expiring soon' (today + days)."""
    return (today or timezone.localdate()) + dt.timedelta(days=warning_days() if days is None else days)


def active_licences() -> QuerySet[Licence]:
    return Licence.objects.filter(voided_at__isnull=True)


def expiring_licence_exists(days: int | None = None) -> Exists:
    """Exists(): the enterprise has a valid-looking licence that is expired or expires within `days`."""
    return Exists(
        active_licences().filter(
            enterprise=OuterRef("pk"), expires_on__isnull=False, expires_on__lte=expiry_horizon(days)
        )
    )


def expiring_enterprise_ids(days: int | None = None) -> QuerySet[Any]:
    """Ids of enterprises with an expired or soon-expiring licence, as a subquery (`pk__in=`): counting
    with it is an order of magnitude faster on SQLite than filtering on the Exists() annotation."""
    return (
        active_licences()
        .filter(expires_on__isnull=False, expires_on__lte=expiry_horizon(days))
        .values("enterprise_id")
    )


def enterprises_for(user: Any) -> QuerySet[Enterprise]:
    """The enterprises this user may see, with what a list row shows (a fixed number of queries)."""
    return with_row_data(Enterprise.objects.for_user(user))


def with_row_data(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """What a list row shows: community, grid, park, categories and the licence warning flag. Apply it
    to the page's rows, not before counting (the flag is a subquery per row)."""
    return (
        qs.select_related("community", "grid", "park")
        .prefetch_related(Prefetch("categories", queryset=KeyCategory.objects.order_by("sort_order", "code")))
        .annotate(licence_warning=expiring_licence_exists())
    )


def search(qs: QuerySet[Enterprise], text: str) -> QuerySet[Enterprise]:
    """Name, USCC, address, legal representative or safety officer containing every word of `text`
    (case-insensitive; one LIKE per word on the generated `search_text` column)."""
    for word in (text or "").split():
        qs = qs.filter(search_text__contains=word.upper().replace("|", " "))
    return qs


def with_categories(qs: QuerySet[Enterprise], codes: list[str]) -> QuerySet[Enterprise]:
    """Enterprises having at least one of the category codes (no DISTINCT needed)."""
    through = Enterprise.categories.through
    return qs.filter(
        Exists(through.objects.filter(enterprise_id=OuterRef("pk"), keycategory__code__in=codes))
    )


def sort(qs: QuerySet[Enterprise], key: str) -> QuerySet[Enterprise]:
    """Order by one of SORTS ('-' prefix for descending, empty values last on every database);
    unknown keys keep the default order."""
    desc = key.startswith("-")
    fields = SORTS.get(key.lstrip("-"))
    if not fields:
        return qs.order_by("name", "id")
    return qs.order_by(*nulls_last(fields, desc=desc))


def nulls_last(fields: Any, *, desc: bool = False) -> list[OrderBy]:
    """Order expressions that put NULLs last (SQLite and PostgreSQL disagree by default)."""
    return [F(f).desc(nulls_last=True) if desc else F(f).asc(nulls_last=True) for f in fields]


def status_counts(qs: QuerySet[Enterprise]) -> dict[str, int]:
    """How many of `qs` are in each operating status, plus 'total' and 'warning' (an expired or
    soon-expiring licence). Give it a queryset without row annotations. Two small queries (a GROUP BY
    and a semi-join) are several times faster on PostgreSQL than one with a FILTER per status."""
    counts = {s.value: 0 for s in OperatingStatus}
    for row in qs.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    warning = qs.order_by().filter(pk__in=expiring_enterprise_ids()).count()
    return {"total": sum(counts.values()), "warning": warning, **counts}


def expiring_licences(user: Any, days: int | None = None) -> QuerySet[Licence]:
    """Licences expired or expiring within `days` (default LICENCE_WARNING_DAYS), not voided, of
    enterprises that are not deregistered, soonest first."""
    return (
        Licence.objects.for_user(user)
        .filter(voided_at__isnull=True, expires_on__isnull=False, expires_on__lte=expiry_horizon(days))
        .exclude(enterprise__status=OperatingStatus.DEREGISTERED)
        .select_related("enterprise__community", "enterprise__grid")
        .order_by("expires_on", "enterprise__name", "id")
    )


def licences_of(enterprise: Enterprise) -> QuerySet[Licence]:
    """An enterprise's licences: valid ones first by expiry, voided ones last."""
    return (
        Licence.objects.filter(enterprise=enterprise)
        .select_related("voided_by")
        .order_by(F("voided_at").asc(nulls_first=True), F("expires_on").asc(nulls_last=True), "id")
    )


def timeline_of(enterprise: Enterprise, limit: int = 100) -> list[EnterpriseEvent]:
    return list(
        EnterpriseEvent.objects.filter(enterprise=enterprise)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def active_assignments_of(user: Any, enterprise: Enterprise) -> QuerySet[Assignment]:
    return (
        Assignment.objects.for_user(user)
        .filter(enterprise=enterprise, status=AssignmentStatus.ACTIVE)
        .select_related("person", "department")
        .order_by("start_date", "id")
    )


def recent_visits_of(user: Any, enterprise: Enterprise, limit: int = 10) -> list[Visit]:
    return list(
        Visit.objects.for_user(user)
        .filter(enterprise=enterprise, voided_at__isnull=True)
        .select_related("visitor")
        .order_by("-date", "-id")[:limit]
    )


def communities_for(user: Any) -> QuerySet[Community]:
    return Community.objects.for_user(user).order_by("sort_order", "code")


def grids_for(user: Any) -> QuerySet[Grid]:
    return Grid.objects.for_user(user).select_related("community").order_by("community__sort_order", "code")


def parks_for(user: Any) -> QuerySet[Park]:
    return Park.objects.for_user(user).order_by("name")


def category_legend() -> list[dict[str, Any]]:
    """Key categories with their map colours, in display order."""
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "colour": category_map_colour(c.code, c.colour)}
        for c in KeyCategory.objects.order_by("sort_order", "code")
    ]


def map_rows(user: Any, *, community: str = "", category: str = "", status: str = "") -> dict[str, Any]:
    """Compact rows for the map: [id, name, lat, lng, community id, [category ids], status] for every
    located enterprise in scope (two queries whatever the number of rows)."""
    qs: QuerySet[Enterprise] = Enterprise.objects.for_user(user).filter(lat__isnull=False, lng__isnull=False)
    if community.isdigit():
        qs = qs.filter(community_id=int(community))
    if category:
        qs = with_categories(qs, [category])
    if status in OperatingStatus.values:
        qs = qs.filter(status=status)
    rows = list(qs.order_by("id").values_list("id", "name", "lat", "lng", "community_id", "status"))
    cats: dict[int, list[int]] = {}
    through = Enterprise.categories.through
    links = (
        through.objects.filter(enterprise__in=qs.values("pk"))
        .order_by("keycategory__sort_order", "keycategory__code")
        .values_list("enterprise_id", "keycategory_id")
    )
    for ent_id, cat_id in links:
        cats.setdefault(ent_id, []).append(cat_id)
    return {
        "categories": category_legend(),
        "no_category_colour": NO_CATEGORY_COLOUR,
        "statuses": {s.value: str(s.label) for s in OperatingStatus},
        "rows": [
            [pk, name, round(lat or 0, 6), round(lng or 0, 6), comm, cats.get(pk, []), st]
            for pk, name, lat, lng, comm, st in rows
        ],
    }


def boundaries_for(user: Any) -> list[dict[str, Any]]:
    """Communities in scope with their GeoJSON boundary and centre, for the maps."""
    return [
        {"id": c.pk, "name": c.name, "boundary": c.boundary, "center": [c.center_lat, c.center_lng]}
        for c in communities_for(user)
    ]
