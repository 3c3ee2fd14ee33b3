"""Platform URLs. Tenant pages are routed by ``TenantMiddleware`` to ``helpdesk.urls_tenant``."""

from django.contrib import admin
from django.urls import include, path

from helpdesk import views
from monitoring import metrics_view
from monitoring import views as monitoring_views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", monitoring_views.readyz, name="readyz"),
    path("metrics", metrics_view.metrics, name="metrics"),
    path("monitoring/health.json", monitoring_views.health_json, name="health_json"),
    path("admin/monitoring/", monitoring_views.overview, name="monitoring"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Mailgate: ESP inbound webhooks (e.g. /mail/anymail/mailgun/inbound_mime/), verified by anymail.
    path("mail/anymail/", include("anymail.urls")),
]
