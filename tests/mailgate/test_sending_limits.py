"""A hung mail server cannot block outgoing mail: SMTP calls time out and no task runs forever."""

from __future__ import annotations

import socket
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from helpdesk.celery import app


def test_smtp_connections_time_out():
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert settings.EMAIL_TIMEOUT == 30
    assert connection.timeout == settings.EMAIL_TIMEOUT


def test_a_server_that_accepts_and_never_answers_fails_the_send_within_the_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port, timeout=1
    )
    start = time.monotonic()
    try:
        EmailMessage("s", "b", "from@example.test", ["to@example.test"], connection=connection).send()
    except OSError:
        pass
    else:
        raise AssertionError("a silent server cannot have accepted the mail")
    finally:
        listener.close()
        for conn, _ in accepted:
            conn.close()
    assert time.monotonic() - start < 5


def test_tasks_have_time_limits():
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT > 0
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit
