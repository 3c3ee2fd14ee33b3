"""factory_boy factories shared by all test packages."""

from __future__ import annotations

from typing import Any

import factory

from helpdesk.models import Membership, Role, Tenant, User
from sla.models import SLATier
from tickets import services
from tickets.models import Category, Contact, Organization, Queue, Ticket

PASSWORD = "test-pass-123"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    ticket_prefix = factory.Sequence(lambda n: f"T{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="ru_RU")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


class SLATierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLATier

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Org {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"contact{n}@client.test")
    full_name = factory.Faker("name", locale="ru_RU")
    organization = factory.SubFactory(OrganizationFactory, tenant=factory.SelfAttribute("..tenant"))


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Queue {n}")
    slug = factory.Sequence(lambda n: f"queue{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


def make_ticket(*, tenant: Tenant, requester: Contact | None = None, **kwargs: Any) -> Ticket:
    """A ticket created the way the product creates them: through the service."""
    kwargs.setdefault("subject", "Не работает выгрузка отчёта")
    kwargs.setdefault("body_text", "Подробное описание проблемы.")
    return services.ticket_create(tenant=tenant, requester=requester, **kwargs)


def make_client(*, tenant: Tenant, organization: Organization | None = None, email: str | None = None) -> Contact:
    """A client contact with a portal login."""
    user = UserFactory(**({"email": email} if email else {}))
    organization = organization or OrganizationFactory(tenant=tenant)
    return ContactFactory(tenant=tenant, organization=organization, email=user.email, user=user)
