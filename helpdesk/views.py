"""Platform pages: health check, the landing page, and each tenant's sign-in and home."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from helpdesk.magic_links import MAGIC_LINK_MAX_AGE, magic_link_token, read_magic_link
from helpdesk.models import Tenant, User
from helpdesk.tenancy import is_agent
from tickets.models import Contact
from tickets.selectors import contact_for_user
from tickets.services.contacts import contact_ensure_user


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

    def clean(self) -> dict[str, Any]:
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            # The login is also passed under the name of USERNAME_FIELD ("email"): django-axes reads it
            # from there by default, and without it failures would be counted with no login at all.
            self.user_cache = authenticate(self.request, username=email, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

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


# --- One-time sign-in links -------------------------------------------------------------------
MAGIC_LINKS_PER_ADDRESS = 3
MAGIC_LINKS_PER_IP = 20
_MAGIC_LINK_WINDOW = 15 * 60


class MagicLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


def _over_limit(key: str, limit: int) -> bool:
    cache.add(key, 0, _MAGIC_LINK_WINDOW)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return False


def _magic_link_target(tenant: Tenant, email: str) -> tuple[User | None, Contact | None]:
    """Who may sign in to this tenant with this address: a user of the tenant, or a contact without login."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None and user_belongs_to_tenant(user, tenant):
        return user, None
    contact = Contact.objects.for_tenant(tenant).filter(email__iexact=email, user__isnull=True).first()
    return None, contact


@csrf_protect
def magic_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link by mail. The answer is the same whether the address is known or not."""
    tenant = request.tenant  # type: ignore[attr-defined]
    form = MagicLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = request.META.get("REMOTE_ADDR", "")
        limited = _over_limit(f"magic:{tenant.pk}:{email}", MAGIC_LINKS_PER_ADDRESS) or _over_limit(
            f"magic-ip:{ip}", MAGIC_LINKS_PER_IP
        )
        user, contact = (None, None) if limited else _magic_link_target(tenant, email)
        if user is not None or contact is not None:
            token = magic_link_token(tenant=tenant, user=user, contact=contact)
            context = {
                "tenant": tenant,
                "link": request.build_absolute_uri(reverse("tenant:magic_link", kwargs={"token": token})),
                "minutes": int(MAGIC_LINK_MAX_AGE.total_seconds() // 60),
            }
            subject = render_to_string("registration/magic_link_subject.txt", context).strip()
            body = render_to_string("registration/magic_link_email.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        return redirect("tenant:magic_link_sent")
    return render(request, "registration/magic_link_request.html", {"form": form})


def magic_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/magic_link_sent.html")


@csrf_protect
@never_cache
def magic_link_consume(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: mail scanners that prefetch links must not use them up."""
    tenant = request.tenant  # type: ignore[attr-defined]
    claim = read_magic_link(token, tenant=tenant)
    if claim is None:
        return render(request, "registration/magic_link_invalid.html", status=400)
    if request.method != "POST":
        return render(request, "registration/magic_link_confirm.html", {"token": token})
    user = claim.user if claim.user is not None else contact_ensure_user(contact=claim.contact)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("tenant:home")


# --- Password reset, scoped to the tenant -------------------------------------------------------
class TenantPasswordResetForm(PasswordResetForm):
    """Sends the reset mail only to people of this tenant; the link leads back to its portal."""

    tenant: Tenant | None = None

    def get_users(self, email: str) -> Any:
        # Unlike Django's form, people without a password (signed up by a one-time link) may set one:
        # the mail proves the address just as the link did.
        if self.tenant is None:
            return iter(())
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (user for user in users if user_belongs_to_tenant(user, self.tenant))


class TenantPasswordResetView(auth_views.PasswordResetView):
    form_class = TenantPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("tenant:password_reset_done")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        form.tenant = self.request.tenant  # type: ignore[attr-defined]
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "tenant": self.request.tenant}  # type: ignore[attr-defined]

    def form_valid(self, form: Any) -> HttpResponse:
        tenant = self.request.tenant  # type: ignore[attr-defined]
        email = form.cleaned_data["email"].lower()
        ip = self.request.META.get("REMOTE_ADDR", "")
        if _over_limit(f"reset:{tenant.pk}:{email}", MAGIC_LINKS_PER_ADDRESS) or _over_limit(
            f"reset-ip:{ip}", MAGIC_LINKS_PER_IP
        ):
            # Same answer as a sent mail: the limit must not tell whether the address exists.
            return redirect(self.get_success_url())
        self.extra_email_context = {"tenant": tenant}
        return super().form_valid(form)


class TenantPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("tenant:password_reset_complete")
