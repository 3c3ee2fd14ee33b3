"""The whole ``flufl.bounce`` sample set (its test data, read from the sdist ``.ci/run`` downloads):
every bounce recognised, and nothing acknowledged, whatever address the report comes from."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from mailgate import screening
from mailgate.models import OutboundMail
from mailgate.parsing import parse_email
from tests.mailgate.conftest import pipe

ROOT = Path(__file__).resolve().parents[2]
# flufl.bounce's own negative samples: what its detectors must not call a bounce.
NOT_BOUNCES = {
    "groupwise_03.txt": None,  # a person's Outlook reply (flufl expects no addresses from it)
    "qmail_08.txt": screening.AUTO_REPLY,  # a vacation reply: Precedence: auto_reply
}


def _sdist() -> Path | None:
    configured = os.environ.get("FLUFL_BOUNCE_SDIST")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    found = sorted((ROOT / "var" / "flufl-bounce").glob("flufl[._]bounce-*.tar.gz"))
    return found[-1] if found else None


def _samples() -> dict[str, bytes]:
    sdist = _sdist()
    if sdist is None:
        pytest.skip("flufl.bounce sdist not downloaded (.ci/run fetches it into var/flufl-bounce/)")
    samples: dict[str, bytes] = {}
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and parts[-2:-1] == ("data",) and member.name.endswith(".txt"):
                samples[parts[-1]] = archive.extractfile(member).read()
    assert len(samples) >= 100, sorted(samples)
    return samples


def test_every_bounce_of_the_flufl_sample_set_is_recognised():
    missed = []
    for name, raw in sorted(_samples().items()):
        verdict = screening.screen(parse_email(raw))
        if verdict.kind != NOT_BOUNCES.get(name, screening.BOUNCE):
            missed.append((name, verdict.kind, verdict.rule))
    assert missed == []


def test_no_flufl_sample_is_ever_acknowledged(mail_a, django_capture_on_commit_callbacks, mailoutbox):
    mail_a.tenant.accept_unknown_senders = True
    mail_a.tenant.save()
    samples = _samples()
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = {name: pipe(raw, recipient="support@alpha.test").status for name, raw in samples.items()}
    bounces = {name: status for name, status in outcomes.items() if name not in NOT_BOUNCES}
    assert set(bounces.values()) == {"ignored"}
    person = OutboundMail.objects.filter(ticket__requester__email="reservas@yyyyy.cu")
    # Only the person's reply among them gets what a person gets; no report is ever answered.
    assert set(OutboundMail.objects.values_list("pk", flat=True)) == set(person.values_list("pk", flat=True))
    assert {m.subject for m in mailoutbox} <= {m.subject for m in person}
