from django.urls import path

from tickets.views.portal import sla_report

app_name = "client_reports"

urlpatterns = [
    path("", sla_report.sla_report, name="sla_report"),
    path("report.<str:fmt>", sla_report.sla_report_download, name="sla_report_download"),
]
