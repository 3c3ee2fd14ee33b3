from django.contrib import admin

from helpdesk.admin_scoping import TenantScopedAdmin
from sla.models import SLATier


@admin.register(SLATier)
class SLATierAdmin(TenantScopedAdmin):
    list_display = ["name", "is_default"]
