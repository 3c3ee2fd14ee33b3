"""What hides inside mail reaches the ticket readable, and the attachment policy applies to it:
winmail.dat unpacked, forwarded mail shown as a message, invitations kept as .ics, uuencoded files
taken out of the text, Outlook HTML and mixed line ends rendered without double spacing."""

from __future__ import annotations

import pytest

from mailgate.models import InboundStatus
from tests.mailgate.conftest import fixture_bytes, pipe
from tickets.models import TicketEvent


@pytest.fixture
def saveit_like(mail_a):
    """SaveIT's policy: a short list of types; neither .eml nor .ics nor .exe on it."""
    mail_a.tenant.allowed_attachment_extensions = "jpg, gif, png, zip, rar, pdf, log"
    mail_a.tenant.save()
    return mail_a


def _files(ticket) -> list[str]:
    return sorted(a.filename for a in ticket.attachments.all())


def _refusals(ticket) -> list[str]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, action="attachment_refused").values_list(
            "reason", flat=True
        )
    )


def test_winmail_dat_is_unpacked_and_its_files_meet_the_policy(saveit_like):
    row = pipe(fixture_bytes("60_winmail_dat.eml"))
    assert row.status == InboundStatus.CREATED
    ticket = row.ticket
    assert "Во вложении отчёт об ошибке" in ticket.messages.get().body_text  # Outlook's body, cp1251
    assert _files(ticket) == ["error-report.pdf"]
    assert len(_refusals(ticket)) == 1 and "diag-tool.exe" in _refusals(ticket)[0]
    assert "winmail.dat" not in " ".join(_refusals(ticket) + _files(ticket))


def test_a_forwarded_message_is_shown_as_a_message_with_its_files_screened(saveit_like):
    row = pipe(fixture_bytes("61_forwarded_with_files.eml"))
    body = row.ticket.messages.get().body_text
    assert body.startswith("Пересылаю письмо партнёра")
    assert "От: Partner <partner@partner.test>" in body and "Тема: Сбой обмена" in body
    assert "не проходит обмен, лог во вложении" in body
    assert _files(row.ticket) == ["exchange-log.pdf"]
    refusals = _refusals(row.ticket)
    assert len(refusals) == 1 and "fix.exe" in refusals[0]  # no refusal of an ".eml": it is shown


def test_an_invitation_is_kept_as_ics_whatever_the_type_list(saveit_like):
    row = pipe(fixture_bytes("62_calendar_invite.eml"))
    assert _files(row.ticket) == ["invite-1.ics"]
    assert _refusals(row.ticket) == []
    assert b"SUMMARY:" in row.ticket.attachments.get().file.read()


def test_an_oversized_invitation_still_meets_the_size_rule(saveit_like):
    saveit_like.tenant.max_attachment_mb = 0
    saveit_like.tenant.save()
    row = pipe(fixture_bytes("62_calendar_invite.eml"))
    assert _files(row.ticket) == [] and len(_refusals(row.ticket)) == 1


def test_a_uuencoded_file_is_taken_out_of_the_text(saveit_like):
    row = pipe(fixture_bytes("63_uuencoded_file.eml"))
    message = row.ticket.messages.get()
    assert message.body_text == "Лог обмена ниже.\n\nОльга"
    assert "begin 644" not in message.body_text + message.quoted_text
    assert _files(row.ticket) == ["exchange.log"]
    assert b"exchange stopped: code 0x80004005" in row.ticket.attachments.get().file.read()


def test_a_uuencoded_executable_is_refused_like_an_attached_one(saveit_like):
    raw = fixture_bytes("63_uuencoded_file.eml").replace(b"exchange.log", b"exchange.exe")
    row = pipe(raw.replace(b"<63-uuencode", b"<63x-uuencode"))
    assert _files(row.ticket) == [] and "exchange.exe" in _refusals(row.ticket)[0]


def test_outlook_html_is_single_spaced_with_table_cells_apart(mail_a):
    row = pipe(fixture_bytes("64_outlook_html_table.eml"))
    assert row.ticket.messages.get().body_text == (
        "Добрый день!\nНиже показания датчиков:\n\nДатчик | Значение\nCPU | 95 %\nRAM | 12 ГБ\n\nОльга"
    )


def test_mixed_line_ends_become_one_kind(mail_a):
    row = pipe(fixture_bytes("65_mixed_line_ends.eml"))
    assert (
        row.ticket.messages.get().body_text == "Первая строка\nВторая строка\nТретья строка\nЧетвёртая строка"
    )
