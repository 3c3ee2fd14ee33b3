"""Ticket numbers are allocated per tenant without gaps or duplicates, even under concurrency."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from tests.factories import TenantFactory, make_ticket
from tickets.models import Ticket


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creations_get_twenty_consecutive_numbers():
    tenant = TenantFactory(slug="busy", ticket_prefix="BZ")

    def create(i: int) -> str:
        try:
            return make_ticket(tenant=tenant, subject=f"Параллельная заявка {i}").display_number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(create, range(20)))

    assert sorted(numbers, key=lambda n: int(n.split("-")[1])) == [f"BZ-{n}" for n in range(1, 21)]
    assert Ticket.objects.filter(tenant=tenant).count() == 20


@pytest.mark.django_db
def test_numbers_continue_per_tenant_independently():
    first, second = TenantFactory(ticket_prefix="AA"), TenantFactory(ticket_prefix="BB")
    assert [make_ticket(tenant=first).number for _ in range(3)] == [1, 2, 3]
    assert make_ticket(tenant=second).display_number == "BB-1"
