"""Organisation endpoints under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from anjian.org.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("communities", views.CommunityViewSet, basename="community")
router.register("grids", views.GridViewSet, basename="grid")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("users", views.UserViewSet, basename="user")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("decisions", views.DecisionViewSet, basename="decision")

urlpatterns = [
    path("coverage/", views.CoverageView.as_view(), name="api-coverage"),
    *router.urls,
]
