"""Hazard endpoints under /api/v1/."""

from rest_framework.routers import DefaultRouter

from anjian.hazards.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("hazard-extensions", views.ExtensionViewSet, basename="hazard-extension")

urlpatterns = router.urls
