"""Reads of the jury procedure. The ranking is computed in one statement and cached (`jury.ranking`), in a
fixed number of queries whatever the number of applications, members and criteria."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.rules import is_staff_member
from applications.enums import EVALUATION_STATES
from applications.financing import split_by_year
from applications.models import Application
from applications.selectors import (
    found_in_call,
    search_applications,
    search_by_application,
    without_proposal_texts,
)
from foundation.amounts import ZERO
from grants.models import Call

from .enums import DecisionOutcome, Declaration, SessionState, SheetState
from .models import Assignment, Panel, PanelMember, Score, ScoreSheet, Session
from .ranking import RankingRow, cached_rows
from .rules import hidden_application_ids


@dataclass
class Ranking:
    call: Call
    panel: Panel
    criteria: list
    budget: Decimal
    year_budgets: dict[int, Decimal]
    rows: list[RankingRow]
    what_if: bool = False
    session: Session | None = None  # set when the list is the recorded result of a closed session
    conflicts: list[dict] = field(default_factory=list)

    def _by_outcome(self) -> tuple[dict[str, list], int | None]:
        """The rows per final outcome and the index of the last recommended row, in one pass over the rows (the
        page asks for them several times; a large call has thousands of rows). Read again when `rows` is
        replaced (a viewer's rows)."""
        cached = self.__dict__.get("_outcomes")
        if cached is None or cached[0] is not self.rows:
            groups = {outcome: [] for outcome in DecisionOutcome.values}
            last = None
            for i, row in enumerate(self.rows):
                outcome = row.final_outcome
                groups[outcome].append(row)
                if outcome == DecisionOutcome.RECOMMENDED:
                    last = i
            cached = self.__dict__["_outcomes"] = (self.rows, groups, last)
        return cached[1], cached[2]

    @property
    def recommended(self):
        return self._by_outcome()[0][DecisionOutcome.RECOMMENDED]

    @property
    def reserve(self):
        return self._by_outcome()[0][DecisionOutcome.RESERVE]

    @property
    def cutoff_index(self) -> int | None:
        """The budget line: the index in `rows` of the last recommended row (the line falls below it), or
        None when nothing is recommended. Rows below it may still be on the reserve list."""
        return self._by_outcome()[1]

    @property
    def not_recommended(self):
        return self._by_outcome()[0][DecisionOutcome.NOT_RECOMMENDED]

    @property
    def deviations(self):
        return [r for r in self.rows if r.deviates]

    @property
    def committed(self) -> Decimal:
        return sum((r.grant for r in self.recommended), ZERO)


def closed_session_id():
    """The id of a panel's closed session (None while the evaluation is open), as a subquery."""
    return Subquery(Session.objects.filter(panel=OuterRef("pk"), state=SessionState.CLOSED)
                    .order_by("-closed_at").values("pk")[:1])


def panel_for_call(call_id: int) -> Panel:
    return get_object_or_404(Panel.objects.select_related("call__program", "chair")
                             .annotate(closed_session_id=closed_session_id()), call_id=call_id)


def ranking(*, call: Call, budget: Decimal | None = None, year_budgets: dict[int, Decimal] | None = None,
            exclude_for_user=None, panel: Panel | None = None) -> Ranking:
    """The ranking list and the budget-constrained recommendation of a call.

    `exclude_for_user` hides the rows of applications that member is excluded from.

    Applications below a criterion's threshold or the total threshold are not recommended. The rest,
    in order of weighted score (ties broken by the panel's chain, then case number), are recommended
    while the call's budget and each budget year's tranche still cover their grant. An application
    that does not fit goes to the reserve list and the list goes on (it *skips*, it does not stop):
    a cheaper application below it may still be recommended.

    A what-if passes another `budget`; the tranches are then scaled to it (or given as `year_budgets`).
    Nothing is written. ``panel`` saves reading the call's panel again when the caller has it (with its
    call's program); the call's budget years are read from ``call`` (prefetched, if the caller did).
    """
    if panel is None or panel.call_id != call.pk:
        panel = Panel.objects.select_related("call__program").get(call=call)
    criteria = list(panel.call.program.criteria.order_by("order", "pk"))
    tranches = {y.year: y.amount for y in call.budget_years.all()}
    what_if = budget is not None
    what_if_years = year_budgets
    if budget is None:
        budget = call.total_budget
    if year_budgets is None:
        # A what-if with another total scales the tranches in proportion; otherwise they are as planned.
        year_budgets = split_by_year(budget, tranches) if what_if and tranches else tranches
    rows = cached_rows(call=call, panel=panel, criteria=criteria, budget=budget, year_budgets=year_budgets,
                       what_if_budget=budget if what_if else None, what_if_years=what_if_years, tranches=tranches)
    if exclude_for_user is not None:
        rows = _visible_rows(exclude_for_user, panel, rows)
    return Ranking(call=call, panel=panel, criteria=criteria, budget=budget, year_budgets=dict(year_budgets),
                   rows=rows, what_if=what_if)


def member_assignments(user, call_id: int) -> QuerySet[Assignment]:
    """A member's workspace: what is assigned to them, with the state of their sheet."""
    return without_proposal_texts(
        Assignment.objects.filter(member__panel__call_id=call_id, member__user=user, assigned=True)
        .select_related("application__lead", "sheet").order_by("application__case_number"), "application")


def member_workspace_rows(user, *, show: str = "", q: str = "") -> QuerySet[Assignment]:
    """Everything assigned to a member in all their panels, newest call first (the workspace's one list); `show` and
    `q` narrow it (`narrow_assignments`)."""
    return narrow_assignments(without_proposal_texts(
        Assignment.objects.filter(member__user=user, assigned=True)
        .select_related("application__lead", "sheet", "member__panel__call")
        .order_by("-member__panel__call__opens_at", "member__panel_id", "application__case_number", "pk"),
        "application"), show=show, q=q)


# What a member's own list of assignments can be narrowed to (`narrow_assignments`).
OPEN, SUBMITTED = "open", "submitted"


def _still_open(*, counted: bool = False) -> Q:
    """An assignment the member has still to declare or score: its sheet not submitted, while no closed session ended
    the evaluation of its panel (what the workspace counts as open and lists as open, and the start page counts).

    One rule in two forms of the same condition, for where the database reads it best (at 10,000 cases, a member with
    3,115 open assignments): as a list's filter (WHERE) the sheet is asked by an anti-join (`NOT EXISTS`); the
    negated column of a joined sheet there was misjudged as one row and read every assignment (the page's ids 14 ms
    instead of 5). `counted`: as an aggregate's filter over the rows already joined to their sheets, the column
    itself; a subquery there runs once per row (a member's counts 5.9 ms instead of 3.1). The closed sessions are read
    once for the whole list (hashed), not per row."""
    closed_panels = Session.objects.filter(state=SessionState.CLOSED).values("panel_id")
    if counted:
        not_submitted = ~Q(sheet__state=SheetState.SUBMITTED)
    else:
        not_submitted = ~Exists(ScoreSheet.objects.filter(assignment_id=OuterRef("pk"), state=SheetState.SUBMITTED))
    return not_submitted & ~Q(member__panel_id__in=closed_panels)


def narrow_assignments(qs: QuerySet[Assignment], *, show: str = "", q: str = "") -> QuerySet[Assignment]:
    """A member's assignments narrowed, for the workspace and the API alike: `show` OPEN, what is still open
    (`_still_open`, which `member_progress` counts), or SUBMITTED, the sheet submitted; `q`, a text in the
    application's case number, title or lead municipality's name (`search_applications`, as the lists of
    applications search)."""
    if show == OPEN:
        qs = qs.filter(_still_open())
    elif show == SUBMITTED:
        qs = qs.filter(sheet__state=SheetState.SUBMITTED)
    return search_by_application(qs, q)


def member_progress(user) -> dict[int, dict]:
    """Per panel id: how many applications are assigned to the member, how many sheets are submitted and how many
    are still open (`_still_open`: none once a closed session ended the evaluation)."""
    rows = (Assignment.objects.filter(member__user=user, assigned=True).order_by().values("member__panel_id")
            .annotate(total=Count("pk"), done=Count("pk", filter=Q(sheet__state=SheetState.SUBMITTED)),
                      open=Count("pk", filter=_still_open(counted=True))))
    return {row["member__panel_id"]: row for row in rows}


def member_panels(user) -> QuerySet[Panel]:
    return (Panel.objects.filter(members__user=user).select_related("call")
            .annotate(closed_session_id=closed_session_id()).order_by("-call__opens_at"))


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


_WORKLOAD_USER_FIELDS = {"id", "first_name", "last_name", "email"}  # what `display_name` and the API's person show


def workload(panel: Panel) -> list[PanelMember]:
    """Who still has work: assigned, submitted and excluded sheets per member (`n_assigned`, `n_done`,
    `n_excluded`), the members with their names, ordered by name; one query.

    The counts are taken per member over the panel's assignments before the members and their names are joined:
    Django's ``annotate(Count(...))`` on the members joins every assignment row (9,345 at 10,000 cases) to the
    member and the person's whole row and groups those wide rows, twice as long (bench/scale.py, jury:panel).
    The members come back as model instances; the person's other columns are deferred."""
    user_model = PanelMember._meta.get_field("user").related_model
    user_fields = [f.attname for f in user_model._meta.concrete_fields if f.attname in _WORKLOAD_USER_FIELDS]
    table = {m.__name__: connection.ops.quote_name(m._meta.db_table)
             for m in (PanelMember, Assignment, ScoreSheet, user_model)}
    user_columns = ", ".join(f"u.{connection.ops.quote_name(name)}" for name in user_fields)
    # Only table and column names quoted from the models are interpolated; the values are parameters.
    sql = f"""
SELECT pm.id, pm.panel_id, pm.user_id, COALESCE(c.n_assigned, 0), COALESCE(c.n_done, 0),
       COALESCE(c.n_excluded, 0), {user_columns}
FROM {table['PanelMember']} pm
JOIN {table[user_model.__name__]} u ON u.id = pm.user_id
LEFT JOIN (
  SELECT a.member_id,
         SUM(CASE WHEN a.assigned = %s THEN 1 ELSE 0 END) AS n_assigned,
         SUM(CASE WHEN a.assigned = %s AND sh.state = %s THEN 1 ELSE 0 END) AS n_done,
         SUM(CASE WHEN a.excluded = %s THEN 1 ELSE 0 END) AS n_excluded
  FROM {table['Assignment']} a
  JOIN {table['PanelMember']} m ON m.id = a.member_id
  LEFT JOIN {table['ScoreSheet']} sh ON sh.assignment_id = a.id
  WHERE m.panel_id = %s
  GROUP BY a.member_id
) c ON c.member_id = pm.id
WHERE pm.panel_id = %s
ORDER BY u.last_name, u.email, pm.id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, True, SheetState.SUBMITTED.value, True, panel.pk, panel.pk])
        records = cursor.fetchall()
    members = []
    for record in records:
        member = PanelMember.from_db(connection.alias, ["id", "panel_id", "user_id"], record[:3])
        member.n_assigned, member.n_done, member.n_excluded = map(int, record[3:6])
        member.user = user_model.from_db(connection.alias, user_fields, record[6:])
        member.panel = panel
        members.append(member)
    return members


def sheets_of(application_id: int) -> QuerySet[ScoreSheet]:
    return (ScoreSheet.objects.filter(assignment__application_id=application_id, assignment__excluded=False)
            .select_related("assignment__member__user").prefetch_related("scores__criterion"))


def sheets_visible_to(user, application: Application) -> QuerySet[ScoreSheet]:
    """Everyone's sheets of an application, for whoever may see them (`jury.view_scores_of_application`:
    the ministry, and the chair once they declared themselves free of conflict and submitted their own
    sheet); anyone else gets 404. Drafts stay private to the ministry, to keep scoring independent."""
    if not user.has_perm("jury.view_scores_of_application", application):
        raise Http404
    qs = sheets_of(application.pk).order_by("assignment__member__user__last_name", "pk")
    return qs if is_staff_member(user) else qs.filter(state=SheetState.SUBMITTED)


def visible_panels(user) -> QuerySet[Panel]:
    """Staff see every panel; a jury member the panels they sit on or chair."""
    if is_staff_member(user):
        return Panel.objects.select_related("call", "chair").order_by("-call__opens_at", "pk")
    return (Panel.objects.filter(Q(pk__in=PanelMember.objects.filter(user=user).values("panel_id")) | Q(chair=user))
            .select_related("call", "chair").order_by("-call__opens_at", "pk"))


def panel_applications(panel: Panel, *, search: str = "", member_id: int | None = None) -> QuerySet[Application]:
    """The call's applications from the formal check on, each with this panel's assignment rows; `search`
    finds a case number, title or municipality, `member_id` keeps the applications of one member (assigned
    or excluded). The page shows one page of it (jury:panel)."""
    from applications.enums import ApplicationState

    rows = (Assignment.objects.filter(member__panel=panel).select_related("member__user", "sheet")
            .order_by("member__user__last_name", "member__user__email"))
    qs = Application.objects.filter(call_id=panel.call_id, state__in=[ApplicationState.ELIGIBLE, *EVALUATION_STATES])
    if search:
        qs = search_applications(qs, search)
    if member_id is not None:
        qs = qs.filter(Exists(Assignment.objects.filter(application_id=OuterRef("pk"), member_id=member_id,
                                                        member__panel=panel)))
    return (without_proposal_texts(qs).select_related("lead")
            .prefetch_related(Prefetch("jury_assignments", queryset=rows, to_attr="panel_rows"))
            .order_by("case_number", "pk"))


def _visible_rows(user, panel: Panel, rows: list[RankingRow]) -> list[RankingRow]:
    """The list is computed for everyone alike; a viewer only does not see the rows they may not
    (`jury.view_ranking_row`: the applications they are excluded from); places and outcomes stay."""
    hidden = hidden_application_ids(user, panel.pk)
    return [r for r in rows if r.application_id not in hidden]


# ---------------------------------------------------------------- the recorded result of a closed session


def _dec(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def conflicts_of(panel: Panel) -> list[dict]:
    """Every exclusion of the panel (automatic and declared), for the minutes."""
    rows = (Assignment.objects.filter(member__panel=panel, excluded=True)
            .select_related("member__user", "application").order_by("application__case_number", "member_id"))
    return [{"application": a.application_id, "case_number": a.application.case_number,
             "member": a.member.user.display_name, "kind": a.exclusion_kind, "reason": a.exclusion_reason}
            for a in rows]


def to_snapshot(result: Ranking, decisions: dict, conflicts: list[dict]) -> dict:
    """The whole recorded result of a session, as stored when it closes: the one source of the closed
    list, the minutes and every document."""
    rows = []
    for row in result.rows:
        decision = decisions.get(row.application.pk)
        rows.append({
            "application": row.application.pk, "case_number": row.application.case_number,
            "title": row.application.title, "position": row.position, "n_scores": row.n_scores,
            "means": {str(cid): str(m) if m is not None else None for cid, m in row.means.items()},
            "total": str(row.total) if row.total is not None else None,
            "spread": str(row.spread) if row.spread is not None else None,
            "joint": row.joint, "grant": str(row.grant),
            "grant_by_year": {str(y): str(a) for y, a in row.grant_by_year.items()},
            "failed": [str(f) for f in row.failed], "too_few": row.too_few, "disagreement": row.disagreement,
            "computed": row.outcome, "outcome": decision.outcome if decision else row.outcome,
            "justification": decision.justification if decision else "",
            "tie_break": str(row.tie_break),
            "budget_left": str(row.budget_left) if row.budget_left is not None else None,
            "years_left": {str(y): str(a) for y, a in row.years_left.items()},
            "explanation": str(row.explanation)})
    return {"version": 2, "rows": rows, "budget": str(result.budget),
            "year_budgets": {str(y): str(a) for y, a in result.year_budgets.items()},
            "criteria": [{"id": c.pk, "name": c.name, "weight": str(c.weight)} for c in result.criteria],
            "conflicts": conflicts}


@dataclass
class SnapshotCriterion:
    pk: int
    name: str
    weight: Decimal


def from_snapshot(session: Session) -> Ranking:
    """The recorded result of a closed session, rebuilt from its snapshot (numbers and outcomes as
    recorded; the applications themselves are read for their names)."""
    data = session.snapshot or {}
    panel = session.panel
    call = panel.call
    applications = Application.objects.select_related("lead").in_bulk([r["application"] for r in data.get("rows", [])])
    criteria = [SnapshotCriterion(pk=c["id"], name=c["name"], weight=Decimal(c["weight"]))
                for c in data.get("criteria", [])]
    rows = []
    for r in data.get("rows", []):
        application = applications.get(r["application"])
        if application is None:
            continue
        computed = r.get("computed") or r["outcome"]
        rows.append(RankingRow(
            application=application, n_scores=r.get("n_scores", 0),
            means={int(cid): _dec(m) for cid, m in r.get("means", {}).items()},
            total=_dec(r.get("total")), spread=_dec(r.get("spread")), joint=r.get("joint", False),
            grant=Decimal(r["grant"]),
            grant_by_year={int(y): Decimal(a) for y, a in r.get("grant_by_year", {}).items()},
            failed=list(r.get("failed", [])), too_few=r.get("too_few", False),
            disagreement=r.get("disagreement", False), position=r.get("position"), outcome=computed,
            tie_break=r.get("tie_break", ""), budget_left=_dec(r.get("budget_left")),
            years_left={int(y): Decimal(a) for y, a in r.get("years_left", {}).items()},
            explanation=r.get("explanation", ""), decision=r["outcome"], justification=r.get("justification", "")))
    return Ranking(call=call, panel=panel, criteria=criteria, budget=Decimal(data.get("budget", call.total_budget)),
                   year_budgets={int(y): Decimal(a) for y, a in data.get("year_budgets", {}).items()},
                   rows=rows, session=session, conflicts=list(data.get("conflicts", [])))


def closed_session_of(panel: Panel) -> Session | None:
    """The panel's closed session (its recorded result), if any; no query when the panel was read with
    `closed_session_id` annotated and the evaluation is still open."""
    if hasattr(panel, "closed_session_id"):
        if panel.closed_session_id is None:
            return None
        return Session.objects.select_related("panel__call", "closed_by").get(pk=panel.closed_session_id)
    return (Session.objects.filter(panel=panel, state=SessionState.CLOSED).select_related("panel__call", "closed_by")
            .order_by("-closed_at").first())


def result_for(*, panel: Panel, viewer, budget: Decimal | None = None) -> Ranking:
    """The list a viewer sees on every page, API answer and document: the recorded result once a session
    is closed, the live list before (or a what-if, which never shows a recorded result)."""
    closed = closed_session_of(panel) if budget is None else None
    result = from_snapshot(closed) if closed is not None else ranking(call=panel.call, budget=budget, panel=panel)
    if viewer is not None:
        result.rows = _visible_rows(viewer, panel, result.rows)
    return result


def find_in_ranking(rows: list, *, call_id: int, text: str) -> list:
    """The rows of a ranking (in its order, each with its place in the whole list) of the applications of the call
    that `search_applications` finds for `text`: how the ranking page, the session page and the ranking in the API
    find an application; all rows for no text. One query of the call's matching ids; the rows are the viewer's
    (`result_for`), so a search never finds an application the viewer may not see."""
    if not text:
        return rows
    found = found_in_call(call_id, text)
    return [row for row in rows if row.application_id in found]


@dataclass
class MemberWork:
    """A jury member's open work, as the workspace marks it (start page)."""

    declarations: int = 0  # "Erklärung ausstehend"
    sheets: int = 0  # "zu bewerten" or "Entwurf gespeichert"
    sessions: list = field(default_factory=list)  # open sessions of the member's panels, by date


def member_open_work(user) -> MemberWork:
    """Counts of what the member still has to do (`_still_open`, as the workspace counts and lists it), split into
    declarations to make and sheets to fill in or submit; two queries."""
    # counted in the aggregate's filters, not in WHERE, which would read every assignment of every member (this
    # function: 6.4 ms that way, 4.6 ms so, for a member's 3,115 at 10,000 cases)
    still_open = _still_open(counted=True)
    counts = (Assignment.objects.filter(member__user=user, assigned=True)
              .aggregate(declarations=Count("pk", filter=still_open & Q(declaration=Declaration.PENDING)),
                         sheets=Count("pk", filter=still_open & ~Q(declaration=Declaration.PENDING))))
    sessions = list(Session.objects.filter(panel__members__user=user, state=SessionState.OPEN)
                    .select_related("panel__call").order_by("held_on", "pk").distinct())
    return MemberWork(declarations=counts["declarations"], sheets=counts["sheets"], sessions=sessions)
