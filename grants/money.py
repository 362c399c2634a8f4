"""Money: every amount is a `Decimal` in euros with two places. This module owns rounding.

Grants are rounded *down* to the cent (never in the applicant's favour); sums start at
`Decimal("0.00")`. Nothing in this project uses float for money.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Exact conversion of a user- or database-supplied amount to two places (half up)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def floor_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_DOWN)


def money_sum(values) -> Decimal:
    return sum((Decimal(v) for v in values), ZERO)


def proportional_grant(*, rate: Decimal, eligible_costs: Decimal, maximum: Decimal) -> Decimal:
    """Anteilfinanzierung: rate × eligible costs, rounded down to the cent, at most the maximum."""
    return min(floor_cents(Decimal(rate) * Decimal(eligible_costs)), to_money(maximum))


def format_eur(value) -> str:
    """German format: 1.234.567,89 €"""
    if value is None:
        return "–"
    q = to_money(value)
    sign = "-" if q < 0 else ""
    whole, cents = f"{abs(q):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{'.'.join(groups)},{cents}\u00a0€"


def parse_amount(text) -> Decimal:
    """Read an amount typed in German ("1.234.567,89", "100.000") or plain ("1234567.89") form.

    Raises ValueError for anything that is not an amount.
    """
    import re
    from decimal import InvalidOperation

    s = str(text).strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if "," in s and "." in s and s.rfind(".") > s.rfind(","):
        raise ValueError(text)  # English format (12,500.00): refused rather than misread
    if "," in s and s.count(",") > 1:
        raise ValueError(text)
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif s.count(".") > 1 or re.fullmatch(r"\d{1,3}(\.\d{3})+", s):
        s = s.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError(text)
    try:
        return Decimal(s)
    except InvalidOperation:
        raise ValueError(text) from None


def format_amount_input(value) -> str:
    """An amount as it is shown in an input field: 1.234.567,89 (no currency sign)."""
    return format_eur(value).replace("\u00a0€", "") if value not in (None, "") else ""
