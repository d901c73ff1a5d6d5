from rest_framework.routers import DefaultRouter

from anjian.enterprises.api import views
from anjian.enterprises.api.imports import ImportJobViewSet

router = DefaultRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("licences", views.LicenceViewSet, basename="licence")
router.register("key-categories", views.KeyCategoryViewSet, basename="key-category")
router.register("parks", views.ParkViewSet, basename="park")
router.register(
    "enterprise-imports", ImportJobViewSet, basename="enterprise-import"
)  # Excel import (imports.py)
urlpatterns = router.urls
