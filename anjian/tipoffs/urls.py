"""Office pages of the tip-off app, mounted at /tipoffs/."""

from django.urls import path

from anjian.tipoffs.views import manage, office

app_name = "tipoffs"
urlpatterns = [
    path("", office.tip_list, name="list"),
    path("map/", office.tip_map, name="map"),
    path("map/data/", office.map_data, name="map_data"),
    path("export/", office.export, name="export"),
    path("stats/", manage.stats, name="stats"),
    path("rules/", manage.rules, name="rules"),
    path("rules/new/", manage.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", manage.rule_edit, name="rule_edit"),
    path("partners/", manage.partners, name="partners"),
    path("partners/<int:pk>/deactivate/", manage.partner_deactivate, name="partner_deactivate"),
    path("<int:pk>/", office.tip_detail, name="detail"),
    path("<int:pk>/reveal/", office.reveal, name="reveal"),
    path("<int:pk>/act/<slug:action>/", office.tip_action, name="action"),
]
