"""Recovery interest against figures worked out by hand (5 pp above the base rate, act/act, rounded down once)."""

import datetime as dt
from decimal import Decimal

import pytest

from payments.exceptions import PaymentsError
from payments.interest import (
    OFFICIAL_BASE_RATES,
    InterestError,
    accrue,
    apply_payments,
    is_reset_day,
    position,
    rate_spans,
    split_payment,
)

D = Decimal
RATES = [(dt.date(2023, 7, 1), D("3.12")), (dt.date(2024, 1, 1), D("3.62")), (dt.date(2024, 7, 1), D("3.37"))]


def test_across_a_base_rate_change_and_a_leap_year():
    # 10.000,00 € from 01.12.2023 (inclusive) to 15.08.2024 (exclusive):
    # 01.12.–31.12.2023: 31 days of 365 at 3,12 + 5 = 8,12 %: 10000 × 0,0812 × 31/365 = 25172/365 = 68,9643835…
    # 01.01.–30.06.2024: 182 days (31+29+31+30+31+30) of 366 at 3,62 + 5 = 8,62 %:
    #                    10000 × 0,0862 × 182/366 = 156884/366 = 428,6448087…
    # 01.07.–14.08.2024: 45 days (31+14) of 366 at 3,37 + 5 = 8,37 %: 10000 × 0,0837 × 45/366 = 37665/366 = 102,9098360…
    # sum 600,5190283… → rounded down once: 600,51 (rounding each piece first would give 68,96+428,64+102,90 = 600,50)
    accrual = accrue(principal=D("10000.00"), start=dt.date(2023, 12, 1), end=dt.date(2024, 8, 15), base_rates=RATES)
    assert [(p.start, p.end, p.days, p.year_days, p.rate) for p in accrual.periods] == [
        (dt.date(2023, 12, 1), dt.date(2024, 1, 1), 31, 365, D("8.12")),
        (dt.date(2024, 1, 1), dt.date(2024, 7, 1), 182, 366, D("8.62")),
        (dt.date(2024, 7, 1), dt.date(2024, 8, 15), 45, 366, D("8.37")),
    ]
    assert D(25172) / 365 + D(156884) / 366 + D(37665) / 366 - accrual.exact < D("1e-20")
    assert accrual.interest == D("600.51")


def test_a_year_boundary_without_a_rate_change_splits_the_day_count():
    # 2023-12-01 → 2024-01-01 and 2024-01-01 → 2024-02-01 at the same rate (entries 2023-07-01 and 2024-01-01 both
    # 3,12 here): 1000 × 0,0812 × 31/365 = 2517,2/365 = 6,8964383… and 1000 × 0,0812 × 31/366 = 6,8775956…
    # sum 13,7740339… → 13,77 (a single 62/365 would give 13,79)
    rates = [(dt.date(2023, 7, 1), D("3.12")), (dt.date(2024, 1, 1), D("3.12"))]
    accrual = accrue(principal=D("1000.00"), start=dt.date(2023, 12, 1), end=dt.date(2024, 2, 1), base_rates=rates)
    assert [(p.days, p.year_days) for p in accrual.periods] == [(31, 365), (31, 366)]
    assert accrual.interest == D("13.77")


def test_the_start_day_counts_the_payment_day_does_not():
    # one day: 01.07.2024 only, 36600 × 8,37 % / 366 = 8,37
    one_day = accrue(principal=D("36600.00"), start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 2), base_rates=RATES)
    assert one_day.interest == D("8.37")
    assert accrue(principal=D("36600.00"), start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 1),
                  base_rates=RATES).interest == 0


def test_partial_payments_go_to_interest_first_then_principal():
    # 10.000,00 € from 01.01.2024 at 3,62 + 5 = 8,62 %.
    # Payment of 5.000,00 on 01.03.2024: interest 01.01.–29.02. = 60 days: 10000 × 0,0862 × 60/366 = 51720/366
    #   = 141,3114754… → 141,31 to interest, 4.858,69 to principal; principal from 01.03.: 5.141,31.
    # Position on 01.05.2024: 01.03.–30.04. = 61 days: 5141,31 × 0,0862 × 61/366 = 73,8634870…
    #   interest total 141,3114754 + 73,8634870 = 215,1749624… → 215,17; paid 141,31 → 73,86 open
    #   outstanding 5.141,31 + 73,86 = 5.215,17
    splits = apply_payments(principal=D("10000.00"), interest_from=dt.date(2024, 1, 1),
                            payments=[(dt.date(2024, 3, 1), D("5000.00"))], base_rates=RATES)
    assert [(s.to_interest, s.to_principal) for s in splits] == [(D("141.31"), D("4858.69"))]
    now = position(principal=D("10000.00"), interest_from=dt.date(2024, 1, 1), on=dt.date(2024, 5, 1),
                   base_rates=RATES, payments=splits)
    assert now.principal_outstanding == D("5141.31")
    assert now.interest == D("215.17")
    assert now.interest_outstanding == D("73.86")
    assert now.outstanding == D("5215.17")
    # Paying exactly that settles the claim; one cent more is refused.
    with pytest.raises(InterestError):
        split_payment(now, D("5215.18"))
    last = split_payment(now, D("5215.17"))
    assert (last.to_interest, last.to_principal) == (D("73.86"), D("5141.31"))
    done = position(principal=D("10000.00"), interest_from=dt.date(2024, 1, 1), on=dt.date(2024, 12, 1),
                    base_rates=RATES, payments=[*splits, last])
    assert done.outstanding == 0


def test_a_payment_smaller_than_the_interest_goes_to_interest_only():
    # 100 days of 366 on 36.600,00 at 8,62 %: 36600 × 0,0862 × 100/366 = 862,00
    splits = apply_payments(principal=D("36600.00"), interest_from=dt.date(2024, 1, 1),
                            payments=[(dt.date(2024, 4, 10), D("500.00"))], base_rates=RATES)
    assert (splits[0].to_interest, splits[0].to_principal) == (D("500.00"), D("0.00"))


def test_waived_interest_counts_as_zero_but_paid_interest_stays_paid():
    splits = apply_payments(principal=D("10000.00"), interest_from=dt.date(2024, 1, 1),
                            payments=[(dt.date(2024, 3, 1), D("5000.00"))], base_rates=RATES)
    waived = position(principal=D("10000.00"), interest_from=dt.date(2024, 1, 1), on=dt.date(2024, 5, 1),
                      base_rates=[], payments=splits, waived=True)
    assert waived.interest_outstanding == 0
    assert waived.paid_interest == D("141.31")
    assert waived.outstanding == D("5141.31")


def test_refused_without_a_known_base_rate():
    with pytest.raises(PaymentsError, match="2023"):
        accrue(principal=D("100.00"), start=dt.date(2023, 6, 1), end=dt.date(2023, 8, 1), base_rates=RATES)
    # an entry is valid until the next 1 January or 1 July only: the second half of 2024 is known, 2025 is not
    with pytest.raises(PaymentsError, match="01.01.2025"):
        accrue(principal=D("100.00"), start=dt.date(2024, 12, 1), end=dt.date(2025, 2, 1), base_rates=RATES)


def test_official_rates_are_on_reset_days_and_chain_without_gaps():
    assert all(is_reset_day(d) for d, _r in OFFICIAL_BASE_RATES)
    spans = rate_spans(OFFICIAL_BASE_RATES)
    assert dict(OFFICIAL_BASE_RATES)[dt.date(2024, 7, 1)] == D("3.37")
    assert dict(OFFICIAL_BASE_RATES)[dt.date(2025, 7, 1)] == D("1.27")
    recent = [s for s in spans if s.start >= dt.date(2023, 1, 1)]
    assert all(a.end == b.start for a, b in zip(recent, recent[1:], strict=False))
