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
    call = Call.objects.get()
    assert call.is_accepting()
    for role_email in ("kommune@demo.example", "sachbearbeitung@demo.example", "bewilligung@demo.example",
                       "jury@demo.example", "admin@demo.example"):
        assert role_email in first
    staff = User.objects.get(email="sachbearbeitung@demo.example")
    from accounts.mfa import has_totp
    assert has_totp(staff)


@pytest.mark.django_db
def test_money_demo_shows_every_stage_and_loads_twice(django_capture_on_commit_callbacks):
    from payments.models import Decision, DisbursementRequest, Grant, Notice, PaymentRun

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_money")
    models = (Grant, Notice, Decision, DisbursementRequest, PaymentRun)
    counts = [m.objects.count() for m in models]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_money")
    assert [m.objects.count() for m in models] == counts
    grant = Grant.objects.get()
    assert grant.state == "in_implementation" and grant.final_on is not None
    assert (grant.paid_amount, grant.requested_amount) == (120000, 205000)
    assert grant.notices.get().kind == "grant"
    assert sorted(DisbursementRequest.objects.values_list("state", flat=True)) == ["paid", "requested"]
    assert sorted(Decision.objects.values_list("state", flat=True)) == ["confirmed", "prepared"]
    assert grant.application.lead.memberships.filter(user__email="kommune@demo.example").exists()


@pytest.mark.django_db
def test_demo_prints_the_logins_last_when_asked(capsys, django_capture_on_commit_callbacks):
    """scripts/demo loads quietly, then the money side (whose mails the console shows), then the logins."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", no_logins=True)
    assert "kommune@demo.example" not in capsys.readouterr().out
    call_command("load_demo", only_logins=True)
    out = capsys.readouterr().out
    assert "Demo-Zugänge" in out and "bewilligung@demo.example" in out and "TOTP-Schlüssel" in out
