"""A second program with its own money rules (80 %, 50.000 – 1.000.000 €) runs beside Starke Heimat
Hessen on the same installation (issue 12: reuse by other Länder and programs). The same boundary
table as the first program's (tests/applications/test_money_rules.py), then both side by side through
the services: submission, case numbers and the decision."""

from decimal import Decimal

import pytest

from applications.financing import Line, compute_figures
from applications.services import submit_application
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MunicipalityFactory,
    ProgramFactory,
    complete_draft,
    member_of,
)

RATE = Decimal("0.8")
MIN = Decimal("50000.00")
MAX = Decimal("1000000.00")


def figures(eligible):
    return compute_figures(rate=RATE, min_grant=MIN, max_grant=MAX,
                           lines=[Line(budget_year=2027, amount=Decimal(eligible), eligible=True)], third_party=[])


@pytest.mark.parametrize(
    ("eligible", "grant", "error", "capped"),
    [
        # around the minimum: 50,000 / 0.8 = 62,500 exactly
        ("62499.99", "49999.99", "um 0,01\u00a0€ unter der Mindestzuwendung von 50.000,00\u00a0€", False),
        ("62500.00", "50000.00", None, False),
        ("62500.01", "50000.00", None, False),  # 50,000.008 rounds down
        ("62500.02", "50000.01", None, False),
        ("10000.00", "8000.00", "um 42.000,00\u00a0€ unter der Mindestzuwendung", False),
        # around the maximum: 1,000,000 / 0.8 = 1,250,000 exactly
        ("1249999.99", "999999.99", None, False),
        ("1250000.00", "1000000.00", None, False),
        ("1250000.01", "1000000.00", None, False),  # 1,000,000.008 rounds down to the maximum, not a cap
        ("1250000.02", "1000000.00", None, True),  # 1,000,000.016: capped
        ("3000000.00", "1000000.00", None, True),
        # rounding down to the cent, never in the applicant's favour
        ("100000.01", "80000.00", None, False),  # 80,000.008
        ("100000.04", "80000.03", None, False),  # 80,000.032
    ],
)
def test_grant_boundaries_of_the_second_program(eligible, grant, error, capped):
    f = figures(eligible)
    assert f.grant == Decimal(grant)
    assert f.capped is capped
    if error:
        assert len(f.errors) == 1 and error in f.errors[0]
    else:
        assert f.errors == []


@pytest.fixture
def two_calls(db):
    first = CallFactory(title="Smarte Kommunen (Hessen)")
    second = CallFactory(title="Digitale Dörfer", program=ProgramFactory(
        name="Digitale Dörfer", funding_rate=RATE, min_grant=MIN, max_grant=MAX, case_number_prefix="DD"))
    return first, second


@pytest.mark.django_db
def test_the_same_plan_gives_each_program_its_own_grant_and_case_number(two_calls):
    lead = MunicipalityFactory()
    user = member_of(lead)
    grants, numbers = [], []
    for call in two_calls:
        app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user,
                             eligible_amount=Decimal("1300000.00"))
        grants.append(app.grant_amount)
        numbers.append(submit_application(actor=user, application_id=app.pk).case_number)
    assert grants == [Decimal("1170000.00"), Decimal("1000000.00")]  # 90 % of it; 80 % capped at 1 Mio.
    assert numbers[0].startswith("SHH2-") and numbers[1].startswith("DD-")


@pytest.mark.django_db
def test_each_program_s_minimum_decides_the_submission(two_calls):
    from applications.exceptions import ApplicationError

    lead = MunicipalityFactory()
    user = member_of(lead)

    def draft(call, eligible):
        return complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user,
                              eligible_amount=Decimal(eligible))

    first, second = two_calls
    below = draft(second, "62499.99")
    with pytest.raises(ApplicationError) as exc:
        submit_application(actor=user, application_id=below.pk)
    assert "um 0,01\u00a0€ unter der Mindestzuwendung von 50.000,00\u00a0€" in str(exc.value)
    below.refresh_from_db()
    assert below.state == "draft" and below.case_number is None  # nothing changed
    assert submit_application(actor=user, application_id=draft(second, "62500.00").pk).grant_amount == MIN
    # the same plan is 56.250,00 € in the first program: below its 100.000 €
    with pytest.raises(ApplicationError) as exc:
        submit_application(actor=user, application_id=draft(first, "62500.00").pk)
    assert "unter der Mindestzuwendung von 100.000,00\u00a0€" in str(exc.value)


@pytest.mark.django_db
def test_decisions_keep_to_each_program_s_range_and_rate(two_calls):
    from payments.exceptions import PaymentsError
    from tests.payments.factories import approved

    _first, second = two_calls
    grant, _ = approved(second, grant="1000000.00")
    assert grant.funding_rate == RATE and grant.amount == MAX
    with pytest.raises(PaymentsError) as exc:
        approved(second, grant="1000000.01")
    assert "um 0,01\u00a0€ über der Höchstzuwendung von 1.000.000,00\u00a0€" in str(exc.value)
    small, _ = approved(two_calls[0], grant="100000.00")  # the first program's minimum, above the second's
    assert small.funding_rate == Decimal("0.9000")
