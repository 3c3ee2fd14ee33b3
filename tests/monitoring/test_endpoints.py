"""/healthz/, /readyz/, and the token on /metrics and /monitoring/health.json."""

from __future__ import annotations

import pytest

from tests.monitoring.conftest import TOKEN, both_alive, outbox_row

PROTECTED = ["/metrics", "/monitoring/health.json"]


def test_healthz_stays_a_cheap_liveness_check(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the host-name lookup and SELECT 1
        assert client.get("/healthz/").json() == {"status": "ok", "database": "ok"}


def test_readyz_checks_database_broker_and_cache(client, db):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"}


def test_readyz_is_503_when_the_broker_is_unreachable(client, db, monkeypatch):
    from helpdesk.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz/")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error" and body["database"] == "ok" and body["cache"] == "ok"
    assert body["broker"] != "ok"


def test_readyz_is_503_when_the_cache_is_unreachable(client, db, settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    caches._settings = None  # drop the cached handler configuration for this test
    try:
        response = client.get("/readyz/")
    finally:
        caches._settings = None
    assert response.status_code == 503 and response.json()["cache"] != "ok"


@pytest.mark.parametrize("url", PROTECTED)
def test_machine_endpoints_are_off_without_a_token_setting(client, db, settings, url):
    settings.METRICS_TOKEN = ""
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("url", PROTECTED)
@pytest.mark.parametrize(
    "header", [None, "", f"Basic {TOKEN}", "Bearer wrong", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"]
)
def test_machine_endpoints_refuse_a_missing_or_wrong_token(client, db, token, url, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get(url, **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"reglament_" not in response.content and b"mailboxes" not in response.content


def test_health_json_has_every_signal(client, world_a, token):
    from mailgate.models import Mailbox

    both_alive()
    Mailbox.objects.create(
        tenant=world_a.tenant,
        address="support@alpha.test",
        imap_host="h",
        imap_user="u",
        last_poll_error="boom",
    )
    response = client.get("/monitoring/health.json", **token)
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "error"
    for name in ("worker", "beat", "quarantine", "outbox"):
        assert body[name]["status"] in ("ok", "warning", "error")
    (box,) = body["mailboxes"]
    assert {"address", "status", "last_success", "last_error"} <= box.keys()
    assert box["address"] == "support@alpha.test" and box["status"] == "error" and box["last_error"] == "boom"


def test_metrics_expose_requests_and_backlog(client, world_a, token):
    both_alive()
    outbox_row(world_a.tenant, "stuck", hours=1)
    client.get("/healthz/")
    response = client.get("/metrics", **token)
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert 'reglament_http_requests_total{method="GET",status="2xx",view="healthz"}' in text
    assert 'reglament_http_request_duration_seconds_bucket{le="0.01",method="GET",view="healthz"}' in text
    assert "reglament_outbox_backlog 1.0" in text
    assert 'reglament_health_status{signal="outbox"} 2.0' in text
    assert 'reglament_heartbeat_age_seconds{role="worker"}' in text


def test_platform_endpoints_answer_on_a_tenant_host_name_too(client, world_a, token, settings):
    from helpdesk.models import TenantDomain

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "support.alpha.test"]
    TenantDomain.objects.create(tenant=world_a.tenant, host="support.alpha.test")
    for url in ("/readyz/", "/metrics", "/monitoring/health.json"):
        response = client.get(url, HTTP_HOST="support.alpha.test", **token)
        assert response.status_code == 200, url
