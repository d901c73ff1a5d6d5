"""Pages of the inspections app, mounted at /inspections/."""

from django.urls import path

from anjian.inspections.views import checklists, inspections, plans

app_name = "inspections"

urlpatterns = [
    path("", inspections.inspection_list, name="list"),
    path("new/", inspections.start, name="start"),
    path("<int:pk>/", inspections.inspection_detail, name="detail"),
    path("<int:pk>/void/", inspections.inspection_void, name="void"),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/round/", plans.plan_round, name="plan_round"),
    path("plans/generate/", plans.plan_generate, name="plan_generate"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/cancel/", plans.plan_cancel, name="plan_cancel"),
    path("plans/<int:pk>/inspect/", inspections.perform_plan, name="perform_plan"),
    path("checklists/", checklists.checklist_list, name="checklists"),
    path("checklists/new/", checklists.checklist_create, name="checklist_create"),
    path("checklists/<int:pk>/", checklists.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/edit/", checklists.checklist_edit, name="checklist_edit"),
]
