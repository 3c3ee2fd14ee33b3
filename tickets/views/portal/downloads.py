"""Attachment downloads, checked against the ticket and the person, served so browsers never render them."""

from __future__ import annotations

import mimetypes

from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest

from helpdesk.media_files import open_stored
from tickets.models import Attachment, MessageKind
from tickets.views.portal.access import PortalAccess, portal_ticket_view

# Types a browser would execute or render as a page even from a download link: served as bytes.
_NEVER_INLINE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "text/xml",
    }
)


def download_content_type(attachment: Attachment) -> str:
    guessed, _encoding = mimetypes.guess_type(attachment.filename)
    content_type = (
        (guessed or attachment.content_type or "application/octet-stream").split(";")[0].strip().lower()
    )
    return "application/octet-stream" if content_type in _NEVER_INLINE_TYPES else content_type


@portal_ticket_view
def attachment_download(request: HttpRequest, access: PortalAccess, attachment_id: int) -> FileResponse:
    attachment = (
        Attachment.objects.for_tenant(access.ticket.tenant_id)
        .filter(
            Q(message__isnull=True) | Q(message__kind=MessageKind.PUBLIC),
            ticket=access.ticket,
            pk=attachment_id,
        )
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment")
    try:
        stored = open_stored(attachment.file)
    except FileNotFoundError as exc:
        raise Http404("File is missing") from exc
    response = FileResponse(
        stored.file,
        as_attachment=True,
        filename=attachment.filename,
        content_type=download_content_type(attachment),
    )
    if stored.size is not None:
        response["Content-Length"] = str(stored.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
