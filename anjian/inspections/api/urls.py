"""Inspection endpoints under /api/v1/."""

from rest_framework.routers import DefaultRouter

from anjian.inspections.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("checklists", views.ChecklistTemplateViewSet, basename="checklist")
router.register("checklist-versions", views.ChecklistVersionViewSet, basename="checklist-version")
router.register("checklist-items", views.ChecklistItemViewSet, basename="checklist-item")
router.register("inspection-plans", views.PlanViewSet, basename="inspection-plan")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("inspection-results", views.ResultViewSet, basename="inspection-result")
urlpatterns = router.urls
