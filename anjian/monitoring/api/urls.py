"""Monitoring API: HTTP telemetry push, devices, alarms (acknowledge / close), device types."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from anjian.monitoring.api import ingest

router = DefaultRouter()
urlpatterns = [
    path("ingest/telemetry", ingest.TelemetryPushView.as_view(), name="ingest-telemetry"),
    *router.urls,
]
