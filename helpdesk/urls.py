"""Platform URLs. Tenant pages are routed by ``TenantMiddleware`` to ``helpdesk.urls_tenant``."""

from django.contrib import admin
from django.urls import include, path

from helpdesk import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Mailgate: ESP inbound webhooks (e.g. /mail/anymail/mailgun/inbound_mime/), verified by anymail.
    path("mail/anymail/", include("anymail.urls")),
]
