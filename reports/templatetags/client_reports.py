from typing import Any

from django import template

from tickets.selectors import contact_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def sla_report_allowed(context: Any) -> bool:
    """Whether the signed-in client may open the organisation's SLA report (the contact is cached per
    request by ``contact_for_user``, so portal pages pay no extra query)."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if request is None or tenant is None:
        return False
    contact = contact_for_user(tenant=tenant, user=request.user)
    return bool(contact and contact.can_view_sla_report and contact.organization_id)
