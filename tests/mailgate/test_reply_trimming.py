"""Readable conversations: the ten reply styles trimmed to their new text on arrival, the quoted
history and signature kept and shown collapsed on the agent and portal pages, nothing lost."""

from __future__ import annotations

import time

import pytest

from mailgate.models import InboundStatus
from mailgate.parsing import parse_email
from mailgate.reply_trimming import split_reply
from tests.mailgate.conftest import expected_fixtures, fixture_bytes, pipe

REPLY_STYLES = sorted(name for name, exp in expected_fixtures().items() if "new_text" in exp)


def test_there_are_ten_reply_styles():
    assert len(REPLY_STYLES) == 10


@pytest.mark.parametrize("name", REPLY_STYLES)
def test_each_reply_style_enters_the_conversation_as_its_new_text(mail_a, name):
    raw = fixture_bytes(name)
    row = pipe(raw)
    assert row.outcome_line == f"appended {mail_a.ticket.display_number}"
    message = mail_a.ticket.messages.order_by("pk").last()
    assert message.body_text == expected_fixtures()[name]["new_text"]
    # Nothing is lost: the history and signature are kept beside it, the raw message in the inbound row.
    assert "Ваше обращение зарегистрировано под номером AL-1" in message.quoted_text
    assert "\r" not in message.body_text + message.quoted_text
    kept = message.body_text + "\n" + message.quoted_text
    assert all(line.strip() in kept for line in parse_email(raw).text.split("\n"))
    assert row.status == InboundStatus.APPENDED and bytes(row.raw) == raw


def test_the_agent_and_portal_pages_show_the_history_collapsed(mail_a, client):
    pipe(fixture_bytes("50_reply_outlook_ru.eml"))
    message = mail_a.ticket.messages.order_by("pk").last()
    client.force_login(mail_a.agent)
    page = client.get(f"/t/alpha/agent/tickets/{mail_a.ticket.display_number}/").content.decode()
    assert page.count('<details class="msg-quoted">') == 1
    new_at = page.index("прикладываю лог")
    details_at = page.index('<details class="msg-quoted">')
    assert new_at < details_at < page.index("Ваше обращение зарегистрировано под номером AL-1")
    client.force_login(mail_a.client.user)
    portal = client.get(f"/t/alpha/tickets/{mail_a.ticket.display_number}/").content.decode()
    assert portal.count('<details class="msg-quoted">') == 1
    assert "прикладываю лог" in portal and message.quoted_text.split("\n")[0] in portal


def test_an_inline_answer_between_quoted_lines_is_kept_whole():
    text = "> Какая версия?\nВерсия 4.12.\n> Когда началось?\nВчера после обновления.\n"
    split = split_reply(text)
    assert split.new_text == text.strip() and split.quoted == ""


def test_a_forwarded_message_is_the_content_not_history():
    text = (
        "Пересылаю письмо партнёра, посмотрите.\n\n-------- Пересылаемое сообщение --------\n"
        "От: partner@example.test\nДата: 01.12.2026\nТема: Сбой\n\nУ нас упал обмен.\n"
    )
    assert split_reply(text).new_text == text.strip()


def test_a_message_that_is_all_quote_stays_whole():
    text = "> Ваше обращение зарегистрировано.\n> Ответить можно на это письмо."
    assert split_reply(text).new_text == text


def test_a_signature_alone_is_separated_from_a_new_request():
    split = split_reply("Не работает печать.\n\nС уважением,\nИван Петров\n+7 900 000-00-00")
    assert split.new_text == "Не работает печать."
    assert split.quoted.startswith("С уважением,")


def test_a_message_starting_with_a_greeting_line_is_not_taken_for_a_signature():
    split = split_reply("С уважением к вашему времени, коротко: не работает печать.")
    assert split.new_text == "С уважением к вашему времени, коротко: не работает печать."


def test_trimming_a_megabyte_of_text_is_linear():
    body = ("Строка текста без цитат, но длинная. " * 30 + "\n") * 1000 + "\n> цитата\n" * 2000
    start = time.process_time()
    split = split_reply(body)
    assert time.process_time() - start < 1.0
    assert split.quoted.startswith("> цитата")


def test_an_outlook_forward_under_original_message_is_content():
    text = (
        "Коллеги, посмотрите письмо поставщика.\n\n-----Original Message-----\nFrom: Vendor <v@vendor.test>\n"
        "Sent: Tuesday, December 1, 2026 10:00 AM\nSubject: Outage\n\nOur API is down until noon."
    )
    assert split_reply(text, forwarded=True).new_text == text
    assert split_reply(text).new_text == "Коллеги, посмотрите письмо поставщика."
