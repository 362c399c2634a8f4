"""The money rule of Anteilfinanzierung. Amounts are Decimal euros with two places
(reading, rounding and formatting amounts: foundation.amounts).

Grants are rounded *down* to the cent (never in the applicant's favour).
"""

from decimal import Decimal

from foundation.amounts import floor_cents, to_money


def proportional_grant(*, rate: Decimal, eligible_costs: Decimal, maximum: Decimal) -> Decimal:
    """Anteilfinanzierung: rate × eligible costs, rounded down to the cent, at most the maximum."""
    return min(floor_cents(Decimal(rate) * Decimal(eligible_costs)), to_money(maximum))
