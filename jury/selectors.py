"""Reads of the jury procedure. The ranking is aggregated in the database in a fixed number of
queries, whatever the number of applications, members and criteria."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.rules import is_staff_member
from applications.enums import EVALUATION_STATES
from applications.financing import split_by_year
from applications.models import Application, CostLine
from foundation.amounts import ZERO, format_eur
from grants.models import Call

from .enums import DecisionOutcome, Declaration, SheetState, TieBreak
from .models import Assignment, Panel, PanelMember, Score, ScoreSheet

FOUR = Decimal("0.0001")


@dataclass
class RankingRow:
    application: Application
    n_scores: int
    means: dict[int, Decimal | None]
    total: Decimal | None
    spread: Decimal | None
    joint: bool
    grant: Decimal
    grant_by_year: dict[int, Decimal]
    failed: list[str] = field(default_factory=list)
    too_few: bool = False
    disagreement: bool = False
    position: int | None = None
    outcome: str = DecisionOutcome.NOT_RECOMMENDED
    tie_break: str = ""
    budget_left: Decimal | None = None
    years_left: dict[int, Decimal] = field(default_factory=dict)
    explanation: str = ""

    @property
    def outcome_label(self) -> str:
        return str(DecisionOutcome(self.outcome).label)

    @property
    def above_threshold(self) -> bool:
        return self.total is not None and not self.failed


@dataclass
class Ranking:
    call: Call
    panel: Panel
    criteria: list
    budget: Decimal
    year_budgets: dict[int, Decimal]
    rows: list[RankingRow]
    what_if: bool = False

    @property
    def recommended(self):
        return [r for r in self.rows if r.outcome == DecisionOutcome.RECOMMENDED]

    @property
    def reserve(self):
        return [r for r in self.rows if r.outcome == DecisionOutcome.RESERVE]

    @property
    def committed(self) -> Decimal:
        return sum((r.grant for r in self.recommended), ZERO)


def panel_for_call(call_id: int) -> Panel:
    return get_object_or_404(Panel.objects.select_related("call__program", "chair"), call_id=call_id)


def _tie_key(rule: str, row: RankingRow):
    if rule.startswith("criterion:"):
        mean = row.means.get(int(rule.split(":", 1)[1]))
        return -(mean if mean is not None else Decimal("-1"))
    if rule == TieBreak.JOINT_FIRST:
        return 0 if row.joint else 1
    if rule == TieBreak.LOWER_GRANT:
        return row.grant
    if rule == TieBreak.EARLIER_SUBMISSION:
        return row.application.submitted_at
    return 0


def _tie_label(rule: str, criteria_by_id) -> str:
    if rule.startswith("criterion:"):
        criterion = criteria_by_id.get(int(rule.split(":", 1)[1]))
        return _("höhere Bewertung in „%(c)s“") % {"c": criterion.name if criterion else rule}
    try:
        return str(TieBreak(rule).label)
    except ValueError:
        return rule


def ranking(*, call: Call, budget: Decimal | None = None, year_budgets: dict[int, Decimal] | None = None,
            exclude_for_user=None) -> Ranking:
    """The ranking list and the budget-constrained recommendation of a call.

    `exclude_for_user` hides the rows of applications that member is excluded from.

    Applications below a criterion's threshold or the total threshold are not recommended. The rest,
    in order of weighted score (ties broken by the panel's chain, then case number), are recommended
    while the call's budget and each budget year's tranche still cover their grant. An application
    that does not fit goes to the reserve list and the list goes on (it *skips*, it does not stop):
    a cheaper application below it may still be recommended.

    A what-if passes another `budget`; the tranches are then scaled to it (or given as `year_budgets`).
    Nothing is written.
    """
    panel = Panel.objects.select_related("call__program").get(call=call)
    program = call.program
    criteria = list(program.criteria.order_by("order", "pk"))
    criteria_by_id = {c.pk: c for c in criteria}
    weight_sum = sum((c.weight for c in criteria), ZERO)

    apps_qs = Application.objects.filter(call=call, state__in=EVALUATION_STATES)
    applications = list(apps_qs.select_related("lead").annotate(n_partners=Count("partners", distinct=True))
                        .order_by("pk"))
    ids = [a.pk for a in applications]

    valid = Q(sheet__state=SheetState.SUBMITTED, sheet__assignment__excluded=False,
              sheet__assignment__application_id__in=ids, value__isnull=False)
    means: dict[int, dict[int, Decimal]] = {}
    for row in (Score.objects.filter(valid).values("sheet__assignment__application_id", "criterion_id")
                .annotate(mean=Avg("value")).order_by()):
        means.setdefault(row["sheet__assignment__application_id"], {})[row["criterion_id"]] = Decimal(row["mean"])
    weighted = ExpressionWrapper(F("value") * F("criterion__weight"), output_field=DecimalField())
    sheet_totals: dict[int, list[Decimal]] = {}
    for row in (Score.objects.filter(valid).values("sheet_id", "sheet__assignment__application_id")
                .annotate(wsum=Sum(weighted)).order_by()):
        sheet_totals.setdefault(row["sheet__assignment__application_id"], []).append(
            (Decimal(row["wsum"]) / weight_sum).quantize(FOUR))
    eligible_by_year: dict[int, dict[int, Decimal]] = {}
    for row in (CostLine.objects.filter(application_id__in=ids, eligible=True)
                .values("application_id", "budget_year").annotate(total=Sum("amount")).order_by()):
        eligible_by_year.setdefault(row["application_id"], {})[row["budget_year"]] = row["total"]

    tranches = {y.year: y.amount for y in call.budget_years.all()}
    what_if = budget is not None
    if budget is None:
        budget = call.total_budget
    if year_budgets is None:
        # A what-if with another total scales the tranches in proportion; otherwise they are as planned.
        year_budgets = split_by_year(budget, tranches) if what_if and tranches else tranches

    rows = []
    for app in applications:
        app_means = means.get(app.pk, {})
        totals = sheet_totals.get(app.pk, [])
        complete = bool(criteria) and all(c.pk in app_means for c in criteria)
        total = (sum((c.weight * app_means[c.pk] for c in criteria), ZERO) / weight_sum).quantize(FOUR) \
            if complete else None
        grant = app.grant_amount
        row = RankingRow(application=app, n_scores=len(totals), means={c.pk: app_means.get(c.pk) for c in criteria},
                         total=total, spread=(max(totals) - min(totals)) if totals else None,
                         joint=app.n_partners > 0, grant=grant,
                         grant_by_year=split_by_year(grant, eligible_by_year.get(app.pk, {})))
        row.too_few = row.n_scores < panel.min_scorers
        row.disagreement = row.spread is not None and row.spread > panel.spread_threshold
        if total is None:
            row.failed.append(_("noch keine vollständige Bewertung"))
        else:
            for c in criteria:
                if c.threshold is not None and app_means[c.pk] < c.threshold:
                    row.failed.append(_("„%(c)s“ unter der Schwelle %(t)s") % {"c": c.name, "t": c.threshold})
            if panel.total_threshold is not None and total < panel.total_threshold:
                row.failed.append(_("Gesamtbewertung unter der Schwelle %(t)s") % {"t": panel.total_threshold})
        rows.append(row)

    chain = [r for r in (panel.tie_breaks or []) if isinstance(r, str)]
    above = [r for r in rows if r.above_threshold]
    above.sort(key=lambda r: (-r.total, *(_tie_key(rule, r) for rule in chain), r.application.case_number or ""))
    left = budget
    years_left = dict(year_budgets)
    previous = None
    for position, row in enumerate(above, 1):
        row.position = position
        if previous is not None and previous.total == row.total:
            for rule in chain:
                if _tie_key(rule, previous) != _tie_key(rule, row):
                    row.tie_break = _tie_label(rule, criteria_by_id)
                    break
            else:
                row.tie_break = _("Aktenzeichen")
        fits_total = row.grant <= left
        short_years = [y for y, amount in row.grant_by_year.items()
                       if years_left and amount > years_left.get(y, ZERO)]
        if fits_total and not short_years:
            row.outcome = DecisionOutcome.RECOMMENDED
            left -= row.grant
            for y, amount in row.grant_by_year.items():
                if y in years_left:
                    years_left[y] -= amount
            row.explanation = _("Platz %(p)d, %(s)s Punkte: empfohlen; danach verbleiben %(b)s.") % {
                "p": position, "s": row.total.quantize(Decimal("0.01")), "b": format_eur(left)}
        else:
            row.outcome = DecisionOutcome.RESERVE
            if not fits_total:
                why = _("die Zuwendung von %(g)s übersteigt die verbleibenden Mittel von %(b)s um %(d)s") % {
                    "g": format_eur(row.grant), "b": format_eur(left), "d": format_eur(row.grant - left)}
            else:
                y = short_years[0]
                why = _("der Anteil %(g)s im Haushaltsjahr %(y)d übersteigt die verbleibende Tranche von %(b)s") % {
                    "g": format_eur(row.grant_by_year[y]), "y": y, "b": format_eur(years_left.get(y, ZERO))}
            row.explanation = _("Platz %(p)d, %(s)s Punkte: Nachrückliste, weil %(why)s.") % {
                "p": position, "s": row.total.quantize(Decimal("0.01")), "why": why}
        row.budget_left = left
        row.years_left = dict(years_left)
        previous = row
    below = sorted((r for r in rows if not r.above_threshold),
                   key=lambda r: (r.total is None, -(r.total or ZERO), r.application.case_number or ""))
    for row in below:
        row.explanation = _("Nicht empfohlen: %(why)s.") % {"why": "; ".join(row.failed)}
    rows = above + below
    if exclude_for_user is not None:
        # The list is computed for everyone alike; a member only does not see the rows of
        # applications they are excluded from (their places and outcomes stay as they are).
        hidden = excluded_application_ids(exclude_for_user, panel.pk)
        rows = [r for r in rows if r.application.pk not in hidden]
    return Ranking(call=call, panel=panel, criteria=criteria, budget=budget, year_budgets=dict(year_budgets),
                   rows=rows, what_if=what_if)


def member_assignments(user, call_id: int) -> QuerySet[Assignment]:
    """A member's workspace: what is assigned to them, with the state of their sheet."""
    return (Assignment.objects.filter(member__panel__call_id=call_id, member__user=user, assigned=True)
            .select_related("application__lead", "sheet").order_by("application__case_number"))


def member_panels(user) -> QuerySet[Panel]:
    return Panel.objects.filter(members__user=user).select_related("call").order_by("-call__opens_at")


def assignment_for_scoring(user, application_id: int) -> Assignment:
    """The member's own assignment; 404 unless it exists and the member is not excluded."""
    return get_object_or_404(
        Assignment.objects.select_related("member__panel__call__program", "application__lead", "sheet")
        .prefetch_related(Prefetch("sheet__scores", queryset=Score.objects.select_related("criterion"))),
        member__user=user, application_id=application_id, assigned=True, excluded=False)


def assignment_for_declaration(user, application_id: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("member__panel", "application__lead"),
        member__user=user, application_id=application_id, assigned=True, excluded=False,
        declaration=Declaration.PENDING)


def workload(panel: Panel) -> QuerySet[PanelMember]:
    """Who still has work: assigned, submitted and open sheets per member."""
    return (panel.members.select_related("user")
            .annotate(n_assigned=Count("assignments", filter=Q(assignments__assigned=True)),
                      n_done=Count("assignments", filter=Q(assignments__assigned=True,
                                                            assignments__sheet__state=SheetState.SUBMITTED)),
                      n_excluded=Count("assignments", filter=Q(assignments__excluded=True)))
            .order_by("user__last_name", "user__email"))


def sheets_of(application_id: int) -> QuerySet[ScoreSheet]:
    return (ScoreSheet.objects.filter(assignment__application_id=application_id, assignment__excluded=False)
            .select_related("assignment__member__user").prefetch_related("scores__criterion"))


def sheets_visible_to(user, application: Application) -> QuerySet[ScoreSheet]:
    """Staff see every sheet of an application; a panel member who is not excluded from it sees the
    submitted sheets only (drafts stay private to keep scoring independent); anyone else gets 404."""
    qs = sheets_of(application.pk).order_by("assignment__member__user__last_name", "pk")
    if is_staff_member(user):
        return qs
    panel = get_object_or_404(visible_panels(user), call_id=application.call_id)
    if application.pk in excluded_application_ids(user, panel.pk):
        raise Http404
    return qs.filter(state=SheetState.SUBMITTED)


def visible_panels(user) -> QuerySet[Panel]:
    """Staff see every panel; a jury member the panels they sit on or chair."""
    if is_staff_member(user):
        return Panel.objects.select_related("call", "chair").order_by("-call__opens_at")
    return (Panel.objects.filter(Q(pk__in=PanelMember.objects.filter(user=user).values("panel_id")) | Q(chair=user))
            .select_related("call", "chair").order_by("-call__opens_at"))


def excluded_application_ids(user, panel_id: int) -> set[int]:
    """The applications of a panel the user is excluded from (one query)."""
    return set(Assignment.objects.filter(member__panel_id=panel_id, member__user=user, excluded=True)
               .values_list("application_id", flat=True))


def panel_applications(panel: Panel) -> QuerySet[Application]:
    """The call's applications from the formal check on, each with this panel's assignment rows."""
    from applications.enums import ApplicationState

    rows = (Assignment.objects.filter(member__panel=panel).select_related("member__user", "sheet")
            .order_by("member__user__last_name", "member__user__email"))
    return (Application.objects.filter(call_id=panel.call_id,
                                       state__in=[ApplicationState.ELIGIBLE, *EVALUATION_STATES])
            .select_related("lead").prefetch_related(Prefetch("jury_assignments", queryset=rows,
                                                              to_attr="panel_rows"))
            .order_by("case_number", "pk"))
