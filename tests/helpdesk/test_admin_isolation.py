"""The Django admin is tenant-aware: a tenant admin sees, edits and creates only their own objects."""

import pytest
from django.contrib import admin
from django.urls import reverse

from helpdesk.admin_scoping import TenantScopedAdmin
from tests.admin_samples import fill_tenant
from tickets.models import Contact, Organization, Queue, Ticket

SCOPED_MODELS = [
    model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, TenantScopedAdmin)
]


@pytest.fixture
def two_tenants(world_a, world_b):
    fill_tenant(world_a)
    fill_tenant(world_b)
    return world_a, world_b


def _url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_every_scoped_model_has_objects_in_both_tenants(two_tenants):
    a, b = two_tenants
    for model in SCOPED_MODELS:
        for world in (a, b):
            assert model.objects.filter(tenant=world.tenant).exists(), (
                f"tests/admin_samples.py makes no {model.__name__}: add a maker for it"
            )


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_change_list_shows_only_own_objects(client, two_tenants, model):
    a, b = two_tenants
    client.force_login(a.admin)
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown, f"{model.__name__}: own objects are listed"
    assert {obj.tenant_id for obj in shown} == {a.tenant.pk}


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_foreign_change_urls_are_404_and_own_are_200(client, two_tenants, model):
    a, b = two_tenants
    client.force_login(a.admin)
    own = model.objects.filter(tenant=a.tenant).first()
    foreign = model.objects.filter(tenant=b.tenant).first()
    assert client.get(_url(model, "change", own.pk)).status_code == 200
    for action in ("change", "delete", "history"):
        assert client.get(_url(model, action, foreign.pk)).status_code == 404, action
    assert client.post(_url(model, "change", foreign.pk), {}).status_code == 404


def test_superuser_sees_all_tenants_with_a_filter(client, two_tenants, django_user_model):
    a, b = two_tenants
    root = django_user_model.objects.create_superuser("root@reglament.test", "x")
    client.force_login(root)
    response = client.get(_url(Ticket, "changelist"))
    assert {t.tenant_id for t in response.context["cl"].result_list} == {a.tenant.pk, b.tenant.pk}
    assert "tenant" in response.context["cl"].list_filter
    filtered = client.get(_url(Ticket, "changelist"), {"tenant__id__exact": b.tenant.pk})
    assert {t.tenant_id for t in filtered.context["cl"].result_list} == {b.tenant.pk}


def test_foreign_key_choices_exclude_other_tenants(client, two_tenants):
    a, b = two_tenants
    client.force_login(a.admin)
    form = client.get(_url(Contact, "add")).context["adminform"].form
    assert "tenant" not in form.fields
    assert set(form.fields["organization"].queryset) == set(Organization.objects.filter(tenant=a.tenant))
    queue_form = client.get(_url(Queue, "add")).context["adminform"].form
    agents = set(queue_form.fields["agents"].queryset)
    assert a.agent in agents and b.agent not in agents
    org_form = client.get(_url(Organization, "add")).context["adminform"].form
    assert {t.tenant_id for t in org_form.fields["sla_tier"].queryset} == {a.tenant.pk}


def test_created_objects_get_the_admins_tenant(client, two_tenants):
    a, b = two_tenants
    client.force_login(a.admin)
    response = client.post(
        _url(Organization, "add"), {"name": "ООО Новый клиент", "email_domains": "new.test"}
    )
    assert response.status_code == 302
    assert Organization.objects.get(name="ООО Новый клиент").tenant == a.tenant


def test_foreign_object_cannot_be_smuggled_through_a_choice(client, two_tenants):
    a, b = two_tenants
    client.force_login(a.admin)
    response = client.post(_url(Contact, "add"), {"email": "x@client.test", "organization": b.org.pk})
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not Contact.objects.filter(email="x@client.test").exists()


def test_per_tenant_unique_names_are_validated_not_crashing(client, two_tenants):
    a, b = two_tenants
    client.force_login(a.admin)
    response = client.post(_url(Organization, "add"), {"name": a.org.name})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    # The same name in another tenant is fine.
    assert client.post(_url(Organization, "add"), {"name": b.org.name}).status_code == 302


def test_agents_and_clients_cannot_use_the_admin(client, two_tenants):
    a, _ = two_tenants
    for user in (a.agent, a.client.user):
        client.force_login(user)
        assert client.get(_url(Ticket, "changelist")).status_code == 302  # to the admin login


def test_tenant_admin_sees_only_own_tenant_settings(client, two_tenants):
    a, b = two_tenants
    client.force_login(a.admin)
    from helpdesk.models import Tenant

    assert client.get(_url(Tenant, "change", a.tenant.pk)).status_code == 200
    assert client.get(_url(Tenant, "change", b.tenant.pk)).status_code == 404
    listed = client.get(_url(Tenant, "changelist")).context["cl"].result_list
    assert list(listed) == [a.tenant]


def test_tenant_admin_adds_staff_by_email(client, two_tenants):
    from helpdesk.models import Membership, User

    a, b = two_tenants
    client.force_login(a.admin)
    url = reverse("admin:helpdesk_membership_add")
    response = client.post(
        url, {"email": "New.Agent@Alpha.test", "full_name": "Новый Агент", "role": "agent"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.agent@alpha.test")
    assert membership.tenant == a.tenant and membership.user.full_name == "Новый Агент"
    assert not membership.user.has_usable_password()
    again = client.post(url, {"email": "new.agent@alpha.test", "role": "lead"})
    assert again.status_code == 200 and "email" in again.context["adminform"].form.errors
    # A person already working for another tenant keeps one login for both.
    client.post(url, {"email": b.agent.email, "role": "agent"})
    assert User.objects.filter(email=b.agent.email).count() == 1
    assert Membership.objects.filter(user=b.agent).count() == 2


def test_contact_login_choices_are_the_tenants_people_only(client, two_tenants):
    a, b = two_tenants
    client.force_login(a.admin)
    form = client.get(_url(Contact, "change", a.client.pk)).context["adminform"].form
    users = set(form.fields["user"].queryset)
    assert a.client.user in users and b.client.user not in users and b.agent not in users


def test_grant_portal_access_action_creates_a_login(client, two_tenants):
    a, _ = two_tenants
    contact = Contact.objects.create(tenant=a.tenant, email="no.login@alpha-client.test", organization=a.org)
    client.force_login(a.admin)
    client.post(
        _url(Contact, "changelist"), {"action": "grant_portal_access", "_selected_action": [contact.pk]}
    )
    contact.refresh_from_db()
    assert contact.user is not None and contact.user.email == "no.login@alpha-client.test"
