"""The one "may we connect there" check: every non-global kind of address is refused, after DNS."""

from __future__ import annotations

import socket

import pytest

from helpdesk import network_targets
from helpdesk.network_targets import TargetRefused, check_peer, check_target, check_url

REFUSED = {
    "IPv4 loopback": "127.0.0.1",
    "IPv4 loopback, other": "127.8.9.10",
    "this network": "0.0.0.0",
    "RFC 1918 10/8": "10.1.2.3",
    "RFC 1918 172.16/12": "172.31.255.1",
    "RFC 1918 192.168/16": "192.168.0.10",
    "CGNAT 100.64/10": "100.100.1.1",
    "link-local (cloud metadata)": "169.254.169.254",
    "IETF assignments": "192.0.0.8",
    "documentation": "192.0.2.10",
    "benchmarking": "198.18.0.1",
    "multicast": "224.0.0.251",
    "reserved 240/4": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "IPv6 loopback": "::1",
    "IPv6 unspecified": "::",
    "IPv6 link-local": "fe80::1",
    "IPv6 unique local": "fd12:3456::1",
    "IPv6 site-local": "fec0::1",
    "IPv6 multicast": "ff02::1",
    "IPv6 documentation": "2001:db8::1",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "IPv4-mapped private": "::ffff:10.0.0.1",
    "IPv4-compatible private": "::10.0.0.1",
    "6to4 of loopback": "2002:7f00:1::1",
    "NAT64 of private": "64:ff9b::a00:1",
    "NAT64 local use": "64:ff9b:1::1",
    "Teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
}
ALLOWED = ["8.8.8.8", "77.88.8.8", "2a02:6b8::feed:0ff", "::ffff:8.8.8.8", "2002:808:808::1"]


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_non_global_addresses_are_refused(address):
    with pytest.raises(TargetRefused) as caught:
        check_target(address, 993)
    assert address.split("%")[0] in caught.value.detail or "embeds" in caught.value.detail


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_are_allowed(address):
    assert check_target(address, 993)


def _resolving_to(monkeypatch, *addresses: str) -> None:
    def fake(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(network_targets.socket, "getaddrinfo", fake)


def test_the_decision_is_taken_after_dns_resolution(monkeypatch):
    _resolving_to(monkeypatch, "10.0.0.7")
    with pytest.raises(TargetRefused, match="10.0.0.7 is private"):
        check_target("imap.innocent-looking.example", 993)


def test_one_internal_address_among_public_ones_is_enough_to_refuse(monkeypatch):
    _resolving_to(monkeypatch, "8.8.8.8", "127.0.0.1")
    with pytest.raises(TargetRefused, match="loopback"):
        check_target("imap.example", 993)


def test_localhost_by_name_and_numeric_tricks_are_refused():
    for host in ("localhost", "0x7f.1", "2130706433", "[::1]"):
        with pytest.raises(TargetRefused):
            check_target(host, 143)


def test_empty_unresolvable_or_bad_port_is_refused(monkeypatch):
    with pytest.raises(TargetRefused):
        check_target("", 993)
    for port in (0, 70000, "imap"):
        with pytest.raises(TargetRefused):
            check_target("8.8.8.8", port)

    def unresolvable(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(network_targets.socket, "getaddrinfo", unresolvable)
    with pytest.raises(TargetRefused, match="does not resolve"):
        check_target("no-such-host.example", 993)


def test_the_platform_setting_allows_chosen_internal_networks_only(settings):
    settings.NETWORK_TARGETS_ALLOWED_NETWORKS = ["127.0.0.0/8", "10.20.0.0/24"]
    assert check_target("127.0.0.1", 10143)
    assert check_target("10.20.0.5", 993)
    assert check_target("::ffff:127.0.0.1", 993)
    with pytest.raises(TargetRefused):
        check_target("10.20.1.5", 993)
    with pytest.raises(TargetRefused):
        check_target("169.254.169.254", 80)


def test_the_user_message_is_generic_russian_and_hides_the_detail():
    with pytest.raises(TargetRefused) as caught:
        check_target("10.1.2.3", 22)
    shown = str(caught.value.user_message)
    assert "Подключиться к этому серверу нельзя" in shown
    assert "10.1.2.3" not in shown and "private" not in shown


def test_check_peer_catches_a_name_that_re_resolved_after_the_check():
    check_peer(("8.8.8.8", 993))
    with pytest.raises(TargetRefused, match="connected peer"):
        check_peer(("127.0.0.1", 993))
    with pytest.raises(TargetRefused):
        check_peer(("fe80::1%eth0", 993, 0, 2))


def test_check_url_takes_the_port_from_the_url_or_scheme():
    assert check_url("https://8.8.8.8/hook")
    assert check_url("http://8.8.8.8:8080/hook")
    for url in ("http://127.0.0.1:6379/", "https://[::1]/", "ftp://8.8.8.8/", "https:///nohost", "x"):
        with pytest.raises(TargetRefused):
            check_url(url)
