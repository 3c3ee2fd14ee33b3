from typing import Any

from django.http import HttpRequest

from helpdesk.tenancy import is_agent


def tenant(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "tenant", None)
    return {
        "tenant": current,
        "user_is_agent": is_agent(request.user, current) if hasattr(request, "user") else False,
    }
