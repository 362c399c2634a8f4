"""Reads of the decisions area: budget per year, the recommended and reserve candidates of a call
(for moving up), pending and decided cases, grants and notices scoped to the user, a case's timeline.

``grant_split`` and ``budget_shortfalls`` are pure figures shared with payments.services.decisions, which
uses them under its locks when it commits the budget.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.rules import is_staff_member
from accounts.selectors import approved_municipality_ids
from applications.enums import DECIDABLE_STATES
from applications.enums import ApplicationState as AS
from applications.financing import split_by_year
from applications.models import Application, CostLine
from applications.selectors import (
    found_in_call,
    search_applications,
    search_by_application,
    without_proposal_texts,
)
from foundation.amounts import format_eur, to_money
from foundation.counts import count_per_row
from grants.models import Call, CallBudgetYear

from ..enums import DecisionState
from ..models import Decision, Grant, Notice


def grant_split(amount: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """The grant per budget year, proportional to eligible costs, summing exactly (largest remainder)."""
    return split_by_year(to_money(amount), weights)


def budget_shortfalls(call: Call, budget_years: dict[int, CallBudgetYear], total: Decimal,
                      by_year: dict[int, Decimal]) -> list[str]:
    """What is missing to commit ``total`` (and ``by_year``) — one sentence per shortfall."""
    problems = []
    left = call.total_budget - call.committed
    if total > left:
        problems.append(_("Das ungebundene Budget des Aufrufs reicht nicht: benötigt %(need)s, verfügbar %(left)s, "
                          "es fehlen %(gap)s.") % {"need": format_eur(total), "left": format_eur(left),
                                                   "gap": format_eur(total - left)})
    for year, amount in sorted(by_year.items()):
        budget_year = budget_years.get(int(year))
        if budget_year is None:
            problems.append(_("Für das Haushaltsjahr %(y)s hat der Aufruf keine Tranche.") % {"y": year})
            continue
        year_left = budget_year.amount - budget_year.committed
        if amount > year_left:
            problems.append(
                _("Die Tranche des Haushaltsjahres %(y)s reicht nicht: benötigt %(need)s, verfügbar %(left)s, "
                  "es fehlen %(gap)s.") % {"y": year, "need": format_eur(amount), "left": format_eur(year_left),
                                           "gap": format_eur(amount - year_left)})
    return problems


@dataclass
class YearBudget:
    year: int
    amount: Decimal
    committed: Decimal

    @property
    def left(self) -> Decimal:
        return self.amount - self.committed


@dataclass
class Candidate:
    application: Application
    grant: Decimal
    by_year: dict[int, Decimal]
    problems: list[str] = field(default_factory=list)
    rank: int | None = None
    decision: Decision | None = None
    next_up: bool = False

    @property
    def fits(self) -> bool:
        return not self.problems


def budget_overview(call: Call) -> list[YearBudget]:
    """The call's budget years in order (from ``call.budget_years.all()``: prefetched by the page)."""
    return [YearBudget(y.year, y.amount, y.committed) for y in sorted(call.budget_years.all(), key=lambda y: y.year)]


def _candidates(call: Call, applications) -> list[Candidate]:
    ids = [a.pk for a in applications]
    weights: dict[int, dict[int, Decimal]] = {}
    for row in (CostLine.objects.filter(application_id__in=ids, eligible=True).values("application_id", "budget_year")
                .annotate(total=Sum("amount")).order_by()):
        weights.setdefault(row["application_id"], {})[row["budget_year"]] = row["total"]
    plan = {}
    for app_id, year in CostLine.objects.filter(application_id__in=ids).values_list("application_id", "budget_year"):
        plan.setdefault(app_id, set()).add(year)
    decisions = {d.application_id: d for d in Decision.objects.filter(
        application_id__in=ids, state__in=[DecisionState.PREPARED, DecisionState.CONFIRMED])
        .select_related("prepared_by")}
    budget_years = {y.year: y for y in call.budget_years.all()}
    result = []
    for app in applications:
        by_year = grant_split(app.grant_amount, weights.get(app.pk, {}))
        problems = budget_shortfalls(call, budget_years, app.grant_amount, by_year)
        problems += [_("Für das Haushaltsjahr %(y)s hat der Aufruf keine Tranche.") % {"y": y}
                     for y in sorted(plan.get(app.pk, set()) - set(budget_years) - set(by_year))]
        result.append(Candidate(application=app, grant=app.grant_amount, by_year=by_year, problems=problems,
                                decision=decisions.get(app.pk)))
    return result


def _rank_order(call: Call) -> dict[int, int]:
    """Application id → place in the jury's ranking (empty when the call has no panel)."""
    from jury.models import Panel
    from jury.selectors import ranking

    try:
        rows = ranking(call=call).rows
    except Panel.DoesNotExist:
        return {}
    return {row.application_id: row.position for row in rows if row.position is not None}


def decidable_applications(call: Call) -> tuple[list[Candidate], list[Candidate]]:
    """(recommended, reserve) candidates of a call in the jury's ranking order, each with whether it still
    fits the uncommitted budget and every tranche. The first fitting reserve application without a decision
    is marked ``next_up`` (Nachrücker)."""
    apps = list(without_proposal_texts(Application.objects.filter(call=call, state__in=DECIDABLE_STATES))
                .select_related("lead"))
    ranks = _rank_order(call)
    candidates = _candidates(call, apps)
    for c in candidates:
        c.rank = ranks.get(c.application.pk)
    candidates.sort(key=lambda c: (c.rank is None, c.rank or 0, c.application.case_number or ""))
    recommended = [c for c in candidates if c.application.state == AS.RECOMMENDED]
    reserve = [c for c in candidates if c.application.state == AS.RESERVE]
    for c in reserve:
        if c.fits and c.decision is None:
            c.next_up = True
            break
    return recommended, reserve


def reserve_candidates(call: Call) -> list[Candidate]:
    """The reserve list of a call in ranking order, with whether each fits (for moving up)."""
    return decidable_applications(call)[1]


def decided_applications(call: Call) -> QuerySet[Application]:
    return (without_proposal_texts(Application.objects.filter(call=call, state__in=[AS.APPROVED, AS.REJECTED]))
            .select_related("lead", "grant").order_by("case_number", "pk"))


def call_decision_lists(call: Call, *, q: str = "") -> dict:
    """The four lists of a call's decisions page, each in its order: the decisions waiting for a second person
    (``offen``), the recommended and the reserve candidates in ranking order (``empfohlen``, ``nachrueckliste``)
    and the decided applications (``entschieden``); `q` narrows each to the applications the text finds
    (`search_applications`). The next one up of the reserve list is marked on the whole list, before the search."""
    recommended, reserve = decidable_applications(call)
    lists = {"offen": pending_decisions(call), "empfohlen": recommended, "nachrueckliste": reserve,
             "entschieden": decided_applications(call)}
    if not q:
        return lists
    found = found_in_call(call.pk, q)
    return {"offen": search_by_application(lists["offen"], q),
            "empfohlen": [c for c in recommended if c.application.pk in found],
            "nachrueckliste": [c for c in reserve if c.application.pk in found],
            "entschieden": search_applications(lists["entschieden"], q)}


def decision_list(*, call: int | None = None, application: int | None = None, state: str = "", q: str = ""):
    """Staff: every decision, the newest first, narrowed to a call, an application, a state and the applications
    the text `q` finds (the API's list)."""
    qs = without_proposal_texts(Decision.objects.select_related("application", "prepared_by", "confirmed_by", "grant")
                                .order_by("-prepared_at", "-pk"), "application")
    if call is not None:
        qs = qs.filter(application__call_id=call)
    if application is not None:
        qs = qs.filter(application_id=application)
    if state:
        qs = qs.filter(state=state)
    return search_by_application(qs, q)


def with_decision_counts(calls: QuerySet[Call]) -> QuerySet[Call]:
    """Each call with the decisions waiting for a second person (``pending``) and its applications ready for a
    decision (``decidable``), counted per call row."""
    return calls.annotate(pending=count_per_row(pending_decisions(), to="application__call"),
                          decidable=count_per_row(Application.objects.filter(state__in=DECIDABLE_STATES), to="call"))


def pending_decisions(call: Call | None = None) -> QuerySet[Decision]:
    qs = without_proposal_texts(Decision.objects.filter(state=DecisionState.PREPARED).select_related(
        "application__lead", "application__call", "prepared_by").order_by("prepared_at", "pk"), "application")
    return qs.filter(application__call=call) if call is not None else qs


def visible_grants(user) -> QuerySet[Grant]:
    """Staff see every grant; a municipality's members the grants of the applications it leads."""
    qs = without_proposal_texts(Grant.objects.select_related("application__lead", "call"), "application")
    if not user.is_authenticated:
        return qs.none()
    if is_staff_member(user):
        return qs
    return qs.filter(application__lead_id__in=approved_municipality_ids(user))


def grant_list(user, *, state: str = "", q: str = "") -> QuerySet[Grant]:
    """The list of grants (`visible_grants`), newest first; `state` and `q` narrow it — the text as the lists of
    applications search it (`search_applications`: case number, title, lead municipality's name). The filters of
    the page and of the API alike."""
    qs = visible_grants(user).order_by("-created_at", "-pk")
    if state:
        qs = qs.filter(state=state)
    return search_by_application(qs, q)


def visible_notices(user) -> QuerySet[Notice]:
    qs = without_proposal_texts(Notice.objects.select_related("application__lead", "grant"), "application")
    if not user.is_authenticated:
        return qs.none()
    if is_staff_member(user):
        return qs
    return qs.filter(application__lead_id__in=approved_municipality_ids(user))


def case_timeline(application: Application):
    """The audit entries of the application, its decisions and its grant, oldest first."""
    from django.contrib.contenttypes.models import ContentType

    from audit.models import AuditEntry

    app_ct = ContentType.objects.get_for_model(Application)
    condition = Q(content_type=app_ct, object_id=application.pk)
    grant_id = Grant.objects.filter(application=application).values_list("pk", flat=True).first()
    if grant_id is not None:
        condition |= Q(content_type=ContentType.objects.get_for_model(Grant), object_id=grant_id)
    return AuditEntry.objects.filter(condition).select_related("actor").order_by("at", "pk")
