"""Domain writes the mailgate needs beyond the core services: contacts for unknown senders."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from helpdesk.models import Tenant
from tickets import search_index
from tickets.models import Contact, Organization


def organization_for_domain(*, tenant: Tenant, domain: str) -> Organization | None:
    """The client organisation whose ``email_domains`` lists this domain (exact match, not substring)."""
    domain = domain.lower().strip()
    if not domain:
        return None
    for organization in Organization.objects.for_tenant(tenant).filter(email_domains__icontains=domain):
        if domain in organization.domain_list():
            return organization
    return None


def contact_get_or_create_for_email(
    *, tenant: Tenant, email: str, full_name: str = ""
) -> tuple[Contact, bool]:
    """The tenant's contact for this address; a new one joins the organisation owning its domain."""
    email = email.strip().lower()
    existing = Contact.objects.for_tenant(tenant).filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    organization = organization_for_domain(tenant=tenant, domain=email.rsplit("@", 1)[-1])
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                tenant=tenant, email=email, full_name=full_name[:200], organization=organization
            )
    except IntegrityError:
        # Two messages from the same new sender at once: the other one created it.
        return Contact.objects.for_tenant(tenant).get(email__iexact=email), False
    search_index.index_contact(contact, created=True)
    return contact, True
