"""Ingest health: message rates, rejects per reason, receive lag, consumers alive, readings store."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from anjian.monitoring import selectors
from anjian.monitoring.views import need


@login_required
def ingest_health(request: HttpRequest) -> HttpResponse:
    need(request, "ingest.view")
    data = selectors.ingest_health()
    return render(
        request,
        "monitoring/health.html",
        {"page_title": "接入状态", "health": data, "chart": {"minutes": data["minutes"]}},
    )
