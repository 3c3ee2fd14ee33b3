"""Is this message a bounce (a non-delivery report)? Pure: no Django.

Cheap signals decide most cases: a DSN (``multipart/report; report-type=delivery-status`` or a
``message/delivery-status`` part), the null sender ``<>``, or a mail-system sender (MAILER-DAEMON,
postmaster, …). Gateways and old servers send free-form reports instead; for those ``flufl.bounce``'s
detectors (Postfix, Exim, qmail, Exchange, GroupWise, Yahoo, AOL, SimpleMatch, …) read the body and
name the failed recipients. They cost 10–40 ms a message, so they run only when the subject or the
sender already hints at a report — never on ordinary mail. A report they cannot parse still counts
when its subject is a non-delivery subject and it carries the returned original or comes from a
mail-system address.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import Message

from flufl.bounce import all_failures

# flufl.bounce logs every detector it runs at INFO: noise in a mail gateway's log.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

# Mail-system senders: their mail with a non-delivery subject is a report even when unparseable.
_SYSTEM_LOCALPART = re.compile(
    r"^(mailer-?daemon|mail-?daemon|mdaemon|postmaster|ndr|bounces?|.*-bounces(\+.*)?|"
    r"mail(er)?-?(system|delivery|service)|.*_smtp_mail_service|.*antivirus.*|smtp-?gateway|inetgw\d*)$"
)
# Generic role addresses: a person may write from them, so they only let the detectors look.
_ROLE_LOCALPART = re.compile(r"^(mailadmin|mail-?admin|admin|administrator|sysadmin|system|mail)$")
_SYSTEM_NAME = re.compile(
    r"mail delivery (system|subsystem|service)|mail system|postmaster|system administrator|"
    r"mailer[- ]daemon|почтов(ая|ый) (система|сервер|служба)",
    re.IGNORECASE,
)
_NDR_SUBJECT = re.compile(
    r"undeliver|undelivered|non[- ]?delivery|delivery (status|fail|failure|problem|report|notification|"
    r"has failed|warning)|returned mail|returning message|mail delivery|could not be delivered|"
    r"failure notice|delivery failure|mail error|user unknown|unknown user|mailbox (unavailable|full)|"
    r"automatically rejected|rejected|permanent (error|failure|fatal)|not delivered|message not delivered|"
    r"nicht zustellbar|unzustellbar|non remis|non distribu|non recens|no se (puede|pudo) entregar|"
    r"non recapitabile|niet afgeleverd|"
    r"не доставлен|недоставлен|невозможно доставить|не удалось доставить|уведомлени[ея] о (не)?доставке|"
    r"возврат (письма|сообщения)|ошибка доставки",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BounceVerdict:
    is_bounce: bool
    rule: str = ""
    failed: tuple[str, ...] = ()


NOT_A_BOUNCE = BounceVerdict(False)


def _parts(msg: Message) -> list[Message]:
    try:
        return list(msg.walk())
    except Exception:  # noqa: BLE001 - a broken tree is just not a clue
        return [msg]


def _flufl_failures(msg: Message) -> tuple[str, ...]:
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # noqa: BLE001 - a detector tripping over odd MIME is not a verdict
        return ()
    found = {a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in temporary | permanent}
    return tuple(sorted(a.lower() for a in found))


def detect(
    msg: Message,
    *,
    sender: str,
    sender_name: str,
    subject: str,
    return_path: str | None,
    null_from: bool = False,
) -> BounceVerdict:
    """Decide from the parsed message and the header facts the parser already read.

    ``null_from``: the From header names the null address ``<>`` (sender then came from Sender or
    Reply-To), which only mail systems write.
    """
    ctype = msg.get_content_type()
    report_type = str(msg.get_param("report-type", "") or "").lower()
    kinds = {part.get_content_type() for part in _parts(msg)}
    if (ctype == "multipart/report" and report_type in ("delivery-status", "")) or (
        "message/delivery-status" in kinds
    ):
        return BounceVerdict(True, "delivery status report")
    if return_path == "":
        return BounceVerdict(True, "null sender")
    localpart = sender.rpartition("@")[0] if "@" in sender else sender
    if localpart in ("mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mdaemon"):
        return BounceVerdict(True, "mail system sender")
    system_sender = bool(_SYSTEM_LOCALPART.match(localpart)) or bool(_SYSTEM_NAME.search(sender_name))
    ndr_subject = bool(_NDR_SUBJECT.search(subject))
    unsigned = not sender or null_from
    if not (system_sender or ndr_subject or unsigned or _ROLE_LOCALPART.match(localpart)):
        return NOT_A_BOUNCE  # ordinary mail: the costly detectors never run
    failed = _flufl_failures(msg)
    if failed:
        return BounceVerdict(True, "non-delivery report (flufl.bounce)", failed)
    returned_original = bool(kinds & {"message/rfc822", "text/rfc822-headers"})
    if ndr_subject and (system_sender or returned_original or unsigned):
        return BounceVerdict(True, "non-delivery subject")
    return NOT_A_BOUNCE
