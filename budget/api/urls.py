from rest_framework.routers import DefaultRouter

from budget.api import views

router = DefaultRouter()
router.register("budget-lines", views.BudgetLineViewSet, basename="budget-line")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("executions", views.ExecutionViewSet, basename="execution")
router.register("gpu-usage", views.GpuUsageViewSet, basename="gpu-usage")
urlpatterns = router.urls
