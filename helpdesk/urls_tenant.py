"""URLs of one tenant, served under ``/t/<slug>/`` or at ``/`` on the tenant's own host."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from helpdesk import views

tenant_patterns = (
    [
        path("", views.tenant_home, name="home"),
        path("login/", views.TenantLoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(next_page="tenant:home"), name="logout"),
    ],
    "tenant",
)

urlpatterns = [
    path("", include(tenant_patterns)),
    path("tickets/", include("tickets.urls.portal")),
    path("agent/", include("tickets.urls.agent")),
    path("healthz/", views.healthz),
    path("i18n/", include("django.conf.urls.i18n")),
]
