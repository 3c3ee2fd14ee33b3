"""May Reglament open a connection to this host and port? The one check for every outbound connection
whose destination a tenant (not the platform operator) chooses.

Callers: the IMAP mailboxes (``mailgate``), the outbound webhooks (``data``) and the admin's
"проверить подключение" action (``ops``). Without this check a tenant admin could point such a
connection at ``127.0.0.1:6379`` or ``10.0.0.5:22`` and read the answers back: a port scan of the
platform's internal network with the platform's own credentials and position.

How to use it:

- When a tenant saves a destination (a form's ``clean``): ``check_target(host, port)``. On
  ``TargetRefused`` show ``exc.user_message`` (generic Russian text) to the tenant; ``str(exc)`` is
  the detail (which address, why) for logs and the platform superuser only.
- Again right before connecting (DNS may have changed since the save): ``check_target(host, port)``.
- After the TCP connection is up and *before* sending anything (credentials, a request body) or
  reading a banner back to the tenant: ``check_peer(sock.getpeername())``. This closes the window in
  which a name re-resolves between the check and the connect (DNS rebinding) without connecting to
  a bare IP address, which would break TLS host-name verification. HTTP clients that hide the
  socket may instead connect to one of the addresses ``check_target`` returned.
- ``check_url(url)`` is ``check_target`` for an ``http(s)://`` URL (the port from the URL or the scheme).

Allowed: only *global* unicast addresses. Refused: loopback, private (RFC 1918), shared address
space / CGNAT (100.64.0.0/10), link-local (169.254.0.0/16, fe80::/10), unique local IPv6
(fc00::/7), multicast, reserved, unspecified, documentation and benchmarking ranges, site-local,
the IPv4 broadcast, and IPv6 forms that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
6to4, NAT64) whenever the embedded IPv4 address is refused; Teredo (2001::/32) always. A name that resolves to several
addresses is refused if *any* of them is refused (a client library may pick any of them).

The platform setting ``NETWORK_TARGETS_ALLOWED_NETWORKS`` (a list of CIDR networks, environment
variable of the same name, comma-separated; default empty) lets an operator allow chosen internal
networks, e.g. an on-premises IMAP server at ``10.20.0.0/24`` or the tests' Dovecot on 127.0.0.1.
Nothing else changes the decision: the check has no tenant input besides host and port.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"),)
_ALWAYS_REFUSED = (
    ipaddress.IPv4Network("0.0.0.0/8"),  # "this network"
    ipaddress.IPv4Network("100.64.0.0/10"),  # shared address space (CGNAT)
    ipaddress.IPv4Network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.IPv4Network("198.18.0.0/15"),  # benchmarking
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64
    ipaddress.IPv6Network("100::/64"),  # discard-only
    ipaddress.IPv6Network("2001::/23"),  # IETF protocol assignments (Teredo 2001::/32 among them)
    ipaddress.IPv6Network("2001:db8::/32"),  # documentation
)


class TargetRefused(Exception):
    """Connecting there is not allowed. ``str(exc)`` is the detail for logs and the platform superuser;
    ``user_message`` is what a tenant sees (it says no more than "not allowed")."""

    user_message = _(
        "Подключиться к этому серверу нельзя: имя не найдено или адрес не из интернета. "
        "Серверы во внутренней сети разрешает только администратор платформы."
    )

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The operator's allow-list (``NETWORK_TARGETS_ALLOWED_NETWORKS``), parsed."""
    return tuple(
        ipaddress.ip_network(str(item).strip(), strict=False)
        for item in getattr(settings, "NETWORK_TARGETS_ALLOWED_NETWORKS", ()) or ()
        if str(item).strip()
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why this address may not be connected to, or None when it may. Ignores the allow-list."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = refusal_reason(embedded)
            return f"embeds {embedded}: {inner}" if inner else None
        if address.is_site_local:
            return "site-local"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("special-purpose", any(address in net for net in _ALWAYS_REFUSED if net.version == address.version)),
        ("not global", not address.is_global),
    )
    for name, refused in checks:
        if refused:
            return name
    return None


def check_address(address: IPAddress | str) -> None:
    """Raise ``TargetRefused`` unless this one IP address may be connected to."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    reason = refusal_reason(ip)
    if reason is None:
        return
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        candidates.append(embedded)
    for network in allowed_networks():
        if any(c.version == network.version and c in network for c in candidates):
            return
    raise TargetRefused(f"{ip} is {reason}")


def _valid_port(port: Any) -> int:
    try:
        number = int(port)
    except (TypeError, ValueError):
        raise TargetRefused(f"port {port!r} is not a number") from None
    if not 0 < number < 65536:
        raise TargetRefused(f"port {number} is out of range")
    return number


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself). Raises ``TargetRefused``
    for an empty or unresolvable name: not being able to connect is not a reason to try harder."""
    name = (host or "").strip().strip("[]")
    if not name:
        raise TargetRefused("no host name")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"{name!r} does not resolve: {exc}") from None
    found: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise TargetRefused(f"{name!r} resolves to no address")
    return found


def check_target(host: str, port: int) -> list[IPAddress]:
    """Raise ``TargetRefused`` unless every address ``host`` resolves to may be connected to on
    ``port``. Returns the vetted addresses (to connect to one of them, if the client allows)."""
    number = _valid_port(port)
    addresses = resolve(host, number)
    for address in addresses:
        try:
            check_address(address)
        except TargetRefused as exc:
            raise TargetRefused(f"{host}:{number} → {exc.detail}") from None
    return addresses


def check_peer(sockaddr: tuple[Any, ...] | str) -> None:
    """The check for an established connection: ``check_peer(sock.getpeername())``."""
    address = sockaddr if isinstance(sockaddr, str) else str(sockaddr[0])
    try:
        check_address(address.split("%", 1)[0])
    except TargetRefused as exc:
        raise TargetRefused(f"connected peer {exc.detail}") from None


DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url(url: str, *, schemes: tuple[str, ...] = ("https", "http")) -> list[IPAddress]:
    """``check_target`` for an ``http(s)://`` URL; any other scheme, or a URL without a host, is refused."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in schemes or not parts.hostname:
        raise TargetRefused(f"URL {url!r} is not one of {', '.join(schemes)} with a host")
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        raise TargetRefused(f"URL {url!r} has an invalid port") from None
    return check_target(parts.hostname, port)
