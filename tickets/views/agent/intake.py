"""Phone intake: an agent opens a ticket on behalf of a client contact."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from helpdesk.permissions import agent_required
from tickets import services
from tickets.forms.agent import PhoneIntakeForm


@agent_required
def phone_intake(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = PhoneIntakeForm(
        request.POST or None, tenant=tenant, initial={"contact_email": request.GET.get("email")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                tenant=tenant,
                subject=data["subject"],
                body_text=data["body"],
                requester=data["contact_email"],
                actor=request.user,  # type: ignore[arg-type]
                queue=data.get("queue"),
                category=data.get("category"),
                priority=data.get("priority"),
                channel="phone",
            )
            if data.get("minutes_spent"):
                services.ticket_book_time(
                    ticket=ticket, actor=request.user, minutes_spent=data["minutes_spent"]
                )  # type: ignore[arg-type]
        except services.TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Заявка %(n)s создана.") % {"n": ticket.display_number})
            return redirect("agent:ticket_detail", number=ticket.display_number)
    return render(request, "agent/intake.html", {"form": form})
