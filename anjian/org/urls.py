"""Pages of the organisation app under /org/."""

from django.urls import path

from anjian.org.views import activity, assignments, coverage, people, structure

app_name = "org"
urlpatterns = [
    path("communities/", structure.community_list, name="communities"),
    path("communities/new/", structure.community_create, name="community_create"),
    path("communities/<int:pk>/", structure.community_detail, name="community"),
    path("communities/<int:pk>/edit/", structure.community_edit, name="community_edit"),
    path("communities/<int:community_pk>/grids/new/", structure.grid_create, name="grid_create"),
    path("grids/<int:pk>/edit/", structure.grid_edit, name="grid_edit"),
    path("departments/", structure.department_list, name="departments"),
    path("departments/new/", structure.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", structure.department_edit, name="department_edit"),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/password/", people.person_password, name="person_password"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person_reactivate"),
    path("assignments/", assignments.assignment_list, name="assignments"),
    path("assignments/new/", assignments.assignment_create, name="assignment_create"),
    path("assignments/candidates/", assignments.assignment_candidates, name="assignment_candidates"),
    path("assignments/<int:pk>/", assignments.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/end/", assignments.assignment_end, name="assignment_end"),
    path("assignments/<int:pk>/void/", assignments.assignment_void, name="assignment_void"),
    path("visits/", activity.visit_list, name="visits"),
    path("visits/new/", activity.visit_create, name="visit_create"),
    path("visits/<int:pk>/", activity.visit_detail, name="visit"),
    path("visits/<int:pk>/void/", activity.visit_void, name="visit_void"),
    path("meetings/", activity.meeting_list, name="meetings"),
    path("meetings/new/", activity.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", activity.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/void/", activity.meeting_void, name="meeting_void"),
    path("decisions/<int:pk>/done/", activity.decision_done, name="decision_done"),
    path("coverage/", coverage.coverage_page, name="coverage"),
]
