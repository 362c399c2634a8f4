"""Interest on recovery claims (§ 49a Abs. 3 HVwVfG): pure functions, ``Decimal`` only.

Convention (also in docs/payments-proofs.md):

- Rate: the base rate (Basiszinssatz, § 247 BGB) plus a margin of 5 percentage points, per year.
  The base rate is reset on 1 January and 1 July; a table entry is valid from its date until the
  next entry, and at most until the next 1 January or 1 July (the rate of a later half-year must
  be in the table, otherwise the computation is refused rather than guessed).
- Span: from ``interest_from`` (inclusive: the day the notice became ineffective) to the payment
  date (exclusive).
- Day count act/act: the span is split at every change of the base rate, at every 1 January and at
  every payment; each piece earns principal × (base rate + margin) / 100 × days / days of that
  calendar year (365 or 366).
- Rounding: the exact sum is rounded down to the cent once (never in the authority's favour).
- Partial payments (§ 367 BGB): a payment is applied first to the interest owed on its date, then
  to the principal; the principal is reduced from the payment's date on.
- A waiver of interest sets the interest still owed to zero; interest already paid stays paid.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.utils.translation import gettext as _

from foundation.amounts import ZERO, floor_cents, format_eur

from .exceptions import PaymentsError

MARGIN = Decimal("5")
HUNDRED = Decimal("100")

# Basiszinssatz nach § 247 BGB as published by the Deutsche Bundesbank (valid from, rate in %).
# Later rates are added by staff on the base-rate page (or by the API).
OFFICIAL_BASE_RATES: list[tuple[dt.date, Decimal]] = [
    (dt.date(2016, 7, 1), Decimal("-0.88")),
    (dt.date(2023, 1, 1), Decimal("1.62")),
    (dt.date(2023, 7, 1), Decimal("3.12")),
    (dt.date(2024, 1, 1), Decimal("3.62")),
    (dt.date(2024, 7, 1), Decimal("3.37")),
    (dt.date(2025, 1, 1), Decimal("2.27")),
    (dt.date(2025, 7, 1), Decimal("1.27")),
]


class InterestError(PaymentsError):
    """The interest cannot be computed (a base rate is missing) or a payment does not fit."""


def is_reset_day(day: dt.date) -> bool:
    """The base rate changes only on 1 January and 1 July."""
    return day.day == 1 and day.month in (1, 7)


def next_reset(day: dt.date) -> dt.date:
    """The next 1 January or 1 July strictly after ``day``."""
    return dt.date(day.year, 7, 1) if day.month < 7 else dt.date(day.year + 1, 1, 1)


def year_days(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


@dataclass(frozen=True)
class RateSpan:
    """One table entry with the end of its validity (exclusive)."""

    start: dt.date
    end: dt.date
    rate: Decimal


def rate_spans(base_rates: Iterable[tuple[dt.date, Decimal]]) -> list[RateSpan]:
    """Each entry valid until the next entry, and at most until the next reset day."""
    entries = sorted((d, Decimal(r)) for d, r in base_rates)
    spans = []
    for i, (start, rate) in enumerate(entries):
        end = next_reset(start)
        if i + 1 < len(entries):
            end = min(end, entries[i + 1][0])
        spans.append(RateSpan(start, end, rate))
    return spans


def base_rate_on(spans: Sequence[RateSpan], day: dt.date) -> RateSpan:
    for span in spans:
        if span.start <= day < span.end:
            return span
    raise InterestError(
        _("Für den %(day)s ist kein Basiszinssatz hinterlegt. Bitte ergänzen Sie die Tabelle der Basiszinssätze.")
        % {"day": day.strftime("%d.%m.%Y")}, field="base_rate")


@dataclass(frozen=True)
class Period:
    """A piece of the span with one principal, one rate and one calendar year."""

    start: dt.date
    end: dt.date  # exclusive
    principal: Decimal
    base_rate: Decimal
    rate: Decimal  # base rate + margin, % per year
    days: int
    year_days: int
    interest: Decimal  # exact, not rounded


@dataclass(frozen=True)
class Accrual:
    periods: list[Period]
    exact: Decimal

    @property
    def interest(self) -> Decimal:
        return floor_cents(self.exact)


def accrue(*, principal: Decimal, start: dt.date, end: dt.date, base_rates: Iterable[tuple[dt.date, Decimal]],
           margin: Decimal = MARGIN, reductions: Iterable[tuple[dt.date, Decimal]] = ()) -> Accrual:
    """Exact interest on ``principal`` from ``start`` (inclusive) to ``end`` (exclusive).

    reductions: (date, amount) paid on the principal; it is reduced from that date on.
    """
    principal = Decimal(principal)
    margin = Decimal(margin)
    if end <= start:
        return Accrual([], Decimal("0"))
    spans = rate_spans(base_rates)
    reductions = sorted((d, Decimal(a)) for d, a in reductions)
    cuts = {start, end}
    cuts.update(s.start for s in spans if start < s.start < end)
    cuts.update(s.end for s in spans if start < s.end < end)
    cuts.update(dt.date(y, 1, 1) for y in range(start.year + 1, end.year + 1))
    cuts.update(d for d, _a in reductions if start < d < end)
    points = sorted(cuts)
    current = principal - sum((a for d, a in reductions if d <= start), ZERO)
    periods, total = [], Decimal("0")
    with localcontext() as ctx:
        ctx.prec = 50
        for a, b in zip(points, points[1:], strict=False):
            current -= sum((amt for d, amt in reductions if d == a and d > start), ZERO)
            if current <= 0:
                current = ZERO
                break
            span = base_rate_on(spans, a)
            rate = span.rate + margin
            days, ydays = (b - a).days, year_days(a.year)
            interest = current * rate / HUNDRED * days / ydays
            periods.append(Period(a, b, current, span.rate, rate, days, ydays, interest))
            total += interest
    return Accrual(periods, total)


@dataclass(frozen=True)
class Split:
    received_on: dt.date
    amount: Decimal
    to_interest: Decimal
    to_principal: Decimal


@dataclass(frozen=True)
class Position:
    """What is owed on a day (before any payment of that day that is not yet among ``payments``)."""

    on: dt.date
    principal: Decimal
    accrual: Accrual
    interest: Decimal  # accrued, rounded down once; 0 when waived and nothing was paid on it
    paid_interest: Decimal
    paid_principal: Decimal
    waived: bool
    payments: list[Split] = field(default_factory=list)

    @property
    def principal_outstanding(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def interest_outstanding(self) -> Decimal:
        if self.waived:
            return ZERO
        return max(self.interest - self.paid_interest, ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.principal_outstanding + self.interest_outstanding


def position(*, principal: Decimal, interest_from: dt.date, on: dt.date,
             base_rates: Iterable[tuple[dt.date, Decimal]], margin: Decimal = MARGIN,
             payments: Iterable[Split] = (), waived: bool = False) -> Position:
    """The claim on day ``on`` given payments already split (all received on or before ``on``).

    With the interest waived no interest is computed at all (and no base rate is needed).
    """
    payments = sorted(payments, key=lambda p: p.received_on)
    paid_interest = sum((p.to_interest for p in payments), ZERO)
    paid_principal = sum((p.to_principal for p in payments), ZERO)
    if waived:
        accrual = Accrual([], Decimal("0"))
        interest = paid_interest
    else:
        accrual = accrue(principal=principal, start=interest_from, end=on, base_rates=base_rates, margin=margin,
                         reductions=[(p.received_on, p.to_principal) for p in payments if p.to_principal])
        interest = accrual.interest
    return Position(on, Decimal(principal), accrual, interest, paid_interest, paid_principal, waived, payments)


def split_payment(current: Position, amount: Decimal) -> Split:
    """§ 367 BGB: interest first, then principal. Never more than what is outstanding on that day."""
    amount = Decimal(amount)
    if amount <= 0:
        raise InterestError(_("Der Betrag muss größer als 0 sein."), field="amount")
    if amount > current.outstanding:
        raise InterestError(
            _("Der Betrag übersteigt die offene Forderung am %(day)s (%(open)s).")
            % {"day": current.on.strftime("%d.%m.%Y"), "open": format_eur(current.outstanding)},
            field="amount")
    to_interest = min(amount, current.interest_outstanding)
    return Split(current.on, amount, to_interest, amount - to_interest)


def apply_payments(*, principal: Decimal, interest_from: dt.date, payments: Iterable[tuple[dt.date, Decimal]],
                   base_rates: Iterable[tuple[dt.date, Decimal]], margin: Decimal = MARGIN,
                   waived: bool = False) -> list[Split]:
    """Split a series of payments (date, amount) one after another."""
    rates = list(base_rates)
    splits: list[Split] = []
    for received_on, amount in sorted(payments):
        current = position(principal=principal, interest_from=interest_from, on=received_on, base_rates=rates,
                           margin=margin, payments=splits, waived=waived)
        splits.append(split_payment(current, amount))
    return splits
