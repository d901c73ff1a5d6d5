"""Monitoring API: HTTP telemetry push, devices, alarms (acknowledge / close), device types."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from anjian.monitoring.api import ingest, views

router = DefaultRouter()
router.register("devices", views.DeviceViewSet, basename="device")
router.register("alarms", views.AlarmViewSet, basename="alarm")
router.register("device-types", views.DeviceTypeViewSet, basename="device-type")
urlpatterns = [
    path("ingest/telemetry", ingest.TelemetryPushView.as_view(), name="ingest-telemetry"),
    *router.urls,
]
