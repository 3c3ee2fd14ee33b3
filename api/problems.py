"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers — validation, authentication, scope, throttling, a missing or foreign object,
a refused domain rule — has ``type``, ``title``, ``status`` and ``detail``; validation errors add
``errors`` (field → messages). A foreign object is the same 404 as a missing one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.services import TicketError
from tickets.statuses import InvalidTransition

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(status_code: int, detail: str, *, code: str = "", errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return body


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for value in errors.values():
            return _first_message(value)
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TicketError | InvalidTransition):
        # A domain rule said no: the request was understood but cannot be done in this state.
        return Response(
            problem(409, str(exc), code="refused"),
            status=status.HTTP_409_CONFLICT,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Не найдено."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = problem(
            response.status_code,
            _("Проверьте данные запроса: %(first)s") % {"first": _first_message(errors)},
            code="invalid",
            errors=errors,
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else ""
        response.data = problem(
            response.status_code,
            str(getattr(exc, "detail", exc)),
            code=codes if isinstance(codes, str) else "",
        )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


@csrf_exempt  # a POST to an unknown API path is a 404 problem, not the CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under ``/api/``: a problem document, not the site's HTML 404 page."""
    return JsonResponse(
        problem(404, _("Такого адреса в API нет.")), status=404, content_type=PROBLEM_CONTENT_TYPE
    )
