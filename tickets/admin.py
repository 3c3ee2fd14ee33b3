from __future__ import annotations

from django.contrib import admin

from helpdesk.admin_scoping import TenantScopedAdmin, TenantScopedInline
from tickets import search_index
from tickets.models import (
    Attachment,
    CannedResponse,
    Category,
    Contact,
    CustomField,
    Message,
    Organization,
    Queue,
    SavedFilter,
    Ticket,
    TicketEvent,
    TicketLink,
)


@admin.register(Organization)
class OrganizationAdmin(TenantScopedAdmin):
    list_display = ["name", "sla_tier", "contract_number"]
    search_fields = ["name", "email_domains", "contract_number"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            search_index.index_organization(obj)


@admin.register(Contact)
class ContactAdmin(TenantScopedAdmin):
    list_display = ["email", "full_name", "organization", "phone", "position", "can_view_sla_report"]
    search_fields = ["email", "full_name", "phone"]
    list_filter = ["organization", "can_view_sla_report"]
    actions = ["grant_portal_access"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if not change or {"full_name", "email", "phone", "position", "organization"} & set(form.changed_data):
            search_index.index_contact(obj, created=not change)

    @admin.action(description="Дать доступ к порталу")
    def grant_portal_access(self, request, queryset):  # type: ignore[no-untyped-def]
        from tickets.services.contacts import contact_ensure_user

        for contact in queryset:
            contact_ensure_user(contact=contact)
        self.message_user(request, f"Доступ к порталу открыт: {queryset.count()}.")


@admin.register(Queue)
class QueueAdmin(TenantScopedAdmin):
    list_display = ["name", "slug", "default_priority", "is_default", "automatic_mail_is_work"]
    filter_horizontal = ["agents"]


@admin.register(Category)
class CategoryAdmin(TenantScopedAdmin):
    list_display = ["name", "default_priority", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]


@admin.register(CustomField)
class CustomFieldAdmin(TenantScopedAdmin):
    list_display = ["label", "key", "field_type", "required", "ordering"]


class MessageInline(TenantScopedInline):
    model = Message
    fields = ["created_at", "kind", "author_kind", "author_user", "author_contact", "body_text"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class TicketEventInline(TenantScopedInline):
    model = TicketEvent
    fields = ["created_at", "actor_label", "action", "field", "old_value", "new_value", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    """Read-mostly: tickets change through the agent UI so every change is a service call with an event."""

    list_display = [
        "display_number",
        "subject",
        "status",
        "priority",
        "organization",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "priority"]
    search_fields = ["subject", "number"]
    date_hierarchy = "created_at"
    inlines = [MessageInline, TicketEventInline]
    readonly_fields = [
        "tenant",
        "number",
        "subject",
        "requester",
        "organization",
        "queue",
        "category",
        "priority",
        "status",
        "assignee",
        "sla_tier",
        "channel",
        "custom_fields",
        "created_at",
        "ack_due",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
        "closed_at",
        "first_response_breached",
        "resolution_breached",
        "merged_into",
    ]
    exclude: list[str] = []

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="номер", ordering="number")
    def display_number(self, obj: Ticket) -> str:
        return obj.display_number


@admin.register(Attachment)
class AttachmentAdmin(TenantScopedAdmin):
    list_display = ["filename", "ticket", "content_type", "size"]
    readonly_fields = ["ticket", "message", "file", "filename", "content_type", "size", "sha256", "is_inline"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(TicketLink)
class TicketLinkAdmin(TenantScopedAdmin):
    list_display = ["source", "kind", "target"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(CannedResponse)
class CannedResponseAdmin(TenantScopedAdmin):
    list_display = ["title", "is_active", "ordering"]
    list_editable = ["is_active", "ordering"]
    search_fields = ["title", "body"]


@admin.register(SavedFilter)
class SavedFilterAdmin(TenantScopedAdmin):
    list_display = ["name", "user", "query", "created_at"]
    tenant_member_user_fields = ("user",)
    search_fields = ["name", "user__email"]
