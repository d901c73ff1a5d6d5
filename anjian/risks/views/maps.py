"""The four-colour map: communities coloured by their enterprises' levels, enterprises as coloured
markers; drawn from community boundaries, map tiles only when an intranet tile server is configured."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from anjian.enterprises.models import KeyCategory
from anjian.org.models import Community
from anjian.risks import selectors
from anjian.risks.views.common import level_context, require_page


@login_required
def risk_map(request: HttpRequest) -> HttpResponse:
    require_page(request, "risk.map")
    return render(
        request,
        "risks/map.html",
        {
            "page_title": "四色风险地图",
            "communities": Community.objects.for_user(request.user),
            "categories": KeyCategory.objects.all(),
            "map_config": selectors.map_config(),
            "map_tile_url": selectors.map_config()["tileUrl"],
            "counts": selectors.level_counts(request.user),
            **level_context(),
        },
    )


@require_GET
@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    require_page(request, "risk.map")
    return JsonResponse(selectors.map_data(request.user))
