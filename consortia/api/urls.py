from rest_framework.routers import DefaultRouter

from consortia.api.views import ConsortiumViewSet, OrganizationViewSet

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("consortia", ConsortiumViewSet, basename="consortium")
urlpatterns = router.urls
