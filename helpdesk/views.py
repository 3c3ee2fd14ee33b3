"""Platform pages: health check, the landing page, and each tenant's sign-in and home."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from helpdesk.models import Tenant
from helpdesk.tenancy import is_agent
from tickets.selectors import contact_for_user


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the point of a health check is to report any failure
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def landing(request: HttpRequest) -> HttpResponse:
    tenants = Tenant.objects.filter(is_active=True).order_by("name")
    return render(request, "helpdesk/landing.html", {"tenants": tenants})


def user_belongs_to_tenant(user: Any, tenant: Tenant) -> bool:
    return is_agent(user, tenant) or contact_for_user(tenant=tenant, user=user) is not None


class TenantAuthenticationForm(AuthenticationForm):
    """Sign-in with e-mail and password, refused for people who are not of this tenant."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Неверный e-mail или пароль."),
        "wrong_tenant": _("У этой учётной записи нет доступа к порталу «%(tenant)s»."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        tenant = self.request.tenant  # type: ignore[union-attr]
        if not user_belongs_to_tenant(user, tenant):
            raise forms.ValidationError(
                self.error_messages["wrong_tenant"], code="wrong_tenant", params={"tenant": tenant.name}
            )


class TenantLoginView(auth_views.LoginView):
    form_class = TenantAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return "/" if self.request.tenant is None else self._home()  # type: ignore[attr-defined]

    def _home(self) -> str:
        from django.urls import reverse

        return reverse("tenant:home")


def tenant_home(request: HttpRequest) -> HttpResponse:
    """``/t/<slug>/``: the sign-in page for visitors; the right workspace for signed-in people."""
    tenant = request.tenant  # type: ignore[attr-defined]
    user = request.user
    if user.is_authenticated and user_belongs_to_tenant(user, tenant):
        if is_agent(user, tenant):
            return redirect("agent:home")
        return redirect("portal:ticket_list")
    form = TenantAuthenticationForm(request)
    return render(request, "registration/login.html", {"form": form, "foreign_login": user.is_authenticated})
