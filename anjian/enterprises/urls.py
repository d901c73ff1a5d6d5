"""Pages of the enterprise register (the Excel import/export routes are added beside these)."""

from django.urls import path

from anjian.enterprises import views, views_import

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("map/", views.enterprise_map, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("licences/expiring/", views.expiring, name="expiring"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/status/", views.enterprise_status, name="status"),
    path("<int:pk>/licences/new/", views.licence_add, name="licence_add"),
    path("<int:pk>/licences/<int:licence_pk>/edit/", views.licence_edit, name="licence_edit"),
    path("<int:pk>/licences/<int:licence_pk>/void/", views.licence_void, name="licence_void"),
    # Excel import / export / template (views_import.py) are registered below by their owner.
    path("import/", views_import.import_page, name="import"),
    path("import/<int:pk>/", views_import.import_status, name="import_status"),
    path("import/<int:pk>/errors/", views_import.import_errors, name="import_errors"),
    path("export/", views_import.export, name="export"),
    path("template/", views_import.template_download, name="template"),
]
