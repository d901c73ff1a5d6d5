"""Open311 GeoReport v2 (CONTRACTS.md §5), mounted at /open311/v2/; every path ends in .json or .xml."""

from django.urls import path

from anjian.tipoffs.views import open311

app_name = "open311"
urlpatterns = [
    path("services.<str:fmt>", open311.guard_format(open311.services_list), name="services"),
    path("services/<slug:code>.<str:fmt>", open311.guard_format(open311.service_definition), name="service"),
    path("requests.<str:fmt>", open311.guard_format(open311.requests_endpoint), name="requests"),
    path("requests/<str:request_id>.<str:fmt>", open311.guard_format(open311.request_detail), name="request"),
]
