"""Pages of monitoring: the live alarm board, alarms, devices, rules, ingest health."""

from django.urls import path

from anjian.monitoring.views import board, devices, health, rules

app_name = "monitoring"
urlpatterns = [
    path("", board.board, name="board"),
    path("board/feed/", board.board_feed, name="board_feed"),
    path("board/stream/", board.board_stream, name="board_stream"),
    path("alarms/", board.alarm_list, name="alarms"),
    path("alarms/<int:pk>/", board.alarm_detail, name="alarm_detail"),
    path("alarms/<int:pk>/acknowledge/", board.alarm_acknowledge, name="alarm_acknowledge"),
    path("alarms/<int:pk>/close/", board.alarm_close, name="alarm_close"),
    path("alarms/<int:pk>/hazard/", board.alarm_to_hazard, name="alarm_to_hazard"),
    path("devices/", devices.device_list, name="devices"),
    path("devices/new/", devices.device_create, name="device_create"),
    path("devices/import/", devices.device_import, name="device_import"),
    path("devices/import/template/", devices.import_template, name="device_import_template"),
    path("devices/credentials/", devices.credentials, name="credentials"),
    path("devices/<int:pk>/", devices.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", devices.device_edit, name="device_edit"),
    path("devices/<int:pk>/decommission/", devices.device_decommission, name="device_decommission"),
    path("devices/<int:pk>/credentials/", devices.device_credentials, name="device_credentials"),
    path("devices/<int:pk>/readings/", devices.device_readings, name="device_readings"),
    path("rules/", rules.rule_packs, name="rules"),
    path("rules/overrides/new/", rules.override_create, name="override_create"),
    path("rules/overrides/<int:pk>/void/", rules.override_void, name="override_void"),
    path("health/", health.ingest_health, name="health"),
]
