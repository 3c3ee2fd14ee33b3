from django.urls import path

from tickets.views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.ticket_list, name="ticket_list"),
]
