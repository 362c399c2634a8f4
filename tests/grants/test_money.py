"""The money rule's one home (grants.money): Python form and query form agree to the cent."""

from decimal import Decimal

import pytest

from applications.models import Application
from grants.money import compute_grant, eligible_costs_for, grant_expression, proportional_grant, range_error
from tests.factories import ApplicationFactory, CallFactory

D = Decimal
MIN, MAX = D("100000.00"), D("2500000.00")


@pytest.mark.parametrize(("rate", "eligible", "grant", "uncapped"), [
    ("0.9", "0.01", "0.00", "0.00"),                # rounded down, never up
    ("0.9", "123456.78", "111111.10", "111111.10"),  # 111.111,102
    ("0.9", "111111.11", "99999.99", "99999.99"),
    ("0.9", "2777777.78", "2500000.00", "2500000.00"),  # 2.500.000,002 → rounded down to the cap
    ("0.9", "2777777.79", "2500000.00", "2500000.01"),
    ("0.9", "9999999999.99", "2500000.00", "8999999999.99"),
    ("0.7525", "100000.01", "75250.00", "75250.00"),
])
def test_rate_times_eligible_rounded_down_and_capped(rate, eligible, grant, uncapped):
    rule = compute_grant(rate=D(rate), eligible_costs=D(eligible), maximum=MAX, minimum=MIN)
    assert (rule.grant, rule.uncapped) == (D(grant), D(uncapped))
    assert rule.capped is (D(uncapped) > D(grant))
    assert proportional_grant(rate=D(rate), eligible_costs=D(eligible), maximum=MAX) == D(grant)


def test_without_a_cap_nothing_is_capped():
    rule = compute_grant(rate=D("0.9"), eligible_costs=D("9999999999.99"))
    assert rule.grant == rule.uncapped == D("8999999999.99") and not rule.capped


def test_minimum_message_names_the_bound_and_the_shortfall():
    rule = compute_grant(rate=D("0.9"), eligible_costs=D("100000.00"), maximum=MAX, minimum=MIN)
    assert rule.below_minimum and rule.shortfall == D("10000.00")
    assert rule.minimum_error() == ("Die berechnete Zuwendung von 90.000,00\u00a0€ liegt um 10.000,00\u00a0€ "
                                    "unter der Mindestzuwendung von 100.000,00\u00a0€.")
    assert compute_grant(rate=D("0.9"), eligible_costs=D("111111.12"), minimum=MIN).minimum_error() is None


def test_cap_note_names_the_maximum_and_what_the_municipality_pays():
    note = compute_grant(rate=D("0.9"), eligible_costs=D("3000000.00"), maximum=MAX).cap_note()
    assert "2.700.000,00\u00a0€" in note and "2.500.000,00\u00a0€" in note and "um 200.000,00\u00a0€" in note


def test_range_error_for_a_decision():
    assert range_error(D("99999.99"), minimum=MIN, maximum=MAX).endswith(
        "liegt um 0,01\u00a0€ unter der Mindestzuwendung von 100.000,00\u00a0€.")
    assert "um 0,01\u00a0€ über der Höchstzuwendung von 2.500.000,00\u00a0€" in range_error(
        D("2500000.01"), minimum=MIN, maximum=MAX)
    assert range_error(MIN, minimum=MIN, maximum=MAX) is None


@pytest.mark.parametrize("grant", ["100000.00", "135000.27", "99999.99", "2500000.00", "0.01"])
def test_eligible_costs_for_is_the_rule_read_backwards(grant):
    rate = D("0.9")
    eligible = eligible_costs_for(rate=rate, grant=D(grant))
    assert compute_grant(rate=rate, eligible_costs=eligible).grant >= D(grant)
    assert compute_grant(rate=rate, eligible_costs=eligible - D("0.01")).grant < D(grant)


@pytest.mark.django_db
def test_the_query_form_gives_the_same_cents_as_the_python_form():
    call = CallFactory()
    program = call.program
    amounts = ["0.01", "0.11", "111111.11", "123456.78", "150000.30", "2777777.78", "2777777.79", "9999999999.99"]
    for rate in ("0.9", "0.29", "0.7525"):
        program.funding_rate = D(rate)
        program.save(update_fields=["funding_rate"])
        for amount in amounts:
            ApplicationFactory(call=call, eligible_costs=D(amount), total_costs=D(amount))
        rows = (Application.objects.filter(call=call)
                .annotate(g=grant_expression(rate="call__program__funding_rate", maximum="call__program__max_grant"),
                          raw=grant_expression(rate="call__program__funding_rate", maximum=None))
                .values_list("eligible_costs", "g", "raw"))
        for eligible, g, raw in rows:
            rule = compute_grant(rate=D(rate), eligible_costs=eligible, maximum=program.max_grant)
            assert (D(g), D(raw)) == (rule.grant, rule.uncapped), (rate, eligible)
        Application.objects.filter(call=call).delete()
