"""URLs of one tenant, served under ``/t/<slug>/`` or at ``/`` on the tenant's own host."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from helpdesk import views

tenant_patterns = (
    [
        path("", views.tenant_home, name="home"),
        path("login/", views.TenantLoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(next_page="tenant:home"), name="logout"),
        path("login/link/", views.magic_link_request, name="magic_link_request"),
        path("login/link/sent/", views.magic_link_sent, name="magic_link_sent"),
        path("login/link/<str:token>/", views.magic_link_consume, name="magic_link"),
        path("password/reset/", views.TenantPasswordResetView.as_view(), name="password_reset"),
        path(
            "password/reset/sent/",
            auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
            name="password_reset_done",
        ),
        path(
            "password/reset/<uidb64>/<token>/",
            views.TenantPasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(
                template_name="registration/password_reset_complete.html"
            ),
            name="password_reset_complete",
        ),
    ],
    "tenant",
)

urlpatterns = [
    path("", include(tenant_patterns)),
    path("tickets/", include("tickets.urls.portal")),
    path("kb/", include("kb.urls.portal")),
    path("agent/kb/", include("kb.urls.agent")),
    path("agent/", include("tickets.urls.agent")),
    path("sla-report/", include("tickets.urls.client_reports")),
    path("healthz/", views.healthz),
    path("i18n/", include("django.conf.urls.i18n")),
]
