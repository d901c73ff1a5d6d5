from django.urls import path

from anjian.hazards import views, views_reports

app_name = "hazards"
urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("mine/", views.my_work, name="mine"),
    path("new/", views.hazard_create, name="create"),
    path("from-result/<int:result_id>/", views.hazard_from_result, name="from_result"),
    path("from-result/<int:result_id>/now/", views.hazard_from_result_now, name="from_result_now"),
    path("ledger.xlsx", views_reports.ledger, name="ledger"),
    path("statistics/", views_reports.statistics_page, name="statistics"),
    path("statistics.xlsx", views_reports.statistics_excel, name="statistics_excel"),
    path("<int:pk>/", views.hazard_detail, name="detail"),
    path("<int:pk>/case-file.pdf", views_reports.case_file, name="case_file"),
    path("<int:pk>/edit/", views.hazard_edit, name="edit"),
    path("<int:pk>/photos/", views.hazard_photos, name="photos"),
    path("<int:pk>/level/", views.hazard_confirm_level, name="confirm_level"),
    path("<int:pk>/plan/", views.hazard_plan, name="plan"),
    path("<int:pk>/start/", views.hazard_start, name="start"),
    path("<int:pk>/submit/", views.hazard_submit, name="submit"),
    path("<int:pk>/verify/", views.hazard_verify, name="verify"),
    path("<int:pk>/extension/", views.hazard_extension, name="extension"),
    path("<int:pk>/extension/<int:ext_id>/", views.hazard_decide_extension, name="decide_extension"),
    path("<int:pk>/void/", views.hazard_void, name="void"),
    path("<int:pk>/supervise/", views.hazard_supervise, name="supervise"),
    path("<int:pk>/progress/", views.hazard_progress, name="progress"),
    path("<int:pk>/lift/", views.hazard_lift, name="lift"),
]
