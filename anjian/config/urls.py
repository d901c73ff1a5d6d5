"""Top-level URLs: pages by capability, the REST API under /api/v1/, its schema and docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from anjian.core import dashboard
from anjian.core import views as core_views
from anjian.org.auth import ThrottledAuthenticationForm

urlpatterns = [
    path("", dashboard.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(extra_context={"page_title": "修改密码"}),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(extra_context={"page_title": "修改密码"}),
        name="password_change_done",
    ),
    path("files/<uuid:uuid>/", core_views.attachment_file, name="attachment"),
    path("audit/", core_views.audit_log, name="audit"),
    path("inbox/", include("anjian.notifications.urls")),
    path("org/", include("anjian.org.urls")),
    path("enterprises/", include("anjian.enterprises.urls")),
    path("inspections/", include("anjian.inspections.urls")),
    path("hazards/", include("anjian.hazards.urls")),
    path("monitoring/", include("anjian.monitoring.urls")),
    path("risks/", include("anjian.risks.urls")),
    path("tipoffs/", include("anjian.tipoffs.urls")),
    path("report/", include("anjian.tipoffs.public_urls")),
    path("open311/v2/", include("anjian.tipoffs.open311_urls")),
    path("api/v1/", include("anjian.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
]

handler404 = "anjian.core.views.not_found"
handler500 = "anjian.core.views.server_error"
handler403 = "anjian.core.views.forbidden"
