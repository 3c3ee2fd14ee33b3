"""Tenant-aware Django admin.

The platform superuser sees everything, with a tenant filter. A tenant admin (a staff user with an
admin membership) sees, edits and creates only the objects of their tenant(s): change lists are
filtered, a foreign object's change URL is a 404, foreign-key choices are limited to the tenant, and
the tenant is set automatically on save.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse

from helpdesk.models import Membership, Role, Tenant, User


def admin_tenant_ids(request: HttpRequest) -> list[int]:
    """Tenants whose objects this staff user administers (cached on the request)."""
    if not hasattr(request, "_admin_tenant_ids"):
        user = request.user
        request._admin_tenant_ids = (  # type: ignore[attr-defined]
            list(
                Membership.objects.filter(user=user, role=Role.ADMIN, tenant__is_active=True)
                .order_by("tenant_id")
                .values_list("tenant_id", flat=True)
            )
            if user.is_authenticated and user.is_active and user.is_staff
            else []
        )
    return request._admin_tenant_ids  # type: ignore[attr-defined]


def is_platform_admin(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def _tenant_field_path(model: type[models.Model]) -> str | None:
    """How a model reaches its tenant: ``tenant`` directly, or None when it is not tenant-owned."""
    try:
        field = model._meta.get_field("tenant")
    except Exception:
        return None
    return "tenant" if field.is_relation else None


class TenantScopedAdmin(admin.ModelAdmin):
    """Base ModelAdmin for every tenant-owned model."""

    #: Paths to fields whose related objects must stay inside the tenant are found automatically;
    #: models that point at users may name the user fields to limit to tenant members.
    tenant_member_user_fields: tuple[str, ...] = ()

    # --- permissions: tenant admins manage their tenant's objects without Django model perms
    def _is_tenant_admin(self, request: HttpRequest) -> bool:
        return bool(admin_tenant_ids(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or self._is_tenant_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request) or self._is_tenant_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def _allowed(self, request: HttpRequest, obj: Any) -> bool:
        if is_platform_admin(request):
            return True
        if not self._is_tenant_admin(request):
            return False
        return obj is None or obj.tenant_id in admin_tenant_ids(request)

    # --- scoping
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if is_platform_admin(request):
            return qs
        return qs.filter(tenant_id__in=admin_tenant_ids(request))

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if is_platform_admin(request) and "tenant" not in filters:
            filters.insert(0, "tenant")
        return filters

    def get_list_display(self, request: HttpRequest) -> Any:
        display = list(super().get_list_display(request))
        if is_platform_admin(request) and "tenant" not in display:
            display.append("tenant")
        return display

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if not is_platform_admin(request) and len(admin_tenant_ids(request)) == 1:
            exclude.append("tenant")
        return exclude

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        tenant_ids = admin_tenant_ids(request)
        if is_platform_admin(request) or len(tenant_ids) != 1:
            return form_class

        class TenantBoundForm(form_class):  # type: ignore[misc, valid-type]
            """Sets the tenant before validation so per-tenant unique constraints are checked."""

            def _post_clean(self) -> None:
                if not self.instance.tenant_id:
                    self.instance.tenant_id = tenant_ids[0]
                super()._post_clean()

            def _get_validation_exclusions(self) -> set[str]:
                return super()._get_validation_exclusions() - {"tenant"}

        return TenantBoundForm

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if "tenant" in (self.get_exclude(request, obj) or []) and "tenant" in fields:
            fields.remove("tenant")
        return fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._limit_choices(db_field, request, formfield)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._limit_choices(db_field, request, formfield)

    def _limit_choices(self, db_field: Any, request: HttpRequest, formfield: Any) -> Any:
        if formfield is None or is_platform_admin(request):
            return formfield
        tenant_ids = admin_tenant_ids(request)
        related = db_field.related_model
        if related is Tenant:
            formfield.queryset = formfield.queryset.filter(pk__in=tenant_ids)
        elif related is User:
            # Staff of the tenant, or client logins of the tenant's contacts: never other people.
            formfield.queryset = formfield.queryset.filter(
                Q(memberships__tenant_id__in=tenant_ids) | Q(contacts__tenant_id__in=tenant_ids)
            ).distinct()
        elif _tenant_field_path(related):
            formfield.queryset = formfield.queryset.filter(tenant_id__in=tenant_ids)
        return formfield

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if not is_platform_admin(request):
            tenant_ids = admin_tenant_ids(request)
            if not obj.tenant_id:
                obj.tenant_id = tenant_ids[0]
            elif obj.tenant_id not in tenant_ids:
                raise Http404("Not found")
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if hasattr(instance, "tenant_id") and not instance.tenant_id:
                instance.tenant_id = form.instance.tenant_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    # --- a foreign or missing object is a 404, never a redirect that confirms it exists
    def _object_or_404(self, request: HttpRequest, object_id: str | None) -> None:
        if object_id is not None and self.get_object(request, admin.utils.unquote(object_id)) is None:
            raise Http404("Not found")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        self._object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._object_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


class TenantScopedInline(admin.TabularInline):
    """Inline whose foreign-key choices stay inside the parent object's tenant."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request) or bool(admin_tenant_ids(request))

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request) or bool(admin_tenant_ids(request))

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*(super().get_exclude(request, obj) or []), "tenant"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if (
            formfield is not None
            and not is_platform_admin(request)
            and _tenant_field_path(db_field.related_model)
        ):
            formfield.queryset = formfield.queryset.filter(tenant_id__in=admin_tenant_ids(request))
        return formfield
