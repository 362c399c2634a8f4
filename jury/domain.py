"""The jury's domain decisions, as plain functions on the figures a selector read: too few scorers, large
disagreement, thresholds, the tie-break chain and the budget-constrained recommendation (the list *skips*,
it does not stop). Selectors read; these decide; views and templates only show the result."""

from decimal import Decimal
from operator import itemgetter

from django.utils.translation import gettext as _

from foundation.amounts import ZERO, format_decimal, format_eur, to_cents

from .enums import DecisionOutcome, TieBreak


def too_few_scorers(panel, n_scores: int) -> bool:
    """Fewer independent scores (or assigned scorers) than the panel's minimum."""
    return n_scores < panel.min_scorers


def large_disagreement(panel, spread: Decimal | None) -> bool:
    """The members' totals lie further apart than the panel's spread threshold: discuss in the session."""
    return spread is not None and spread > panel.spread_threshold


def failed_thresholds(*, panel, criteria, means: dict[int, Decimal], total: Decimal | None) -> list[str]:
    """Why an application cannot be recommended: incomplete scores, a criterion or the total below its threshold."""
    if total is None:
        return [_("noch keine vollständige Bewertung")]
    failed = [_("„%(c)s“ unter der Schwelle %(t)s") % {"c": c.name, "t": format_decimal(c.threshold, 2, trim=True)}
              for c in criteria if c.threshold is not None and means[c.pk] < c.threshold]
    if panel.total_threshold is not None and total < panel.total_threshold:
        failed.append(_("Gesamtbewertung unter der Schwelle %(t)s")
                      % {"t": format_decimal(panel.total_threshold, 2, trim=True)})
    return failed


def fails_thresholds(*, panel, criteria, means: dict[int, Decimal | None], total: Decimal | None) -> bool:
    """Whether `failed_thresholds` names a reason, without writing it (the list asks this of every row, the
    reasons are written only for the rows shown)."""
    if total is None:
        return True
    if any(c.threshold is not None and means[c.pk] < c.threshold for c in criteria):
        return True
    return panel.total_threshold is not None and total < panel.total_threshold


def _tie_key(rule: str):
    """The sort key of one rule of the tie-break chain, as a function of a row (smaller sorts first)."""
    if rule.startswith("criterion:"):
        criterion_id = int(rule.split(":", 1)[1])

        def better_mean(row):
            mean = row.means.get(criterion_id)
            return -(mean if mean is not None else Decimal("-1"))
        return better_mean
    if rule == TieBreak.JOINT_FIRST:
        return lambda row: 0 if row.joint else 1
    if rule == TieBreak.LOWER_GRANT:
        return lambda row: row.grant_cents
    if rule == TieBreak.EARLIER_SUBMISSION:
        return lambda row: row.submitted_at
    return lambda row: 0


CASE_NUMBER = "case_number"  # the last rule of every chain


def tie_label(rule: str, criteria_by_id) -> str:
    """What separated a row from the tied one above it, in words."""
    if not rule:
        return ""
    if rule == CASE_NUMBER:
        return _("Aktenzeichen")
    if rule.startswith("criterion:"):
        criterion = criteria_by_id.get(int(rule.split(":", 1)[1]))
        return _("höhere Bewertung in „%(c)s“") % {"c": criterion.name if criterion else rule}
    try:
        return str(TieBreak(rule).label)
    except ValueError:
        return rule


def recommend(rows: list, *, panel, criteria, budget: Decimal, year_budgets: dict[int, Decimal]) -> list:
    """Order the rows and recommend down the list while the budget and every budget year's tranche cover
    the grant; an application that does not fit goes to the reserve list and the list goes on. Each row
    gets its place, outcome, the rule that broke its tie (`tie_rule`), the budget left after it and, when it
    did not fit, why (`shortfall`: "total" or the budget year); `explain` writes its explanation from these
    when it is shown. Returns the rows above the thresholds in order, then the rest.

    The money is counted in whole cents (`grant_cents`, `grant_cents_by_year()`; the row keeps
    `budget_left_cents` and `years_left_cents`), exact and cheap for thousands of rows; the rows show them as
    amounts when read."""
    chain = [r for r in (panel.tie_breaks or []) if isinstance(r, str)]
    tie_keys = [_tie_key(rule) for rule in chain]
    above = [((-r.total, *(key(r) for key in tie_keys), r.case_number or ""), r) for r in rows if r.above_threshold]
    above.sort(key=itemgetter(0))
    left = to_cents(budget)
    years_left = {year: to_cents(amount) for year, amount in year_budgets.items()}
    previous = None
    for position, (key, row) in enumerate(above, 1):
        row.position = position
        if previous is not None and previous[0] == key[0]:
            row.tie_rule = next((rule for rule, a, b in zip(chain, previous[1:], key[1:], strict=False) if a != b),
                                CASE_NUMBER)
        grant = row.grant_cents
        fits_total = grant <= left
        # the tranches are asked only of a grant the budget covers: one it does not is reserve for the total
        by_year = row.grant_cents_by_year() if years_left and fits_total else {}
        short_years = [y for y, amount in by_year.items() if amount > years_left.get(y, 0)]
        if fits_total and not short_years:
            row.outcome = DecisionOutcome.RECOMMENDED
            left -= grant
            for y, amount in by_year.items():
                if y in years_left:
                    years_left[y] -= amount
        else:
            row.outcome = DecisionOutcome.RESERVE
            row.shortfall = "total" if not fits_total else short_years[0]
        row.budget_left_cents = left
        row.years_left_cents = tuple(years_left.items())
        previous = key
    below = sorted((r for r in rows if not r.above_threshold),
                   key=lambda r: (r.total is None, -(r.total or ZERO), r.case_number or ""))
    return [row for _key, row in above] + below


def explain(row) -> str:
    """Why a row has its place: score and the budget left after it, why it did not fit ("exceeds the
    remaining funds of … by …", "the share in budget year … exceeds the remaining tranche"), or the
    thresholds it missed. Built from what `recommend` recorded, only for the rows shown."""
    if row.position is None:
        return _("Nicht empfohlen: %(why)s.") % {"why": "; ".join(str(f) for f in row.failed)}
    if row.outcome == DecisionOutcome.RECOMMENDED:
        return _("Platz %(p)s, %(s)s Punkte: empfohlen; danach verbleiben %(b)s.") % {
            "p": format_decimal(row.position, 0), "s": format_decimal(row.total), "b": format_eur(row.budget_left)}
    left = row.budget_left
    if row.shortfall == "total":
        why = _("die Zuwendung von %(g)s die verbleibenden Mittel von %(b)s um %(d)s übersteigt") % {
            "g": format_eur(row.grant), "b": format_eur(left), "d": format_eur(row.grant - left)}
    else:
        y = row.shortfall
        why = _("der Anteil %(g)s im Haushaltsjahr %(y)d die verbleibende Tranche von %(b)s übersteigt") % {
            "g": format_eur(row.grant_by_year[y]), "y": y, "b": format_eur(row.years_left.get(y, ZERO))}
    return _("Platz %(p)s, %(s)s Punkte: Nachrückliste, weil %(why)s.") % {
        "p": format_decimal(row.position, 0), "s": format_decimal(row.total), "why": why}
