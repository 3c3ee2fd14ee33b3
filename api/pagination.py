"""Cursor pagination: page 400 costs what page 1 costs, and rows added meanwhile never shift a page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class _Cursor(CursorPagination):
    invalid_cursor_message = _("Неверный курсор: берите ссылку next или previous из ответа.")

    def decode_cursor(self, request: Request) -> Cursor | None:
        # A malformed cursor is a bad request (400), not a missing page (DRF answers 404).
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc


class TicketCursor(_Cursor):
    # Newest first by the per-tenant number: unique, and the (tenant, number) index serves the order.
    ordering = "-number"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OldestFirstCursor(_Cursor):
    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
