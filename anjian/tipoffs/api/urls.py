from rest_framework.routers import DefaultRouter

from anjian.tipoffs.api import views

router = DefaultRouter()
router.register("tipoffs", views.TipoffViewSet, basename="tipoff")
router.register("tip-categories", views.TipCategoryViewSet, basename="tip-category")
router.register("reward-rules", views.RewardRuleViewSet, basename="reward-rule")
urlpatterns = router.urls
