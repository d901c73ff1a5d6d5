"""The home dashboard (工作台): counts for the signed-in user's jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from anjian.enterprises.choices import OperatingStatus
from anjian.enterprises.models import Enterprise, KeyCategory, Licence
from anjian.org.models import Community
from anjian.org.permissions import can


def enterprise_counts(user: Any) -> dict[str, Any]:
    """Totals, per key-supervision category and per community, over the user's scope."""
    scoped: Any = Enterprise.objects.for_user(user)
    active = scoped.exclude(status=OperatingStatus.DEREGISTERED)
    totals = active.aggregate(
        total=Count("id"),
        operating=Count("id", filter=Q(status=OperatingStatus.OPERATING)),
        suspended=Count("id", filter=Q(status=OperatingStatus.SUSPENDED)),
    )
    by_category = list(
        KeyCategory.objects.annotate(
            n=Count("enterprises", filter=Q(enterprises__in=active.values("pk")), distinct=True)
        ).values("code", "name", "colour", "icon", "n")
    )
    key_total = active.filter(categories__isnull=False).distinct().count()
    by_community: list[dict[str, Any]] = list(
        Community.objects.for_user(user)
        .annotate(n=Count("enterprises", filter=Q(enterprises__in=active.values("pk"))))
        .values("pk", "name", "n")
    )
    return {**totals, "key_total": key_total, "by_category": by_category, "by_community": by_community}


def licence_warnings(user: Any, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.LICENCE_WARNING_DAYS)
    qs: Any = (
        Licence.objects.for_user(user)
        .filter(voided_at__isnull=True, expires_on__isnull=False, expires_on__lte=horizon)
        .exclude(enterprise__status=OperatingStatus.DEREGISTERED)
    )
    counts = qs.aggregate(
        expired=Count("id", filter=Q(expires_on__lt=today)), soon=Count("id", filter=Q(expires_on__gte=today))
    )
    rows = list(qs.select_related("enterprise").order_by("expires_on")[:8])
    for row in rows:
        row.days_left = (row.expires_on - today).days  # type: ignore[attr-defined,operator]
    return {**counts, "rows": rows, "days": settings.LICENCE_WARNING_DAYS}


def coverage_block(user: Any) -> dict[str, Any]:
    """Assignment coverage of this week and the people behind in the last complete week."""
    from anjian.org import coverage

    report = coverage.build_report(user, weeks=2)
    behind = coverage.behind_from(report)
    return {"summary": coverage.summary_from(report), "behind": behind[:8], "behind_count": len(behind)}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"page_title": "工作台", "today": timezone.localdate()}
    if getattr(user, "role", "") == "enterprise_officer":
        context["my_enterprise"] = (
            Enterprise.objects.for_user(user).select_related("community", "grid").first()
        )
    counts = enterprise_counts(user)
    context["counts"] = counts
    context["licences"] = licence_warnings(user)
    # Only those who may open 履职覆盖 get its summary (and its link).
    context["coverage"] = coverage_block(user) if can(user, "coverage.view") else None
    context["chart_data"] = {
        "categories": [{"name": c["name"], "value": c["n"]} for c in counts["by_category"]],
        "communities": [{"name": c["name"], "value": c["n"]} for c in counts["by_community"]],
    }
    return render(request, "core/home.html", context)
