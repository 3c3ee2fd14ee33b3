"""The new-ticket form: per-tenant fields, generic subjects, attachment policy, nothing lost on errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import CategoryFactory, make_ticket
from tickets.models import Contact, CustomField, Priority, Ticket

pytestmark = pytest.mark.django_db

NEW = "/t/alpha/tickets/new/"


def _post(browser, **data):
    payload = {
        "subject": "Не выгружается отчёт по продажам за март",
        "description": "Ошибка 500 при выгрузке",
    }
    payload.update(data)
    return browser.post(NEW, payload)


def test_minimal_ticket_is_created_through_the_service(as_client, world_a):
    response = _post(as_client)
    ticket = Ticket.objects.for_tenant(world_a.tenant).latest("pk")
    assert response.status_code == 302
    assert response.url == f"/t/alpha/tickets/{ticket.display_number}/"
    assert ticket.requester == world_a.client
    assert ticket.channel == "portal"
    assert ticket.messages.get().body_text == "Ошибка 500 при выгрузке"
    assert ticket.events.filter(action="created").exists()
    follow = as_client.get(response.url).content.decode()
    assert f"Заявка {ticket.display_number} зарегистрирована" in follow


@pytest.mark.parametrize(
    "subject",
    ["Помогите", "ПОМОГИТЕ!!!", "вопрос?", "Проблема.", "нет темы", "Help", "Срочно!", "?", "", "  ", "сбой"],
)
def test_generic_subjects_are_refused(as_client, world_a, subject):
    response = _post(
        as_client, subject=subject, description="Очень подробное описание, которое нельзя потерять"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert not Ticket.objects.for_tenant(world_a.tenant).filter(subject=subject.strip()).exists()
    if subject.strip():
        assert "конкретно" in html
    assert "Очень подробное описание, которое нельзя потерять" in html


def test_required_custom_fields_per_tenant(as_client, world_a, world_b):
    CustomField.objects.create(tenant=world_a.tenant, key="product", label="Продукт", required=True)
    CustomField.objects.create(
        tenant=world_a.tenant, key="version", label="Версия", field_type="choice", choices="5.1\n5.2"
    )
    response = _post(as_client, cf_version="5.2")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Продукт" in html and "Обязательное поле" in html
    assert '<option value="5.2" selected>' in html  # the choice is kept
    response = _post(as_client, cf_product="Middleware", cf_version="5.2")
    assert response.status_code == 302
    ticket = Ticket.objects.for_tenant(world_a.tenant).latest("pk")
    assert ticket.custom_fields["product"] == "Middleware"
    assert ticket.custom_fields["version"] == "5.2"
    # Another tenant's form does not ask for alpha's fields.
    from django.test import Client

    browser = Client()
    browser.force_login(world_b.client.user)
    assert "Продукт" not in browser.get("/t/beta/tickets/new/").content.decode()


def test_required_contact_fields_from_tenant_setting(as_client, world_a):
    world_a.tenant.portal_required_contact_fields = "organization, full_name, position, phone"
    world_a.tenant.save()
    world_a.client.phone = ""
    world_a.client.position = ""
    world_a.client.save()
    response = _post(as_client, contact_organization="ООО Ромашка", contact_full_name="Иван Петров")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Обязательное поле") == 2  # position and phone
    assert 'value="ООО Ромашка"' in html
    response = _post(
        as_client,
        contact_organization="ООО Ромашка",
        contact_full_name="Иван Петров",
        contact_position="Админ",
        contact_phone="+7 900 000-00-00",
    )
    assert response.status_code == 302
    ticket = Ticket.objects.for_tenant(world_a.tenant).latest("pk")
    assert ticket.custom_fields["_contact"]["organization"] == "ООО Ромашка"
    contact = Contact.objects.get(pk=world_a.client.pk)
    assert (contact.position, contact.phone) == ("Админ", "+7 900 000-00-00")


def test_priority_only_when_tenant_lets_clients_choose(as_client, world_a):
    assert 'name="priority"' in as_client.get(NEW).content.decode()
    _post(as_client, priority=Priority.CRITICAL)
    assert Ticket.objects.for_tenant(world_a.tenant).latest("pk").priority == Priority.CRITICAL
    world_a.tenant.clients_choose_priority = False
    world_a.tenant.save()
    assert 'name="priority"' not in as_client.get(NEW).content.decode()
    _post(as_client, subject="Не печатается накладная на складе", priority=Priority.CRITICAL)
    assert Ticket.objects.for_tenant(world_a.tenant).latest("pk").priority == Priority.NORMAL


def test_category_priority_overrides_the_clients_choice(as_client, world_a, world_b):
    category = CategoryFactory(tenant=world_a.tenant, name="Организаторам", default_priority=Priority.HIGH)
    CategoryFactory(tenant=world_a.tenant, name="Архивная", is_active=False)
    foreign = CategoryFactory(tenant=world_b.tenant, name="Чужая категория")
    html = as_client.get(NEW).content.decode()
    assert "Организаторам" in html and "Архивная" not in html and "Чужая категория" not in html
    _post(as_client, category=category.pk, priority=Priority.LOW)
    ticket = Ticket.objects.for_tenant(world_a.tenant).latest("pk")
    assert (ticket.category, ticket.priority) == (category, Priority.HIGH)
    response = _post(as_client, subject="Чужая категория не пройдёт", category=foreign.pk)
    assert response.status_code == 200


def test_attachments_under_the_tenant_policy(as_client, world_a):
    world_a.tenant.allowed_attachment_extensions = "jpg, gif, png, zip, rar"
    world_a.tenant.max_attachment_mb = 1
    world_a.tenant.save()
    bmp = SimpleUploadedFile("screen.bmp", b"BM" + b"0" * 10, content_type="image/bmp")
    big = SimpleUploadedFile("huge.png", b"0" * (1024 * 1024 + 1), content_type="image/png")
    response = _post(as_client, attachments=[bmp, big], description="Текст сохраняется")
    assert response.status_code == 200
    html = response.content.decode()
    assert "screen.bmp" in html and "тип .bmp не разрешён" in html
    assert "huge.png" in html and "больше 1 МБ" in html
    assert "Текст сохраняется" in html
    assert "приложить заново" in html
    png = SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    response = _post(as_client, attachments=[png])
    assert response.status_code == 302
    ticket = Ticket.objects.for_tenant(world_a.tenant).latest("pk")
    assert ticket.attachments.get().filename == "screen.png"


def test_similar_open_tickets_are_shown_before_creating(as_client, world_a):
    make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Не выгружается отчёт по продажам")
    before = Ticket.objects.count()
    response = _post(as_client, subject="Отчёт по продажам не выгружается")
    assert response.status_code == 200
    html = response.content.decode()
    assert "уже есть открытая заявка" in html and "AL-3" in html
    assert Ticket.objects.count() == before
    response = _post(as_client, subject="Отчёт по продажам не выгружается", not_duplicate="on")
    assert response.status_code == 302
    assert Ticket.objects.count() == before + 1


def test_similar_hint_endpoint(as_client, world_a):
    make_ticket(
        tenant=world_a.tenant, requester=world_a.client, subject="Пропадает HLS-поток на канале Спорт"
    )
    html = as_client.get("/t/alpha/tickets/new/similar/", {"subject": "поток HLS пропадает"}).content.decode()
    assert "AL-3" in html
    html = as_client.get("/t/alpha/tickets/new/similar/", {"subject": "принтер"}).content.decode()
    assert "AL-3" not in html


def test_colleagues_and_other_clients_tickets_are_not_offered_as_duplicates(as_other_org_client, world_a):
    html = as_other_org_client.get(
        "/t/alpha/tickets/new/similar/", {"subject": world_a.ticket.subject}
    ).content.decode()
    assert world_a.ticket.display_number not in html
