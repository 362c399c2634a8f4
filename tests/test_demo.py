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
