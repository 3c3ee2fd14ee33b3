"""Portal fixtures: the three roles of the access tests and a few helpers."""

from __future__ import annotations

import pytest
from django.test import Client

from tickets import services
from tickets.statuses import Status


@pytest.fixture
def as_client(world_a) -> Client:
    """The client of alpha's first organisation, signed in."""
    browser = Client()
    browser.force_login(world_a.client.user)
    return browser


@pytest.fixture
def as_other_org_client(world_a) -> Client:
    """A client of the same tenant in another organisation."""
    browser = Client()
    browser.force_login(world_a.other_client.user)
    return browser


@pytest.fixture
def as_foreign_client(world_a, world_b) -> Client:
    """A client of another tenant."""
    browser = Client()
    browser.force_login(world_b.client.user)
    return browser


def resolve(ticket, agent):
    services.ticket_reply(ticket=ticket, actor=agent, body_text="Исправили, проверьте, пожалуйста.")
    services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    ticket.refresh_from_db()
    return ticket
