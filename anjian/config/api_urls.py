"""The REST API v1: one router, each app registers its viewsets in its api/urls.py."""

from django.urls import include, path

from anjian.core.api.auth import ObtainTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("anjian.org.api.urls")),
    path("", include("anjian.enterprises.api.urls")),
    path("", include("anjian.monitoring.api.urls")),
    path("", include("anjian.hazards.api.urls")),
    path("", include("anjian.inspections.api.urls")),
    path("", include("anjian.tipoffs.api.urls")),
    path("", include("anjian.risks.api.urls")),
]
