from django.urls import path

from tickets.views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.ticket_list, name="ticket_list"),
    path("new/", portal.ticket_new, name="ticket_new"),
    path("new/similar/", portal.similar_tickets, name="similar_tickets"),
    path("link/<str:token>/", portal.ticket_link, name="ticket_link"),
    path("<str:number>/", portal.ticket_detail, name="ticket_detail"),
    path("<str:number>/reply/", portal.ticket_reply_view, name="ticket_reply"),
    path("<str:number>/confirm/", portal.ticket_confirm_view, name="ticket_confirm"),
    path("<str:number>/object/", portal.ticket_object_view, name="ticket_object"),
    path("<str:number>/rate/", portal.ticket_rate_view, name="ticket_rate"),
    path(
        "<str:number>/attachments/<int:attachment_id>/",
        portal.attachment_download,
        name="attachment_download",
    ),
]
