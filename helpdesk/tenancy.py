"""Tenancy helpers: the queryset every tenant-owned model uses and the role checks views rely on.

Layers (STYLE.md): the middleware sets ``request.tenant``; models expose ``for_tenant``; objects named
in a URL come through selectors that 404 for "missing" and "not yours" alike; views use the mixins
in ``helpdesk.permissions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from helpdesk.models import Membership, Tenant

_M = TypeVar("_M", bound=models.Model)


class TenantQuerySet(models.QuerySet[_M]):
    """Base queryset of tenant-owned models. The default manager stays unfiltered."""

    def for_tenant(self, tenant: Tenant | int) -> TenantQuerySet[_M]:
        tenant_id = tenant if isinstance(tenant, int) else tenant.pk
        return self.filter(tenant_id=tenant_id)


class TenantOwned(models.Model):
    """Abstract base: a row that belongs to exactly one tenant."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="арендатор",
    )

    objects: Any = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def membership_for(user: Any, tenant: Tenant | None) -> Membership | None:
    """The user's staff membership in this tenant, cached on the user object for the request."""
    if tenant is None or not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, Membership | None] = user.__dict__.setdefault("_membership_cache", {})
    if tenant.pk not in cache:
        from helpdesk.models import Membership

        cache[tenant.pk] = Membership.objects.filter(tenant=tenant, user=user).first()
    return cache[tenant.pk]


def is_agent(user: Any, tenant: Tenant | None) -> bool:
    return membership_for(user, tenant) is not None


def is_lead(user: Any, tenant: Tenant | None) -> bool:
    membership = membership_for(user, tenant)
    return membership is not None and membership.is_lead


def is_tenant_admin(user: Any, tenant: Tenant | None) -> bool:
    membership = membership_for(user, tenant)
    return membership is not None and membership.is_admin


def tenant_absolute_url(tenant: Tenant, viewname: str, **kwargs: Any) -> str:
    """An absolute URL into a tenant's pages for mail and tasks (no request at hand)."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse(viewname, urlconf=settings.TENANT_URLCONF, kwargs=kwargs or None)
    domain = tenant.domains.order_by("pk").first()
    if domain is not None:
        scheme = "http" if settings.DEBUG else "https"
        return f"{scheme}://{domain.host}{path}"
    return f"{settings.SITE_URL}/t/{tenant.slug}{path}"
