from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Municipality, User
from applications.models import Application, Receipt
from grants.models import Call, FundingProgram


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    first = capsys.readouterr().out
    counts = [m.objects.count() for m in (Municipality, User, Application, Call, FundingProgram, Receipt)]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    assert [m.objects.count() for m in (Municipality, User, Application, Call, FundingProgram, Receipt)] == counts
    program = FundingProgram.objects.get(short_name="SHH2")
    assert program.topics.count() == 8 and str(program.funding_rate) == "0.9000"
    assert (program.min_grant, program.max_grant) == (100000, 2500000)
    assert Municipality.objects.filter(kind="landkreis").count() == 21
    assert Municipality.objects.filter(kind="kreisfreie_stadt").count() == 5
    call = Call.objects.get(program=program)
    assert call.is_accepting()
    # a second program with its own money rules runs beside it, with an open call of its own
    second = FundingProgram.objects.get(short_name="DD")
    assert (second.funding_rate, second.min_grant, second.max_grant) == (Decimal("0.8"), 50000, 1000000)
    assert Call.objects.get(program=second).is_accepting()
    for role_email in ("kommune@demo.example", "sachbearbeitung@demo.example", "bewilligung@demo.example",
                       "jury@demo.example", "admin@demo.example"):
        assert role_email in first
    staff = User.objects.get(email="sachbearbeitung@demo.example")
    from accounts.mfa import has_totp
    assert has_totp(staff)


@pytest.fixture
def money_demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_money")


@pytest.mark.django_db
def test_money_demo_shows_every_stage_and_loads_twice(money_demo, django_capture_on_commit_callbacks):
    from payments.management.commands.load_demo_money import PILOT_TITLE, TITLE
    from payments.models import Decision, DisbursementRequest, Grant, Notice, PaymentRun, ProofOfUse, Recovery

    models = (Grant, Notice, Decision, DisbursementRequest, PaymentRun, ProofOfUse, Recovery)
    counts = [m.objects.count() for m in models]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_money")
    assert [m.objects.count() for m in models] == counts
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
def test_money_demo_reaches_every_journey_today(money_demo):
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
def test_demo_prints_the_logins_last_when_asked(capsys, django_capture_on_commit_callbacks):
    """scripts/demo loads quietly, then the money side, then the logins."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", no_logins=True)
    assert "kommune@demo.example" not in capsys.readouterr().out
    call_command("load_demo", only_logins=True)
    out = capsys.readouterr().out
    assert "Demo-Zugänge" in out and "bewilligung@demo.example" in out and "TOTP-Schlüssel" in out


@pytest.mark.django_db
def test_demo_output_is_short_and_ends_with_the_logins(caplog, django_capture_on_commit_callbacks):
    """What scripts/demo prints on a first run (it loads with LOG_LEVEL=WARNING): no font subsetting chatter,
    no mails, under 60 lines, the logins last."""
    import io
    import logging

    import foundation.pdf  # noqa: F401  (sets the font loggers to warnings only, whatever LOG_LEVEL says)

    caplog.set_level(logging.WARNING)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", no_logins=True, verbosity=0, stdout=out)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_money", verbosity=0, stdout=out)
    call_command("load_demo", only_logins=True, stdout=out)
    lines = [record.getMessage() for record in caplog.records] + out.getvalue().strip().splitlines()
    assert len(lines) < 60, lines[:80]
    assert "Demo-Zugänge" in out.getvalue().strip().splitlines()[0] and "admin@demo.example" in lines[-1]
    assert not any("Subject:" in line or "subset" in line.lower() for line in lines)
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
