"""Client contacts: portal access."""

from __future__ import annotations

from django.db import transaction

from helpdesk.models import User
from tickets.models import Contact


@transaction.atomic
def contact_ensure_user(*, contact: Contact) -> User:
    """Give a contact a portal login (their e-mail, no password yet: they sign in by a one-time link or
    set a password through "forgot password"). An existing login with that e-mail is reused."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.user_id is not None:
        return contact.user
    user = User.objects.filter(email__iexact=contact.email).first()
    if user is None:
        user = User.objects.create_user(contact.email, None, full_name=contact.full_name)
    contact.user = user
    contact.save(update_fields=["user"])
    return user
