""" "Проверить подключение": may we connect to a mailbox's IMAP server, and does it let us in?

The destination goes through the one connect-permission check (``helpdesk.network_targets``) first:
a refused target is never contacted. Then a real connection and login, closed at once; nothing is
fetched or marked. The result is for the admin's message; it does not change the mailbox's poll state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from helpdesk import network_targets
from mailgate.models import Mailbox
from mailgate.sources import imap

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str  #: for whoever administers the mailbox
    detail: str = ""  #: the technical reason, for logs and the platform superuser


def check_connection(mailbox: Mailbox) -> ConnectionCheck:
    if not mailbox.imap_host or not mailbox.imap_user:
        return ConnectionCheck(False, _("IMAP не настроен: письма приходят через MTA или веб-хук."))
    try:
        network_targets.check_target(mailbox.imap_host, mailbox.imap_port)
    except network_targets.TargetRefused as exc:
        logger.warning("mailgate: connection check of %s refused: %s", mailbox.address, exc.detail)
        return ConnectionCheck(False, str(exc.user_message), exc.detail)
    try:
        with imap.connect(mailbox) as box:
            folder = box.folder.get()
    except Exception as exc:  # noqa: BLE001 - every failure is the answer to the admin's question
        detail = f"{type(exc).__name__}: {exc}"[:500]
        logger.info("mailgate: connection check of %s failed: %s", mailbox.address, detail)
        return ConnectionCheck(
            False, _("Не удалось подключиться или войти: проверьте сервер, порт и пароль."), detail
        )
    return ConnectionCheck(True, _("Подключение работает, папка «%(folder)s» открыта.") % {"folder": folder})
