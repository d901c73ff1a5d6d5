"""Risk endpoints under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from anjian.risks.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("risk-points", views.RiskPointViewSet, basename="risk-point")
router.register("risk-assessments", views.AssessmentViewSet, basename="risk-assessment")
router.register("risk-levels", views.EnterpriseLevelViewSet, basename="risk-level")
router.register("risk-templates", views.TemplateViewSet, basename="risk-template")
router.register("risk-bands", views.BandViewSet, basename="risk-band")

urlpatterns = [
    path("risk-priority/", views.PriorityView.as_view(), name="risk-priority"),
    path("risk-map/", views.MapView.as_view(), name="risk-map"),
    *router.urls,
]
