from django.urls import path

from tickets.views import agent

app_name = "agent"

urlpatterns = [
    path("", agent.home, name="home"),
]
