from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helpdesk.admin_scoping import TenantScopedAdmin, admin_tenant_ids, is_platform_admin
from helpdesk.models import Announcement, Membership, Role, Tenant, TenantDomain, User

admin.site.site_header = _("Регламент — администрирование")
admin.site.site_title = _("Регламент")
admin.site.index_title = _("Настройки службы поддержки")


class TenantDomainInline(admin.TabularInline):
    model = TenantDomain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Superusers manage tenants; a tenant admin may view and adjust their own tenant's settings."""

    list_display = ["name", "slug", "ticket_prefix", "is_active"]
    search_fields = ["name", "slug"]
    inlines = [TenantDomainInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "ticket_prefix", "brand_color", "is_active"]}),
        (
            _("Правила"),
            {
                "fields": [
                    "accept_unknown_senders",
                    "closed_reply_policy",
                    "reopen_window_days",
                    "time_accounting_minimum_minutes",
                    "client_visibility",
                    "clients_choose_priority",
                ]
            },
        ),
        (_("Портал клиента"), {"fields": ["portal_required_contact_fields"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        qs = super().get_queryset(request)
        return qs if is_platform_admin(request) else qs.filter(pk__in=admin_tenant_ids(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if is_platform_admin(request) else ["slug", "ticket_prefix", "is_active"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if is_platform_admin(request) else []

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or bool(admin_tenant_ids(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return True
        return bool(admin_tenant_ids(request)) and (obj is None or obj.pk in admin_tenant_ids(request))

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        from django.http import Http404

        if self.get_object(request, admin.utils.unquote(object_id)) is None:
            raise Http404("Not found")
        return super().change_view(request, object_id, form_url, extra_context)


class MembershipForm(forms.ModelForm):
    """Staff are added by e-mail: an existing login is reused, a new one is created without a password
    (the person sets it through "forgot password" or signs in by a one-time link)."""

    email = forms.EmailField(label=_("E-mail сотрудника"))
    full_name = forms.CharField(label=_("ФИО"), required=False, max_length=200)

    class Meta:
        model = Membership
        fields = ["email", "full_name", "role"]

    tenant_ids: list[int] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["email"].disabled = True
            self.fields["full_name"].initial = self.instance.user.full_name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email = (cleaned.get("email") or "").lower()
        tenant = cleaned.get("tenant")
        tenant_id = tenant.pk if tenant else (self.instance.tenant_id or (self.tenant_ids[:1] or [None])[0])
        duplicate = Membership.objects.filter(tenant_id=tenant_id, user__email__iexact=email)
        if email and not self.instance.pk and duplicate.exists():
            self.add_error("email", _("Этот сотрудник уже добавлен."))
        return cleaned

    def save(self, commit: bool = True) -> Membership:
        membership = super().save(commit=False)
        if not membership.pk:
            email = self.cleaned_data["email"].lower()
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email, None, full_name=self.cleaned_data.get("full_name", ""))
            membership.user = user
        user = membership.user
        if self.cleaned_data.get("full_name") and user.full_name != self.cleaned_data["full_name"]:
            user.full_name = self.cleaned_data["full_name"]
            user.save(update_fields=["full_name"])
        if membership.role == Role.ADMIN and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if commit:
            membership.save()
        return membership


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.tenant_ids = admin_tenant_ids(request)
        return form_class

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["email", "full_name", "role"]
        return ["tenant", *fields] if is_platform_admin(request) else fields


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users are global (one login may serve several tenants): platform superusers only."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Профиль"), {"fields": ["full_name"]}),
        (_("Права"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Даты"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Announcement)
class AnnouncementAdmin(TenantScopedAdmin):
    """Tenant admins publish planned works and outages; the portal shows them while current."""

    list_display = ["title", "starts_at", "ends_at"]
    search_fields = ["title", "body"]
    date_hierarchy = "starts_at"
