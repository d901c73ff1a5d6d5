"""Public pages (no login), mounted at /report/."""

from django.urls import path

from anjian.tipoffs.views import public

app_name = "report"
urlpatterns = [
    path("", public.report, name="form"),
    path("done/", public.done, name="done"),
    path("status/", public.status, name="status"),
]
