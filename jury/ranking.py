"""The ranking list of a call, computed in the database and cached per version of its inputs.

One SQL statement reads every application in evaluation with its figures (points and count per criterion,
the lowest and highest member total, the number of sheets, joint project, grant and eligible costs per
budget year); one pass in Python (`jury.domain.recommend`) orders the rows and makes the skip-not-stop
budget cut-off. Everything a row only needs when it is shown — its explanation, the missed thresholds and
the tie-break in words, the application as a model instance — is built on access, so the 2,000 rows of a
large call cost no translations, no formatted amounts and no model instances unless they are shown.

The statement counts points in integers (value × 10, weight × 100, eligible costs in cents) so that
PostgreSQL and SQLite return the same exact figures; the means, the weighted total and its rounding to four
places are then computed with `Decimal` in Python, identically on both. It is written in SQL because it
needs aggregates of aggregates (the spread is the difference between the highest and the lowest member's
total) and per-criterion columns in one statement, which the ORM cannot express without one correlated
subquery per column and application.

The result is cached (Django's cache) under the call, the what-if budget and a fingerprint of every input
(`_inputs_key`): the panel's rules, the criteria, the budget and its tranches, and one query's counts, sums
and latest timestamps of the applications in evaluation, their submitted sheets, eligible cost lines and
partners. Submitting or reopening a sheet, an exclusion, a changed budget or tranche, criterion or
application changes the fingerprint, so the next reader computes afresh. What is cached is one tuple of
plain figures per row (`_pack`): no translated text, no model instance, no Decimal; the rows a viewer may not
see are left out after the cache.

Amounts stay whole cents inside the list (`grant_cents`, `budget_left_cents`, `years_left_cents`, the eligible
costs per year) and become `Decimal` amounts only when a shown row is read (`grant`, `budget_left`, ...).
"""

import datetime
import hashlib
import pickle
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models.expressions import Col

from accounts.models import Municipality
from applications.enums import EVALUATION_STATES, ApplicationState
from applications.financing import split_cents
from applications.models import Application, CostLine
from foundation.amounts import ZERO, from_cents, to_cents
from grants.models import Criterion

from . import domain
from .enums import DecisionOutcome, SheetState
from .models import Panel, Score, ScoreSheet

FOUR = Decimal("0.0001")
_POINTS = 10 ** Score._meta.get_field("value").decimal_places  # a score's points are counted in integers
CACHE_SECONDS = 60 * 60  # a bound only: any change of the inputs changes the key at once
# The version of the cached form (`_pack`), part of the key: raised with every change of the form, so that a process
# of the new code never reads an entry an old one wrote (they share the cache during a deployment).
CACHED_FORM = 2
_APP_FIELDS = ("id", "call_id", "lead_id", "title", "case_number", "state", "submitted_at")
_LEAD_FIELDS = ("id", "name", "kind", "official_key")


def _instance(model, values: dict):
    """A model instance from the fields the statement read; any other field is deferred (read on access)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


class RankingRow:
    """One application in the list. Built either from the ranking statement (`_live_row`) or the cache (`_unpack`):
    amounts in cents; explanation, missed thresholds, tie-break, the amounts and the application instance are made
    when first read; or from a closed session's snapshot (this constructor: everything given)."""

    # What is made on first read (the property then sets it on the row) and what a session records: empty until
    # then. As class attributes they are not in each row's own dict, which `_unpack` builds for thousands of rows on
    # every read of a large list.
    _application = _means = _grant = _eligible = _grant_by_year = _budget_left = _years_left = None
    _failed = _tie_break = _explanation = decision = None
    justification = ""

    def __init__(self, *, application, n_scores: int, means: dict, total: Decimal | None, spread: Decimal | None,
                 joint: bool, grant: Decimal, grant_by_year: dict, failed: list, too_few: bool, disagreement: bool,
                 position: int | None, outcome: str, tie_break: str, budget_left: Decimal | None, years_left: dict,
                 explanation: str, decision: str | None, justification: str):
        self.__dict__.update(_row_state(
            record=None, n_scores=n_scores, raw_means=None, total=total, spread=spread, joint=joint,
            grant_cents=to_cents(grant), eligible_cents=None, too_few=too_few, disagreement=disagreement,
            fails=bool(failed), context=None, position=position, outcome=outcome, tie_rule="",
            budget_left_cents=None if budget_left is None else to_cents(budget_left), years_left_cents=None,
            shortfall=None))
        self.__dict__.update(
            _application=application, application_id=application.pk, _means=means, _grant=grant,
            _grant_by_year=grant_by_year, _budget_left=budget_left, _years_left=years_left, _failed=failed,
            _tie_break=tie_break, _explanation=explanation, decision=decision, justification=justification)

    def __repr__(self):
        return f"<RankingRow {self.application_id} {self.position} {self.outcome}>"

    def __getattr__(self, name):
        """A row read from the cache keeps what only a shown row needs (`_DETAILS`: the application's record, the
        means' points, the eligible costs and the tranches left per budget year) pickled as one value, `_details`
        (`_pack`), read when one of them is first asked for. (Python calls this only for a name the row lacks.)"""
        details = self.__dict__.get("_details")
        if details is None or name not in _DETAILS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.__dict__.update(zip(_DETAILS, _read_details(details), strict=True))
        del self.__dict__["_details"]
        return self.__dict__[name]

    # ------------------------------------------------------------ built when read

    @property
    def means(self) -> dict:
        if self._means is None and self._raw_means is not None:
            self._means = _means(self._raw_means, self._context.criteria)
        return self._means

    @property
    def application(self) -> Application:
        if self._application is None:
            fields, lead = self._record
            app = _instance(Application, {**dict(zip(_APP_FIELDS, fields, strict=True)),
                                          "submitted_at": self.submitted_at, "grant_amount": self.grant})
            app.lead = _instance(Municipality, dict(zip(_LEAD_FIELDS, lead, strict=True)))
            self._application = app
        return self._application

    @property
    def case_number(self) -> str | None:
        return self._record[0][4] if self._application is None else self._application.case_number

    @property
    def submitted_at(self):
        if self._application is not None:
            return self._application.submitted_at
        value = self._record[0][6]
        if value is None or isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value
        # SQLite's cursor gives the moment without its time zone (or as text); Django's converters make it aware.
        expression = Col(Application._meta.db_table, Application._meta.get_field("submitted_at"))
        for convert in connection.ops.get_db_converters(expression):
            value = convert(value, expression, connection)
        return value

    @property
    def grant(self) -> Decimal:
        if self._grant is None:
            self._grant = from_cents(self.grant_cents)
        return self._grant

    @property
    def eligible(self) -> dict[int, Decimal] | None:
        """Eligible costs per budget year."""
        if self._eligible is None and self._eligible_cents is not None:
            self._eligible = {year: from_cents(c) for year, c in self._eligible_cents}
        return self._eligible

    def grant_cents_by_year(self) -> dict[int, int]:
        """The grant per budget year in cents, in proportion to the eligible costs (the one split rule)."""
        return split_cents(self.grant_cents, dict(self._eligible_cents or ()))

    @property
    def grant_by_year(self) -> dict[int, Decimal]:
        if self._grant_by_year is None:
            self._grant_by_year = {year: from_cents(c) for year, c in self.grant_cents_by_year().items()}
        return self._grant_by_year

    @property
    def budget_left(self) -> Decimal | None:
        """What is left of the budget after this row (rows above the thresholds)."""
        if self._budget_left is None and self.budget_left_cents is not None:
            self._budget_left = from_cents(self.budget_left_cents)
        return self._budget_left

    @property
    def years_left(self) -> dict[int, Decimal]:
        """What is left of each budget year's tranche after this row (rows above the thresholds)."""
        if self._years_left is None:
            self._years_left = {year: from_cents(c) for year, c in self.years_left_cents or ()}
        return self._years_left

    @property
    def failed(self) -> list[str]:
        if self._failed is None:
            ctx = self._context
            self._failed = domain.failed_thresholds(panel=ctx, criteria=ctx.criteria, means=self.means,
                                                    total=self.total) if self._fails else []
        return self._failed

    @property
    def tie_break(self) -> str:
        if self._tie_break is None:
            self._tie_break = domain.tie_label(self.tie_rule, self._context.criteria_by_id) \
                if self.tie_rule else ""
        return self._tie_break

    @property
    def explanation(self) -> str:
        if self._explanation is None:
            self._explanation = domain.explain(self)
        return self._explanation

    # ------------------------------------------------------------ outcome

    @property
    def outcome_label(self) -> str:
        return str(DecisionOutcome(self.outcome).label)

    @property
    def final_outcome(self) -> str:
        """What the jury decided, or (no decision recorded) what the list computed."""
        return self.decision or self.outcome

    @property
    def final_outcome_label(self) -> str:
        return str(DecisionOutcome(self.final_outcome).label)

    @property
    def deviates(self) -> bool:
        return self.decision is not None and self.decision != self.outcome

    @property
    def above_threshold(self) -> bool:
        return self.total is not None and not self._fails


class _Criterion:
    """What the rows need of a criterion to write their means, missed thresholds and tie-breaks."""

    __slots__ = ("pk", "name", "threshold", "weight")

    def __init__(self, criterion: Criterion):
        self.pk, self.name, self.threshold, self.weight = (criterion.pk, criterion.name, criterion.threshold,
                                                           criterion.weight)


class _Context:
    """The panel's rules and the criteria, shared by the rows of one list (no model instance)."""

    def __init__(self, panel: Panel, criteria: list):
        self.min_scorers = panel.min_scorers
        self.total_threshold = panel.total_threshold
        self.spread_threshold = panel.spread_threshold
        self.tie_breaks = list(panel.tie_breaks or [])
        self.criteria = [_Criterion(c) for c in criteria]
        self.criteria_by_id = {c.pk: c for c in self.criteria}


# ---------------------------------------------------------------- the statement


def _statement(call_id: int, criteria: list) -> tuple[str, list]:
    """The one statement for the rows, in application id order, and its parameters.

    The sheets that count (submitted, member not excluded, application of the call in evaluation) are
    read first, once, as a small set; each score is then joined to it by one lookup and pivoted per sheet
    (one column per criterion: a sheet has one score per criterion). A sheet's weighted total, for the
    spread between members, is written over those columns with the weights in integer hundredths, so no
    score row is joined to its criterion.
    """
    t = {m.__name__: connection.ops.quote_name(m._meta.db_table)
         for m in (Application, Score, ScoreSheet, CostLine, Municipality)}
    assignment = connection.ops.quote_name(ScoreSheet._meta.get_field("assignment").related_model._meta.db_table)
    partners = connection.ops.quote_name(Application.partners.through._meta.db_table)
    points = 10 ** Score._meta.get_field("value").decimal_places
    hundredths = 10 ** Criterion._meta.get_field("weight").decimal_places
    postgres = connection.vendor == "postgresql"
    agg = "string_agg" if postgres else "group_concat"
    # PostgreSQL would fold the small set into the score join and probe three hash tables per score; `OFFSET 0` keeps
    # it a set of its own. (MATERIALIZED did too, but the planner knows nothing of a materialized set's columns, took
    # the sheet ids for 200 distinct values and hashed the 36,000 scores instead of the 6,000 sheets: 4 ms more at
    # 2,000 applications × 7 members × 6 criteria, bench/ranking.py. Of a subquery it reads the table's statistics.)
    # SQLite needs no such fence, and knows no OFFSET without LIMIT.
    fence = " OFFSET 0" if postgres else ""
    states = sorted(EVALUATION_STATES)
    marks = ", ".join(["%s"] * len(states))
    pivot_sheet, pivot_app, weighted, pivot_cols = [], [], [], []
    pivot_params, weight_params = [], []
    for i, c in enumerate(criteria):
        # MAX of the sheet's one score per criterion (a unique constraint), an integer like its points
        pivot_sheet.append(f"MAX(CAST(ROUND(s.value * {points}) AS BIGINT)) FILTER (WHERE s.criterion_id = %s) AS p{i}")
        pivot_params.append(c.pk)
        pivot_app.append(f"CAST(SUM(p{i}) AS BIGINT) AS p{i}, COUNT(p{i}) AS n{i}")
        weighted.append(f"COALESCE(p{i}, 0) * %s")
        weight_params.append(int(c.weight * hundredths))
        pivot_cols.append(f"pa.p{i}, pa.n{i}")
    weighted_sql = " + ".join(weighted) or "0"
    # Only table names (quoted from the models), integer scales and placeholders are interpolated.
    sql = f"""
WITH counted AS (
  SELECT sh.id AS sheet_id, a.application_id AS app_id
  FROM {t['ScoreSheet']} sh
  JOIN {assignment} a ON a.id = sh.assignment_id
  JOIN {t['Application']} sa ON sa.id = a.application_id
  WHERE sa.call_id = %s AND sa.state IN ({marks}) AND sh.state = %s AND a.excluded = %s{fence}
), sheets AS (
  SELECT ct.app_id {''.join(', ' + p for p in pivot_sheet)}
  FROM {t['Score']} s JOIN counted ct ON ct.sheet_id = s.sheet_id
  WHERE s.value IS NOT NULL
  GROUP BY ct.app_id, s.sheet_id
), per_app AS (
  SELECT app_id, COUNT(*) AS n_scores, MIN({weighted_sql}) AS lowest, MAX({weighted_sql}) AS highest
         {''.join(', ' + p for p in pivot_app)}
  FROM sheets GROUP BY app_id
), years AS (
  SELECT cl.application_id AS app_id, cl.budget_year, SUM(CAST(ROUND(cl.amount * 100) AS BIGINT)) AS cents
  FROM {t['CostLine']} cl JOIN {t['Application']} ya ON ya.id = cl.application_id
  WHERE ya.call_id = %s AND ya.state IN ({marks}) AND cl.eligible = %s
  GROUP BY cl.application_id, cl.budget_year
), year_list AS (
  SELECT app_id, {agg}(CAST(budget_year AS TEXT) || ':' || CAST(cents AS TEXT), ',') AS eligible
  FROM years GROUP BY app_id
)
SELECT ap.id, ap.call_id, ap.lead_id, ap.title, ap.case_number, ap.state, ap.submitted_at,
       CAST(ROUND(ap.grant_amount * 100) AS BIGINT), m.id, m.name, m.kind, m.official_key,
       EXISTS (SELECT 1 FROM {partners} p WHERE p.application_id = ap.id),
       pa.n_scores, pa.lowest, pa.highest, yl.eligible
       {''.join(', ' + p for p in pivot_cols)}
FROM {t['Application']} ap
JOIN {t['Municipality']} m ON m.id = ap.lead_id
LEFT JOIN per_app pa ON pa.app_id = ap.id
LEFT JOIN year_list yl ON yl.app_id = ap.id
WHERE ap.call_id = %s AND ap.state IN ({marks})
ORDER BY ap.id"""  # noqa: S608
    params = [call_id, *states, SheetState.SUBMITTED.value, False, *pivot_params, *weight_params, *weight_params,
              call_id, *states, True, call_id, *states]
    return sql, params


def _rows(call_id: int, panel: Panel, criteria: list, context: _Context) -> list[RankingRow]:
    """The rows with their figures, flags and thresholds (not yet ordered)."""
    sql, params = _statement(call_id, criteria)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    plain = context.criteria  # plain objects: a model's `pk` is a property, read 12,000 times for 2,000 rows
    weights = [(c.pk, c.weight) for c in plain]
    weight_sum = sum((w for _pk, w in weights), ZERO)
    sheet_scale = _POINTS * 10 ** Criterion._meta.get_field("weight").decimal_places
    width = 2 * len(criteria)
    rows = []
    for rec in records:
        n_scores = rec[13] or 0
        raw = tuple(rec[17:17 + width])
        means = _means(raw, plain)
        complete = bool(plain) and None not in means.values()
        total = (sum((w * means[pk] for pk, w in weights), ZERO) / weight_sum).quantize(FOUR) if complete else None
        spread = None
        if n_scores:
            spread = ((Decimal(rec[15]) / sheet_scale / weight_sum).quantize(FOUR)
                      - (Decimal(rec[14]) / sheet_scale / weight_sum).quantize(FOUR))
        eligible = ()
        if rec[16]:
            eligible = tuple(sorted((int(year), int(cents)) for year, cents in
                                    (part.split(":") for part in rec[16].split(","))))
        row = _live_row(
            record=(rec[0:7], rec[8:12]), n_scores=n_scores, raw_means=raw, total=total, spread=spread,
            joint=bool(rec[12]), grant_cents=int(rec[7]), eligible_cents=eligible, context=context,
            too_few=domain.too_few_scorers(panel, n_scores), disagreement=domain.large_disagreement(panel, spread),
            fails=domain.fails_thresholds(panel=panel, criteria=plain, means=means, total=total))
        row._means = means
        rows.append(row)
    return rows


def _means(raw: tuple, criteria) -> dict:
    """The mean per criterion from the statement's points (× 10^places) and counts, in criteria order."""
    return {c.pk: Decimal(raw[2 * i]) / (_POINTS * int(raw[2 * i + 1])) if raw[2 * i + 1] else None
            for i, c in enumerate(criteria)}


# ---------------------------------------------------------------- the cache


def _inputs_key(*, call, panel: Panel, criteria: list, budget, year_budgets, tranches) -> str:
    """The cache key: the call, the what-if budget and a fingerprint of every input of the list (one query)."""
    t = {m.__name__: connection.ops.quote_name(m._meta.db_table)
         for m in (Application, ScoreSheet, CostLine)}
    assignment = connection.ops.quote_name(ScoreSheet._meta.get_field("assignment").related_model._meta.db_table)
    partners = connection.ops.quote_name(Application.partners.through._meta.db_table)
    states = sorted(EVALUATION_STATES)
    in_call = f"ap.call_id = %s AND ap.state IN ({', '.join(['%s'] * len(states))})"
    # One scan per table (the ORM would need one subquery, and one scan, per figure).
    sql = f"""
SELECT * FROM
 (SELECT COUNT(*), SUM(ap.id), MAX(ap.updated_at), SUM(CASE WHEN ap.state = %s THEN ap.id END),
         SUM(CAST(ROUND(ap.grant_amount * 100) AS BIGINT))
  FROM {t['Application']} ap WHERE {in_call}) apps,
 (SELECT COUNT(*), SUM(sh.id), MAX(sh.submitted_at)
  FROM {t['ScoreSheet']} sh JOIN {assignment} a ON a.id = sh.assignment_id
  JOIN {t['Application']} ap ON ap.id = a.application_id
  WHERE {in_call} AND sh.state = %s AND a.excluded = %s) sheets,
 (SELECT COUNT(*), SUM(CAST(ROUND(cl.amount * 100) AS BIGINT))
  FROM {t['CostLine']} cl JOIN {t['Application']} ap ON ap.id = cl.application_id
  WHERE {in_call} AND cl.eligible = %s) lines,
 (SELECT COUNT(*) FROM {partners} p JOIN {t['Application']} ap ON ap.id = p.application_id
  WHERE {in_call}) partners"""  # noqa: S608
    scope = [call.pk, *states]
    with connection.cursor() as cursor:
        cursor.execute(sql, [ApplicationState.IN_EVALUATION.value, *scope, *scope, SheetState.SUBMITTED.value, False,
                             *scope, True, *scope])
        version = tuple(str(v) for v in cursor.fetchone())
    rules = (panel.pk, panel.min_scorers, panel.total_threshold, panel.spread_threshold, panel.tie_breaks)
    inputs = (call.pk, str(call.total_budget), budget, sorted((year_budgets or {}).items()), sorted(tranches.items()),
              rules, [(c.pk, c.name, c.weight, c.threshold, c.order) for c in criteria], version)
    return f"jury:ranking:{CACHED_FORM}:" + hashlib.sha256(repr(inputs).encode()).hexdigest()


def compute(*, call, panel: Panel, criteria: list, budget: Decimal, year_budgets: dict) -> list[RankingRow]:
    """The whole list, ordered and cut off at the budget (no cache)."""
    context = _Context(panel, criteria)
    rows = _rows(call.pk, panel, criteria, context)
    return domain.recommend(rows, panel=panel, criteria=criteria, budget=budget, year_budgets=year_budgets)


def cached_rows(*, call, panel: Panel, criteria: list, budget: Decimal, year_budgets: dict,
                what_if_budget, what_if_years, tranches) -> list[RankingRow]:
    key = _inputs_key(call=call, panel=panel, criteria=criteria, budget=what_if_budget,
                      year_budgets=what_if_years, tranches=tranches)
    packed = cache.get(key)
    if packed is not None:
        return _unpack(packed, _Context(panel, criteria))
    rows = compute(call=call, panel=panel, criteria=criteria, budget=budget, year_budgets=year_budgets)
    cache.set(key, _pack(rows), CACHE_SECONDS)
    return rows


# ---------------------------------------------------------------- the cached form
#
# A row is cached as one tuple of integers, strings and booleans: amounts in cents (as the live row keeps
# them: the statement reads cents, `domain.recommend` counts in cents, and the amounts are made when read),
# the total and the spread in ten-thousandths of a point (they are rounded to four places), the means as the
# statement's points and counts. Pickling 2,000 row objects with their Decimals took longer than computing
# them (≈ 1.1 MB, ≈ 40 ms each way); these tuples are a fifth of that. The grant per budget year is not kept:
# it follows from the grant and the eligible costs by the one split rule (`split_cents`).
#
# What only a shown row needs (`_DETAILS`) is pickled once more, per row, into one bytes value (`_details`): every
# read of the list unpickles the whole list (3,115 rows on each page of the ranking at 10,000 cases), and these
# nested tuples were most of that, above all the submission moment (a datetime whose time zone pickle rebuilds for
# every row). The moment is kept as ISO 8601 text inside. The rows a page shows read theirs when asked
# (`RankingRow.__getattr__`).

_DETAILS = ("_record", "_raw_means", "_eligible_cents", "years_left_cents")


def _details(row) -> bytes:
    """A row's `_DETAILS` pickled, the submission moment as ISO 8601 text (`_read_details` reads it)."""
    fields, lead = row._record
    moment = row.submitted_at
    fields = (*fields[:6], None if moment is None else moment.isoformat(), *fields[7:])
    return pickle.dumps(((fields, lead), row._raw_means, row._eligible_cents, row.years_left_cents),
                        pickle.HIGHEST_PROTOCOL)


def _read_details(details: bytes) -> tuple:
    """The `_DETAILS` of a row as a computed row has them (the moment a datetime again)."""
    (fields, lead), raw_means, eligible, years_left = pickle.loads(details)  # noqa: S301  (our own cache entry)
    if fields[6] is not None:
        fields = (*fields[:6], datetime.datetime.fromisoformat(fields[6]), *fields[7:])
    return (fields, lead), raw_means, eligible, years_left


def _fourths(value: Decimal | None) -> int | None:
    return None if value is None else int(value.scaleb(4))


def _points(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-4)


def _row_state(record, n_scores, raw_means, total, spread, joint, grant_cents, eligible_cents, too_few, disagreement,
               fails, position=None, outcome=DecisionOutcome.NOT_RECOMMENDED, tie_rule="", budget_left_cents=None,
               years_left_cents=None, shortfall=None, context=None) -> dict:
    """A row's own attributes: the figures given (what is made on first read is empty on the class, `RankingRow`);
    a row not yet ordered (`_rows`) leaves out its place and what the cut-off records. A row from the cache has the
    same attributes (`_unpack`), its `_DETAILS` pickled until read."""
    return {
        "_record": record, "application_id": record[0][0] if record else None, "n_scores": n_scores,
        "_raw_means": raw_means, "total": total, "spread": spread, "joint": joint, "grant_cents": grant_cents,
        "_eligible_cents": eligible_cents, "budget_left_cents": budget_left_cents,
        "years_left_cents": years_left_cents, "_fails": fails, "too_few": too_few, "disagreement": disagreement,
        "position": position, "outcome": outcome, "tie_rule": tie_rule, "shortfall": shortfall, "_context": context}


def _live_row(*figures, **named) -> RankingRow:
    """A row of the computed list with the state `_row_state` makes of its figures, without `__init__`."""
    row = RankingRow.__new__(RankingRow)
    row.__dict__ = _row_state(*figures, **named)
    return row


# The cached tuple: these attributes of the row in this order (total and spread in ten-thousandths), then its
# `_details`. Any change of this form raises `CACHED_FORM`.
_CACHED = ("application_id", "n_scores", "total", "spread", "joint", "grant_cents", "too_few", "disagreement", "_fails",
           "position", "outcome", "tie_rule", "budget_left_cents", "shortfall")


def _pack(rows: list[RankingRow]) -> list[tuple]:
    return [(r.application_id, r.n_scores, _fourths(r.total), _fourths(r.spread), r.joint, r.grant_cents, r.too_few,
             r.disagreement, r._fails, r.position, str(r.outcome), r.tie_rule, r.budget_left_cents, r.shortfall,
             _details(r)) for r in rows]


def _unpack(packed: list[tuple], context: _Context) -> list[RankingRow]:
    """The rows of the cached tuples (a list of 3,000 rows is read on every page of the ranking), each with the
    attributes `_row_state` gives a computed row; its `_DETAILS` stay pickled until read (`RankingRow.__getattr__`)."""
    rows, new, names = [], RankingRow.__new__, (*_CACHED, "_details")
    for cached in packed:
        row = new(RankingRow)
        state = dict(zip(names, cached, strict=True))
        state["total"], state["spread"], state["_context"] = _points(cached[2]), _points(cached[3]), context
        row.__dict__ = state
        rows.append(row)
    return rows
