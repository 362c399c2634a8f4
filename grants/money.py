"""The money rule of Anteilfinanzierung — its one home.

    grant = funding rate × eligible costs, rounded down to the cent, at most the maximum grant
    (Höchstbetrag); an application whose grant lies outside the program's range is refused with a
    message that names the bound and by how much.

Python form: `compute_grant` (with `proportional_grant` for the capped amount alone); query form
for lists: `grant_expression`, which gives the same cents in the database. Forms, the live preview,
the API, the decision, amendments, the settlement and the tests all call these.
Amounts are Decimal euros with two places (reading, rounding, formatting: foundation.amounts).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField, DecimalField, ExpressionWrapper, F, Func, Value
from django.db.models.functions import Cast, Least, Round
from django.utils.translation import gettext as _

from foundation.amounts import CENT, MONEY, ZERO, floor_cents, format_eur, to_money


@dataclass(frozen=True)
class GrantFigures:
    rate: Decimal
    eligible_costs: Decimal
    uncapped: Decimal  # rate × eligible costs, rounded down to the cent
    grant: Decimal  # the uncapped grant, at most the maximum
    minimum: Decimal | None
    maximum: Decimal | None

    @property
    def capped(self) -> bool:
        return self.uncapped > self.grant

    @property
    def over_cap(self) -> Decimal:
        """What the municipality pays on top because of the cap."""
        return self.uncapped - self.grant

    @property
    def shortfall(self) -> Decimal:
        """How far the grant lies below the minimum (0.00 when it does not)."""
        if self.minimum is None:
            return ZERO
        return max(to_money(self.minimum) - self.grant, ZERO)

    @property
    def below_minimum(self) -> bool:
        return self.shortfall > 0

    def minimum_error(self) -> str | None:
        """The message that names the minimum and the shortfall, or None when the grant reaches it."""
        if not self.below_minimum:
            return None
        return _("Die berechnete Zuwendung von %(grant)s liegt um %(gap)s unter der Mindestzuwendung "
                 "von %(min)s.") % {"grant": format_eur(self.grant), "gap": format_eur(self.shortfall),
                                    "min": format_eur(self.minimum)}

    def cap_note(self) -> str | None:
        """The note that names the maximum and what the municipality pays on top, or None."""
        if not self.capped:
            return None
        return _("Die rechnerische Zuwendung von %(raw)s übersteigt die Höchstzuwendung von %(max)s um "
                 "%(over)s. Die Zuwendung wird auf %(max)s begrenzt; Ihr Eigenanteil erhöht sich "
                 "entsprechend.") % {"raw": format_eur(self.uncapped), "max": format_eur(self.maximum),
                                     "over": format_eur(self.over_cap)}


def uncapped_grant(*, rate: Decimal, eligible_costs: Decimal) -> Decimal:
    """rate × eligible costs, rounded down to the cent (never in the applicant's favour)."""
    return floor_cents(Decimal(rate) * Decimal(eligible_costs))


def compute_grant(*, rate: Decimal, eligible_costs: Decimal, maximum: Decimal | None = None,
                  minimum: Decimal | None = None) -> GrantFigures:
    """The whole rule: rounded down, capped at `maximum` (None: no cap), checked against `minimum`."""
    uncapped = uncapped_grant(rate=rate, eligible_costs=eligible_costs)
    grant = uncapped if maximum is None else min(uncapped, to_money(maximum))
    return GrantFigures(rate=Decimal(rate), eligible_costs=to_money(eligible_costs), uncapped=uncapped,
                        grant=grant, minimum=minimum, maximum=maximum)


def proportional_grant(*, rate: Decimal, eligible_costs: Decimal, maximum: Decimal) -> Decimal:
    """Anteilfinanzierung: rate × eligible costs, rounded down to the cent, at most the maximum."""
    return compute_grant(rate=rate, eligible_costs=eligible_costs, maximum=maximum).grant


def range_error(grant: Decimal, *, minimum: Decimal, maximum: Decimal) -> str | None:
    """A grant to be decided must lie in the program's range: the message names the bound and the gap."""
    if grant < minimum:
        return compute_grant(rate=Decimal(1), eligible_costs=grant, minimum=minimum).minimum_error()
    if grant > maximum:
        return _("Die Zuwendung von %(g)s liegt um %(d)s über der Höchstzuwendung von %(m)s.") % {
            "g": format_eur(grant), "d": format_eur(grant - maximum), "m": format_eur(maximum)}
    return None


def eligible_costs_for(*, rate: Decimal, grant: Decimal) -> Decimal:
    """The least eligible costs whose (uncapped) grant is at least `grant`: the rule read backwards."""
    eligible = to_money(Decimal(grant) / Decimal(rate))
    while uncapped_grant(rate=rate, eligible_costs=eligible) < grant:
        eligible += CENT
    while eligible > 0 and uncapped_grant(rate=rate, eligible_costs=eligible - CENT) >= grant:
        eligible -= CENT
    return eligible


class _CentsToEuros(Func):
    """Integer cents → euros: exact numeric division on PostgreSQL; on SQLite (integers divide as integers
    there) a real division, which Django's decimal converter reads back to the cent."""

    template = "(CAST(%(expressions)s AS NUMERIC) / 100)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s / 100.0)", **extra_context)


def grant_expression(*, rate: str = "funding_rate", eligible_costs: str = "eligible_costs",
                     maximum: str | None = "max_grant"):
    """The rule as a database expression for lists (annotate/order_by), exact to the cent on every database.

    Works in integer cents and basis points so that no float rounding (SQLite) can move a cent:
    floor(rate_bp × eligible_cents / 10000), then at most the maximum. Arguments name fields (lookups).
    """
    rate_bp = Cast(Round(F(rate) * Value(10000)), BigIntegerField())
    cents = Cast(Round(F(eligible_costs) * Value(100)), BigIntegerField())
    grant_cents = ExpressionWrapper(rate_bp * cents / Value(10000), output_field=BigIntegerField())  # floor
    money = DecimalField(**MONEY)
    grant = _CentsToEuros(grant_cents, output_field=money)
    if maximum is None:
        return grant
    return Least(grant, Cast(F(maximum), money), output_field=money)


def retained_instalment(*, grant: Decimal, percent: Decimal) -> Decimal:
    """The final instalment held back until the proof of use is checked: `percent` of the grant, rounded
    down to the cent (configurable per program; 0 means none)."""
    return floor_cents(grant * percent / Decimal(100))
