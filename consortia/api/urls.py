from rest_framework.routers import DefaultRouter

from consortia.api.views import ConsortiumViewSet, OrganizationViewSet, PartnershipViewSet

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("consortia", ConsortiumViewSet, basename="consortium")
router.register("partnerships", PartnershipViewSet, basename="partnership")
urlpatterns = router.urls
