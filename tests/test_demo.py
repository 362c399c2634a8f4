"""The demo data (`scripts/demo`): loaded once for this module the way the script loads it — quietly, then the
money side, then the logins — inside a transaction that is rolled back at the end; each test runs in its own
savepoint on top, so a test that acts on the demo leaves the next one the demo as loaded."""

import io
import logging
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from accounts.models import Municipality, User
from applications.models import Application, Receipt
from grants.models import Call, FundingProgram


@dataclass
class FirstRun:
    quiet: str          # what load_demo --no-logins printed
    money: str          # what load_demo_money printed
    logins: str         # what load_demo --only-logins printed
    log: list[str]      # log records of WARNING and above during the first run


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    import foundation.pdf  # noqa: F401  (sets the font loggers to warnings only, whatever LOG_LEVEL says)

    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    quiet, money, logins = io.StringIO(), io.StringIO(), io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("load_demo", no_logins=True, verbosity=0, stdout=quiet)
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("load_demo_money", verbosity=0, stdout=money)
            call_command("load_demo", only_logins=True, stdout=logins)
        finally:
            root.removeHandler(records)
        yield FirstRun(quiet.getvalue(), money.getvalue(), logins.getvalue(), records.messages)
        transaction.set_rollback(True)


MODELS = (Municipality, User, Application, Call, FundingProgram, Receipt)


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates(first_run, django_capture_on_commit_callbacks):
    from payments.models import Decision, DisbursementRequest, Grant, Notice, PaymentRun, ProofOfUse, Recovery

    models = (*MODELS, Grant, Notice, Decision, DisbursementRequest, PaymentRun, ProofOfUse, Recovery)
    counts = [m.objects.count() for m in models]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=out)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_money", verbosity=0)
    assert [m.objects.count() for m in models] == counts
    program = FundingProgram.objects.get(short_name="SHH2")
    assert program.topics.count() == 8 and str(program.funding_rate) == "0.9000"
    assert (program.min_grant, program.max_grant) == (100000, 2500000)
    assert Municipality.objects.filter(kind="landkreis").count() == 21
    assert Municipality.objects.filter(kind="kreisfreie_stadt").count() == 5
    assert any(call.is_accepting() for call in Call.objects.filter(program=program))
    # a second program with its own money rules runs beside it, with an open call of its own
    second = FundingProgram.objects.get(short_name="DD")
    assert (second.funding_rate, second.min_grant, second.max_grant) == (Decimal("0.8"), 50000, 1000000)
    assert Call.objects.get(program=second).is_accepting()
    for role_email in ("kommune@demo.example", "sachbearbeitung@demo.example", "bewilligung@demo.example",
                       "jury@demo.example", "admin@demo.example"):
        assert role_email in out.getvalue()
    staff = User.objects.get(email="sachbearbeitung@demo.example")
    from accounts.mfa import has_totp
    assert has_totp(staff)


@pytest.mark.django_db
def test_money_demo_shows_every_stage(first_run):
    from payments.management.commands.load_demo_money import PILOT_TITLE, TITLE
    from payments.models import Decision, Grant

    grant = Grant.objects.get(call__title=TITLE)
    assert grant.state == "in_implementation" and grant.final_on is not None
    assert (grant.paid_amount, grant.requested_amount) == (120000, 205000)
    assert grant.notices.get().kind == "grant"
    assert sorted(grant.disbursements.values_list("state", flat=True)) == ["paid", "requested"]
    assert sorted(Decision.objects.filter(application__call__title=TITLE).values_list("state", flat=True)) == [
        "confirmed", "prepared"]
    assert grant.application.lead.memberships.filter(user__email="kommune@demo.example").exists()
    assert Grant.objects.filter(call__title=PILOT_TITLE).count() == 3


@pytest.mark.django_db
def test_money_demo_reaches_every_journey_today(first_run):
    """A final proof waits for the check, a settled grant has an open recovery (with its notice), another a final
    payment waiting for its check; each can be acted on today, by the demo's own logins."""
    from django.utils import timezone

    from payments.models import DisbursementRequest, Grant, Notice, ProofOfUse, Recovery
    from payments.services import disbursements, proofs, proofs_recovery

    today = timezone.localdate()
    worker = User.objects.get(email="sachbearbeitung@demo.example")
    approver = User.objects.get(email="bewilligung@demo.example")

    waiting = ProofOfUse.objects.get(kind="final", state="submitted")
    assert waiting.grant.state == "proof_submitted" and waiting.grant.project_end < today
    assert proofs.accept_proof(actor=worker, proof_id=waiting.pk).state == "accepted"

    recovery = Recovery.objects.get(state="open")
    assert recovery.grant.state == "recovery_open" and recovery.principal > 0
    assert recovery.interest_from <= today < recovery.due_on
    assert Notice.objects.filter(grant=recovery.grant, kind="recovery").exists()
    position = proofs_recovery.recovery_position(recovery, on=today)  # no base rate missing today
    assert position.interest_outstanding == 0 and position.outstanding == recovery.principal

    final = DisbursementRequest.objects.get(kind="final_payment")
    assert final.state == "requested" and final.grant.state == "settled" and final.amount > 0
    assert disbursements.check_disbursement(actor=worker, disbursement_id=final.pk).state == "checked"
    assert disbursements.release_disbursement(actor=approver, disbursement_id=final.pk).state == "released"
    # the pilot round's history is dated in the past, its notices before the projects started
    for grant in Grant.objects.filter(pk__in=[waiting.grant_id, recovery.grant_id, final.grant_id]):
        assert grant.application.submitted_at.date() < grant.notice_issued_on < grant.project_start
        assert grant.project_start < grant.project_end < today
        assert grant.paid_amount > 0


@pytest.mark.django_db
def test_demo_prints_the_logins_last_and_only_when_asked(first_run):
    """scripts/demo loads quietly, then the money side, then the logins."""
    assert "kommune@demo.example" not in first_run.quiet + first_run.money
    assert "Demo-Zugänge" in first_run.logins and "bewilligung@demo.example" in first_run.logins
    assert "TOTP-Schlüssel" in first_run.logins


@pytest.mark.django_db
def test_demo_output_is_short_and_ends_with_the_logins(first_run):
    """What scripts/demo prints on a first run (it loads with LOG_LEVEL=WARNING): no font subsetting chatter,
    no mails, under 60 lines, the logins last."""
    out = (first_run.quiet + first_run.money + first_run.logins).strip().splitlines()
    lines = first_run.log + out
    assert len(lines) < 60, lines[:80]
    assert "Demo-Zugänge" in out[0] and "admin@demo.example" in lines[-1]
    assert not any("Subject:" in line or "subset" in line.lower() for line in lines)
    assert first_run.log == []  # no warnings at all (kombu warned on every in-process task: "No hostname …")
    for name in ("fontTools", "fontTools.subset", "fontTools.ttLib", "weasyprint"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING


def test_demo_script_runs_without_debug_and_writes_mails_to_files():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "scripts" / "demo").read_text()
    assert "DEBUG=0" in script and "DEBUG=1" not in script
    assert "filebased.EmailBackend" in script and "-v 0" in script and "DEMO_PORT" in script


def test_demo_settings_serve_static_files_and_error_pages_without_debug(monkeypatch):
    """The demo's settings (DEMO_MODE=1, DEBUG=0): plain http on 127.0.0.1, WhiteNoise from the finders."""
    import importlib
    import sys

    for name, value in {"DEMO_MODE": "1", "DEBUG": "0", "ALLOWED_HOSTS": ""}.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("config.settings", None)
    try:
        demo = importlib.import_module("config.settings")
    finally:
        sys.modules.pop("config.settings", None)
    assert demo.DEBUG is False and demo.WHITENOISE_USE_FINDERS is True
    assert demo.SECURE_SSL_REDIRECT is False and demo.SESSION_COOKIE_SECURE is False
    assert demo.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
    assert demo.STORAGES["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")
