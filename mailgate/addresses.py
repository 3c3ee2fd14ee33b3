"""E-mail addresses as the mailgate stores and compares them, and as it hands them to a mail server. Pure.

Internationalised mail (RFC 6530–6532, SMTPUTF8) carries raw UTF-8 in headers: ``Пётр <пётр@почта.рф>``
is one address and ``иван@почта.рф`` another; both are stored exactly, in Unicode. An IDN domain may
arrive either way — ``почта.рф`` or its punycode ``xn--80a1acny.xn--p1ai`` — and is stored in Unicode,
so the two spellings are one contact. For sending, the domain becomes punycode (every server takes
that); a non-ASCII local part needs a server that speaks SMTPUTF8.
"""

from __future__ import annotations

import idna


class UnsendableAddress(ValueError):
    """The address has a non-ASCII local part and the server cannot take SMTPUTF8."""


def _unicode_domain(domain: str) -> str:
    domain = domain.strip().rstrip(".").lower()
    if any(label.startswith("xn--") for label in domain.split(".")):
        try:
            return idna.decode(domain)
        except (idna.IDNAError, UnicodeError):
            return domain
    return domain


def normalize(address: str) -> str:
    """The stored form: lower-cased, the domain in Unicode. ``""`` stays ``""``."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at:
        return address.strip().lower()
    return f"{local.lower()}@{_unicode_domain(domain)}"


def ascii_domain(address: str) -> str:
    """The address with its domain in punycode (the local part untouched)."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except (idna.IDNAError, UnicodeError):
        return address


def for_sending(address: str, *, smtputf8: bool = False) -> str:
    """What to put in the envelope and the To header for a server with or without SMTPUTF8."""
    converted = ascii_domain(address)
    if not smtputf8 and not converted.isascii():
        raise UnsendableAddress(f"{address}: a non-ASCII local part needs a server with SMTPUTF8")
    return converted
