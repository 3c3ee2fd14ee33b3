from django.urls import path

from tickets.views.agent import alerts, dashboard, intake, queues, reports, workspace

app_name = "agent"

urlpatterns = [
    path("", queues.queue_list, name="home"),
    path("export.<str:fmt>", queues.journal_export, name="export"),
    path("bulk/", queues.bulk_action, name="bulk"),
    path("filters/", queues.saved_filter_create, name="filter_save"),
    path("filters/<int:pk>/delete/", queues.saved_filter_delete, name="filter_delete"),
    path("new/", intake.phone_intake, name="intake"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("reports/", reports.lead_reports, name="reports"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/read/", alerts.alert_mark_read, name="alerts_read"),
    path("time/", workspace.time_report, name="time_report"),
    path("tickets/<str:number>/", workspace.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/history/", workspace.ticket_history, name="ticket_history"),
    path("tickets/<str:number>/canned/", workspace.canned_insert, name="canned_insert"),
    path("tickets/<str:number>/reply/", workspace.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/take/", workspace.ticket_take, name="ticket_take"),
    path("tickets/<str:number>/change/", workspace.ticket_change, name="ticket_change"),
    path("tickets/<str:number>/merge/", workspace.ticket_merge_view, name="ticket_merge"),
    path("tickets/<str:number>/split/", workspace.ticket_split_view, name="ticket_split"),
    path(
        "tickets/<str:number>/attachments/<int:pk>/", workspace.attachment_download, name="ticket_attachment"
    ),
]
