"""The OpenAPI schema and its doc page: public, valid OpenAPI 3, every endpoint documented, no CDN."""

from __future__ import annotations

import re

from django.test import Client
from drf_spectacular.validation import validate_schema


def test_schema_is_public_valid_openapi_3_with_every_endpoint(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/tickets/",
        "/api/v1/tickets/{number}/",
        "/api/v1/tickets/{number}/reply/",
        "/api/v1/tickets/{number}/notes/",
        "/api/v1/tickets/{number}/status/",
        "/api/v1/tickets/{number}/assign/",
        "/api/v1/tickets/{number}/messages/",
        "/api/v1/tickets/{number}/sla/",
        "/api/v1/tickets/{number}/attachments/{id}/",
        "/api/v1/contacts/",
        "/api/v1/organizations/",
    } <= paths
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            if method == "post":
                assert "403" in responses, (method, path)


def test_doc_page_loads_its_assets_from_our_static_files(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == [], "no CDN: drf-spectacular-sidecar's vendored files"
    assert "<script>" not in html.replace(" ", ""), (
        "no inline script (the Content-Security-Policy forbids it)"
    )
