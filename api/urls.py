"""``/api/v1/`` (the API), ``/api/schema/`` (OpenAPI 3) and ``/api/docs/`` (Swagger UI, vendored assets)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api.problems import not_found
from api.views.directory import ContactViewSet, OrganizationViewSet
from api.views.tickets import TicketViewSet

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = [
    path("v1/", include((router.urls, "api-v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^.*$", not_found),
]
