"""The tenant's attachment policy (types and size), shared by the portal, the agent UI and the mailgate."""

from __future__ import annotations

from pathlib import PurePosixPath

from helpdesk.models import Tenant

# Never accepted, whatever the tenant allows: executables and scripts that a client's mail
# client or an agent's desktop might run.
ALWAYS_REFUSED = frozenset(
    {"exe", "com", "bat", "cmd", "scr", "pif", "msi", "vbs", "vbe", "js", "jse", "wsf", "wsh", "ps1", "hta", "cpl",
     "jar", "lnk", "reg"}
)


def extension_of(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower().lstrip(".")


def allowed_extensions(tenant: Tenant) -> frozenset[str]:
    return frozenset(
        part.strip().lower().lstrip(".") for part in tenant.allowed_attachment_extensions.split(",") if part.strip()
    )


def attachment_refusal(tenant: Tenant, *, filename: str, size: int, check_type: bool = True) -> str | None:
    """Why this file may not be attached (a sentence for the client), or None when it may.
    ``check_type=False``: only the size rule (the mailgate's calendar invitations, kept as ``.ics``)."""
    extension = extension_of(filename)
    allowed = allowed_extensions(tenant)
    if check_type and (extension in ALWAYS_REFUSED or (allowed and extension not in allowed)):
        listed = ", ".join(sorted(allowed)) if allowed else "любые, кроме исполняемых"
        return f"Файл «{filename}» не принят: тип .{extension or '?'} не разрешён. Разрешены: {listed}."
    if size > tenant.max_attachment_mb * 1024 * 1024:
        return f"Файл «{filename}» не принят: больше {tenant.max_attachment_mb} МБ."
    return None
