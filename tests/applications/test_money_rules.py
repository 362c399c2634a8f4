import random
from decimal import Decimal
from fractions import Fraction

import pytest

from applications.financing import Line, compute_figures, split_by_year, split_cents
from foundation.amounts import format_eur, parse_amount
from grants.money import proportional_grant

RATE = Decimal("0.9")
MIN = Decimal("100000.00")
MAX = Decimal("2500000.00")


def figures(eligible, ineligible=Decimal("0"), third=()):
    lines = [Line(budget_year=2027, amount=Decimal(eligible), eligible=True)]
    if ineligible:
        lines.append(Line(budget_year=2027, amount=Decimal(ineligible), eligible=False))
    return compute_figures(rate=RATE, min_grant=MIN, max_grant=MAX, lines=lines,
                           third_party=[Decimal(t) for t in third])


@pytest.mark.parametrize(
    ("eligible", "grant", "error", "capped"),
    [
        # around the minimum: 100,000 / 0.9 = 111,111.11...
        ("111111.11", "99999.99", "um 0,01\u00a0€ unter der Mindestzuwendung von 100.000,00\u00a0€", False),
        ("111111.12", "100000.00", None, False),
        ("111111.13", "100000.01", None, False),
        ("50000.00", "45000.00", "um 55.000,00\u00a0€ unter der Mindestzuwendung", False),
        ("0.01", "0.00", "um 100.000,00\u00a0€ unter", False),
        # around the maximum: 2,500,000 / 0.9 = 2,777,777.77...
        ("2777777.77", "2499999.99", None, False),
        ("2777777.78", "2500000.00", None, False),  # 2,500,000.002 rounds down to the maximum
        ("2777777.79", "2500000.00", None, True),
        ("5000000.00", "2500000.00", None, True),
        # rounding down to the cent, never in the applicant's favour
        ("123456.79", "111111.11", None, False),  # 111,111.111
        ("123456.78", "111111.10", None, False),  # 111,111.102
        ("200000.01", "180000.00", None, False),  # 180,000.009
    ],
)
def test_grant_boundaries(eligible, grant, error, capped):
    f = figures(eligible)
    assert f.grant == Decimal(grant)
    assert f.capped is capped
    if error:
        assert len(f.errors) == 1 and error in f.errors[0]
    else:
        assert f.errors == []


def test_costs_above_the_cap_are_accepted_and_own_share_grows():
    f = figures("3000000.00", ineligible="10000.00")
    assert f.grant == MAX
    assert f.total_costs == Decimal("3010000.00")
    assert f.own_share == Decimal("510000.00")
    assert f.errors == []
    assert "begrenzt" in f.notes[0] and "200.000,00" in f.notes[0]


def test_over_financing_by_third_party_funds_is_an_error():
    f = figures("200000.00", third=["20000.01"])
    assert f.own_share == Decimal("-0.01")
    assert any("Überfinanzierung" in e for e in f.errors)
    assert figures("200000.00", third=["20000.00"]).errors == []


def test_sums_are_exact_decimals_per_year():
    lines = [Line(budget_year=2027, amount=Decimal("0.10"), eligible=True) for _ in range(3)]
    lines.append(Line(budget_year=2028, amount=Decimal("150000.00"), eligible=True))
    f = compute_figures(rate=RATE, min_grant=MIN, max_grant=MAX, lines=lines, third_party=[])
    assert f.eligible_costs == Decimal("150000.30")
    assert f.by_year[2027]["eligible"] == Decimal("0.30")
    assert f.grant == Decimal("135000.27")


def test_proportional_grant_rounds_down():
    assert proportional_grant(rate=Decimal("0.9"), eligible_costs=Decimal("0.01"), maximum=MAX) == Decimal("0.00")


@pytest.mark.parametrize(("text", "value"), [
    ("1.234.567,89", "1234567.89"), ("100.000", "100000"), ("100000,5", "100000.5"),
    ("1234.56", "1234.56"), ("  12 500,00 € ", "12500.00"),
])
def test_parse_amount(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "", "1e5", "--5", "12,500.00", "1,000,000"])
def test_parse_amount_refuses(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_format_eur():
    assert format_eur(Decimal("1234567.891")) == "1.234.567,89\u00a0€"
    assert format_eur(Decimal("0")) == "0,00\u00a0€"


def _largest_remainder(cents, weights):
    """The split by its definition, in exact fractions: floors first, then one cent each to the largest
    remainders, the earlier year first on a tie."""
    total = sum(weights.values())
    shares = {y: Fraction(cents * w, total) for y, w in sorted(weights.items())}
    parts = {y: int(s) for y, s in shares.items()}
    for y in sorted(shares, key=lambda y: (-(shares[y] - parts[y]), y))[:cents - sum(parts.values())]:
        parts[y] += 1
    return parts


@pytest.mark.parametrize("seed", range(5))
def test_the_split_by_year_hands_out_every_cent_by_the_largest_remainder(seed):
    rng = random.Random(seed)
    for _ in range(400):
        years = rng.sample(range(2025, 2032), rng.randint(1, 4))
        weights = {y: Decimal(rng.randint(0, 10 ** rng.randint(1, 9))) / 100 for y in years}
        if not any(weights.values()):
            continue
        total = Decimal(rng.randint(0, 250_000_000)) / 100
        split = split_by_year(total, weights)
        assert sum(split.values()) == total
        expected = _largest_remainder(int(total * 100), {y: int(w * 100) for y, w in weights.items()})
        assert split == {y: Decimal(c) / 100 for y, c in expected.items()}
        assert split_cents(int(total * 100), {y: int(w * 100) for y, w in weights.items()}) == expected


def test_the_split_by_year_gives_equal_remainders_to_the_earlier_year_and_nothing_without_weights():
    assert split_by_year(Decimal("0.01"), {2028: Decimal("1"), 2027: Decimal("1")}) == {
        2027: Decimal("0.01"), 2028: Decimal("0.00")}
    assert split_by_year(Decimal("100.00"), {2027: Decimal("1.5"), 2028: Decimal("0.5")}) == {
        2027: Decimal("75.00"), 2028: Decimal("25.00")}
    assert split_by_year(Decimal("100.00"), {}) == {}
    assert split_by_year(Decimal("100.00"), {2027: Decimal("0.00")}) == {}
