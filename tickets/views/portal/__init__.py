"""Customer portal views (clients of a tenant)."""

from tickets.views.portal.downloads import attachment_download
from tickets.views.portal.intake import similar_tickets, ticket_new
from tickets.views.portal.listing import ticket_list
from tickets.views.portal.mail_links import ticket_link
from tickets.views.portal.ticket_page import (
    ticket_confirm_view,
    ticket_detail,
    ticket_object_view,
    ticket_rate_view,
    ticket_reply_view,
)

__all__ = [
    "attachment_download",
    "similar_tickets",
    "ticket_confirm_view",
    "ticket_detail",
    "ticket_link",
    "ticket_list",
    "ticket_new",
    "ticket_object_view",
    "ticket_rate_view",
    "ticket_reply_view",
]
