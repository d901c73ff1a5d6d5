"""Pages of the risk register (风险管控)."""

from django.urls import path

from anjian.risks.views import levels, maps, points, priority

app_name = "risks"
urlpatterns = [
    path("", points.point_list, name="points"),
    path("points/new/", points.point_create, name="point_create"),
    path("points/<int:pk>/", points.point_detail, name="point"),
    path("points/<int:pk>/edit/", points.point_edit, name="point_edit"),
    path("points/<int:pk>/reassess/", points.point_reassess, name="point_reassess"),
    path("points/<int:pk>/void/", points.point_void, name="point_void"),
    path("enterprises/<int:ent_pk>/", levels.enterprise_register, name="enterprise"),
    path(
        "enterprises/<int:ent_pk>/points/new/", points.enterprise_point_create, name="enterprise_point_create"
    ),
    path("enterprises/<int:ent_pk>/templates/", levels.enterprise_templates, name="enterprise_templates"),
    path("enterprises/<int:ent_pk>/override/", levels.enterprise_override, name="enterprise_override"),
    path(
        "enterprises/<int:ent_pk>/override/clear/",
        levels.enterprise_clear_override,
        name="enterprise_clear_override",
    ),
    path("enterprises/<int:ent_pk>/board/", levels.enterprise_board, name="board"),
    path("levels/", levels.levels_overview, name="levels"),
    path("map/", maps.risk_map, name="map"),
    path("map/data/", maps.map_data, name="map_data"),
    path("priority/", priority.priority_list, name="priority"),
    path("backtest/", priority.backtest_page, name="backtest"),
    path("settings/", priority.settings_page, name="settings"),
    path("settings/bands/<int:pk>/", priority.band_edit, name="band_edit"),
    path("settings/weights/<int:pk>/", priority.weight_edit, name="weight_edit"),
    path("templates/", priority.template_library, name="templates"),
]
