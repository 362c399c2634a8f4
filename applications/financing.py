"""The financing plan's figures (pure functions, no database); the grant rule itself is grants.money."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from foundation.amounts import CENT, ZERO, format_eur, money_sum
from grants.money import compute_grant


@dataclass(frozen=True)
class Line:
    budget_year: int
    amount: Decimal
    eligible: bool
    category: str = ""
    description: str = ""


@dataclass
class Figures:
    total_costs: Decimal
    eligible_costs: Decimal
    third_party_funds: Decimal
    grant: Decimal
    own_share: Decimal
    uncapped_grant: Decimal
    capped: bool
    by_year: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def own_share_percent(self) -> Decimal:
        if not self.total_costs:
            return ZERO
        return (self.own_share * 100 / self.total_costs).quantize(Decimal("0.1"))

    def as_dict(self) -> dict:
        return {
            "total_costs": str(self.total_costs), "eligible_costs": str(self.eligible_costs),
            "third_party_funds": str(self.third_party_funds), "grant": str(self.grant),
            "own_share": str(self.own_share), "capped": self.capped,
            "by_year": {str(y): {k: str(v) for k, v in row.items()} for y, row in self.by_year.items()},
            "errors": list(self.errors), "notes": list(self.notes),
        }


def compute_figures(*, rate: Decimal, min_grant: Decimal, max_grant: Decimal,
                    lines: list[Line], third_party: list[Decimal]) -> Figures:
    """The financing plan's sums; the grant itself is grants.money.compute_grant.

    errors: rules that block submission (grant below the minimum, over-financing).
    notes: information (the cap applied, and what the municipality pays on top).
    hints: neutral guidance while the plan is still empty (the minimum is not yet an error: an
    untouched draft shows no red message; submission is blocked by the empty plan itself).
    """
    total = money_sum(line.amount for line in lines)
    eligible = money_sum(line.amount for line in lines if line.eligible)
    third = money_sum(third_party)
    rule = compute_grant(rate=rate, eligible_costs=eligible, maximum=max_grant, minimum=min_grant)
    grant = rule.grant
    own_share = total - grant - third

    by_year: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"total": ZERO, "eligible": ZERO})
    for line in lines:
        by_year[line.budget_year]["total"] += line.amount
        if line.eligible:
            by_year[line.budget_year]["eligible"] += line.amount

    figures = Figures(total_costs=total, eligible_costs=eligible, third_party_funds=third, grant=grant,
                      own_share=own_share, uncapped_grant=rule.uncapped, capped=rule.capped,
                      by_year=dict(sorted(by_year.items())))
    if rule.below_minimum and not lines:
        figures.hints.append(_("Die Zuwendung muss mindestens %(min)s betragen. Sobald Sie Ausgaben eintragen, "
                               "wird sie hier berechnet.") % {"min": format_eur(min_grant)})
    elif rule.below_minimum:
        figures.errors.append(rule.minimum_error())
    if rule.capped:
        figures.notes.append(rule.cap_note())
    if own_share < 0:
        figures.errors.append(
            _("Zuwendung und Drittmittel übersteigen die Gesamtausgaben um %(over)s "
              "(Überfinanzierung). Bitte verringern Sie die Drittmittel.")
            % {"over": format_eur(-own_share)})
    return figures


def figures_for(application) -> Figures:
    program = application.call.program
    return compute_figures(
        rate=program.funding_rate, min_grant=program.min_grant, max_grant=program.max_grant,
        lines=[Line(budget_year=c.budget_year, amount=c.amount, eligible=c.eligible,
                    category=c.category, description=c.description)
               for c in application.cost_lines.all()],
        third_party=[t.amount for t in application.third_party.all()],
    )


def split_cents(cents: int, weights: dict[int, int]) -> dict[int, int]:
    """Split a whole number of cents over budget years in proportion to integer weights, exactly.

    Each year gets the floor of its share; the cents left over go one each to the years with the largest
    remainders (the earlier year first when two are equal), so the parts always add up to the total. Integer
    arithmetic throughout: no rounding of the quotients, and fast enough for a list of thousands of rows.
    """
    weight_sum = sum(weights.values())
    if not weights or weight_sum <= 0:
        return {}
    parts, remainders = {}, {}
    for year in sorted(weights):
        parts[year], remainders[year] = divmod(cents * weights[year], weight_sum)
    leftover = cents - sum(parts.values())
    if leftover:
        for year in sorted(remainders, key=lambda y: (-remainders[y], y))[:leftover]:
            parts[year] += 1
    return parts


def split_by_year(total: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """Split an amount over budget years in proportion to weights, to the cent, summing exactly
    (`split_cents` on the amount in cents and the weights scaled to integers)."""
    if not weights:
        return {}
    places = max(0, *(-w.as_tuple().exponent for w in weights.values()))
    scaled = {year: int(w.scaleb(places)) for year, w in weights.items()}
    cents = int((total / CENT).to_integral_value())
    return {year: Decimal(c) * CENT for year, c in split_cents(cents, scaled).items()}



@dataclass
class PlanMatrix:
    """The financing plan as a table: one row per cost category, one column per budget year."""

    years: list[int]
    rows: list[dict]  # {"category", "label", "cells": [Decimal per year], "total": Decimal}
    year_totals: list[Decimal]
    total: Decimal
    eligible_total: Decimal


def plan_matrix(lines) -> PlanMatrix:
    """Sum cost lines (anything with category, budget_year, amount, eligible) per category and year."""
    from .enums import CostCategory

    lines = list(lines)
    years = sorted({line.budget_year for line in lines})
    sums: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sums[(line.category, line.budget_year)] += line.amount
    rows = []
    for category in CostCategory:
        cells = [sums[(category.value, year)] for year in years]
        if any(cells):
            rows.append({"category": category.value, "label": category.label, "cells": cells,
                         "total": money_sum(cells)})
    return PlanMatrix(years=years, rows=rows,
                      year_totals=[money_sum(line.amount for line in lines if line.budget_year == y) for y in years],
                      total=money_sum(line.amount for line in lines),
                      eligible_total=money_sum(line.amount for line in lines if line.eligible))
