"""Reads of the payments app for the ministry's dashboard and the exports.

Every figure is summed in the database (aggregate / annotate), in a fixed number of queries
whatever the number of grants. Definitions (also in docs/payments-dashboard.md):

- budget: the calls' total budget; per budget year the year's tranche (CallBudgetYear.amount).
- committed: the calls' committed counter (Call.committed, CallBudgetYear.committed); per topic and
  Landkreis the sum of the grants' maximum amounts (Höchstbetrag).
- paid: the sum of disbursements in state "paid" (instalments and final payments); per budget year
  those booked to it (``budget_year``, a year the grant has a commitment for; rows from before that
  field: the calendar year of ``paid_on``).
- recovered: the principal paid back on recoveries (Recovery.paid_principal); per budget year the
  principal part of the payments received (RecoveryPayment.to_principal) in that year.
- left: budget − committed (what can still be committed).
- topic: a grant with several topics counts under its first topic by number only (so nothing is
  counted twice); a grant without topic under "ohne Themenbereich".
- Landkreis: the lead municipality's Landkreis; a Landkreis or a kreisfreie Stadt (no Landkreis)
  counts under itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality
from applications.models import Application
from foundation.amounts import ZERO, format_eur
from foundation.choices import choice_label
from grants.models import Call, CallBudgetYear, FundingProgram, Topic

from ..enums import DecisionState, DisbursementState, PaymentRunState, ProofState, RecoveryState
from ..models import Decision, DisbursementRequest, Grant, ProofOfUse, Recovery, RecoveryPayment, Settlement

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
NO_TOPIC = 0  # key of the "ohne Themenbereich" row


def _zero():
    return Value(ZERO, output_field=MONEY_FIELD)


def _sum(expr):
    return Coalesce(Sum(expr), _zero(), output_field=MONEY_FIELD)


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    budget: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    recovered: Decimal = ZERO
    label: str = ""

    @property
    def left(self) -> Decimal:
        return self.budget - self.committed

    def share(self, name: str) -> Decimal:
        """``name`` as a percentage of the budget (0–100, for the bars)."""
        if not self.budget:
            return Decimal(0)
        return min(Decimal(100), max(Decimal(0), getattr(self, name) * 100 / self.budget)).quantize(Decimal("0.1"))

    MEASURES = (("committed", _("Gebunden")), ("paid", _("Ausgezahlt")), ("recovered", _("Zurückgezahlt")),
                ("left", _("Verfügbar")))

    @property
    def bars(self) -> list[tuple[str, str, Decimal, Decimal]]:
        """(measure, label, percentage, amount) for the bar charts."""
        return [(name, str(label), self.share(name), getattr(self, name)) for name, label in self.MEASURES]

    @property
    def committed_pct(self):
        return self.share("committed")

    @property
    def paid_pct(self):
        return self.share("paid")

    @property
    def recovered_pct(self):
        return self.share("recovered")

    @property
    def left_pct(self):
        return self.share("left")


@dataclass
class YearRow(Figures):
    year: int | None = None


@dataclass
class GroupRow(Figures):
    """A topic or Landkreis. It has no budget of its own: its bars show its share of each total."""

    key: int = 0
    grants: int = 0
    of: Figures | None = None

    MEASURES = Figures.MEASURES[:3]

    def share(self, name: str) -> Decimal:
        total = getattr(self.of, name) if self.of is not None else ZERO
        if not total:
            return Decimal(0)
        return min(Decimal(100), getattr(self, name) * 100 / total).quantize(Decimal("0.1"))


@dataclass
class CallRow(Figures):
    call: Call | None = None


@dataclass
class Overview:
    totals: Figures
    years: list[YearRow]
    topics: list[GroupRow]
    landkreise: list[GroupRow]
    calls: list[CallRow] = field(default_factory=list)

    @property
    def total_rows(self) -> list[Figures]:
        return [self.totals]


def _first_topic(app_ref: str):
    """The id of the application's topic with the lowest number (None without topic)."""
    through = Application.topics.through
    return Subquery(through.objects.filter(application_id=OuterRef(app_ref))
                    .order_by("topic__number", "topic_id").values("topic_id")[:1])


def _landkreis(prefix: str):
    """The Landkreis a grant counts under: the lead's Landkreis, or the lead itself if it has none."""
    return Coalesce(F(f"{prefix}application__lead__landkreis_id"), F(f"{prefix}application__lead_id"))


def _paid(calls) -> QuerySet[DisbursementRequest]:
    return DisbursementRequest.objects.filter(state=DisbursementState.PAID, grant__call__in=calls)


def _grouped(calls, *, key_for) -> dict[int, dict]:
    """committed (Σ Höchstbetrag, number of grants), paid and recovered per key. Three queries."""
    rows: dict[int, dict] = {}

    def add(key, **values):
        row = rows.setdefault(key if key is not None else NO_TOPIC,
                              {"grants": 0, "committed": ZERO, "paid": ZERO, "recovered": ZERO})
        for name, value in values.items():
            row[name] += value

    for r in (Grant.objects.filter(call__in=calls).annotate(k=key_for("")).order_by()
              .values("k").annotate(n=Count("pk"), total=_sum("amount"))):
        add(r["k"], grants=r["n"], committed=r["total"])
    for r in (_paid(calls).annotate(k=key_for("grant__")).order_by().values("k")
              .annotate(total=_sum("amount"))):
        add(r["k"], paid=r["total"])
    for r in (Recovery.objects.filter(grant__call__in=calls).annotate(k=key_for("grant__")).order_by()
              .values("k").annotate(total=_sum("paid_principal"))):
        add(r["k"], recovered=r["total"])
    return rows


def _group_rows(rows: dict[int, dict], labels: dict[int, str], *, of: Figures, keep: tuple = ()) -> list[GroupRow]:
    """One row per key; ``keep`` keys are shown even without money (e.g. every topic of the program)."""
    of = Figures(committed=sum((r["committed"] for r in rows.values()), ZERO), paid=of.paid, recovered=of.recovered)
    return [GroupRow(key=k, label=labels.get(k, str(_("ohne Themenbereich"))), of=of, **rows.get(k, {}))
            for k in set(rows) | set(keep)]


def money_overview(*, calls: QuerySet[Call], per_call: bool = False) -> Overview:
    """Budget, committed, paid, recovered and left of the given calls: total, per year, topic and Landkreis."""
    calls = calls.order_by()
    call_ids = calls.values("pk")

    agg = calls.aggregate(budget=_sum("total_budget"), committed=_sum("committed"))
    booked_year = Coalesce("budget_year", ExtractYear("paid_on"))
    paid_years = {r["y"]: r["total"] for r in _paid(call_ids).annotate(y=booked_year).order_by()
                  .values("y").annotate(total=_sum("amount"))}
    recovered = Recovery.objects.filter(grant__call__in=call_ids).aggregate(total=_sum("paid_principal"))["total"]
    totals = Figures(label=str(_("Gesamt")), budget=agg["budget"], committed=agg["committed"],
                     paid=sum(paid_years.values(), ZERO), recovered=recovered)

    # per budget year
    tranches = {r["year"]: r for r in CallBudgetYear.objects.filter(call__in=call_ids).order_by().values("year")
                .annotate(tranche=_sum("amount"), committed=_sum("committed"))}
    recovered_years = {r["y"]: r["total"] for r in RecoveryPayment.objects.filter(recovery__grant__call__in=call_ids)
                       .annotate(y=ExtractYear("received_on")).order_by().values("y")
                       .annotate(total=_sum("to_principal"))}
    years = []
    for year in sorted({*tranches, *(y for y in paid_years if y), *(y for y in recovered_years if y)}):
        t = tranches.get(year, {})
        years.append(YearRow(year=year, budget=t.get("tranche", ZERO), committed=t.get("committed", ZERO),
                             paid=paid_years.get(year, ZERO), recovered=recovered_years.get(year, ZERO)))

    # per topic (first by number) and per Landkreis
    topic_rows = _grouped(call_ids, key_for=lambda prefix: _first_topic(f"{prefix}application_id"))
    program_topics = Topic.objects.filter(program__calls__in=call_ids).distinct().order_by("number", "pk")
    topic_labels = {t.pk: str(t) for t in program_topics}
    topics = _group_rows(topic_rows, topic_labels, of=totals, keep=tuple(topic_labels))
    order = {pk: i for i, pk in enumerate(topic_labels)}
    topics.sort(key=lambda r: order.get(r.key, len(order)))

    lk_rows = _grouped(call_ids, key_for=_landkreis)
    lk_labels = dict(Municipality.objects.filter(pk__in=list(lk_rows)).values_list("pk", "name"))
    landkreise = sorted(_group_rows(lk_rows, lk_labels, of=totals), key=lambda r: r.label)

    overview = Overview(totals=totals, years=years, topics=topics, landkreise=landkreise)
    if per_call:
        overview.calls = [CallRow(call=c, budget=c.total_budget, committed=c.committed, paid=c.paid_sum,
                                  recovered=c.recovered_sum) for c in calls_with_money(calls)]
    return overview


def calls_with_money(calls: QuerySet[Call]) -> QuerySet[Call]:
    """Calls annotated with paid_sum and recovered_sum (one query)."""
    paid = (DisbursementRequest.objects.filter(state=DisbursementState.PAID, grant__call_id=OuterRef("pk"))
            .order_by().values("grant__call_id").annotate(s=Sum("amount")).values("s"))
    recovered = (Recovery.objects.filter(grant__call_id=OuterRef("pk")).order_by().values("grant__call_id")
                 .annotate(s=Sum("paid_principal")).values("s"))
    return (calls.select_related("program")
            .annotate(paid_sum=Coalesce(Subquery(paid, output_field=MONEY_FIELD), _zero()),
                      recovered_sum=Coalesce(Subquery(recovered, output_field=MONEY_FIELD), _zero()))
            .order_by("program__name", "-opens_at", "pk"))


def dashboard_calls() -> QuerySet[Call]:
    """Every call except drafts, with its money (for the dashboard's start page)."""
    return calls_with_money(Call.objects.exclude(state="draft"))


def program_for_dashboard(program_id: int) -> FundingProgram:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(FundingProgram, pk=program_id)


def call_for_dashboard(call_id: int) -> Call:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Call.objects.select_related("program"), pk=call_id)


# ---------------------------------------------------------------- cases needing action


ACTION_KINDS = (
    ("decision_prepared", _("Vorbereitete Entscheidungen, die bestätigt werden müssen")),
    ("disbursement_to_check", _("Mittelabrufe zu prüfen (sachlich richtig)")),
    ("disbursement_to_release", _("Mittelabrufe freizugeben (Anordnung)")),
    ("released_not_in_run", _("Angeordnet, noch in keinem Zahlungslauf")),
    ("run_not_confirmed", _("Exportierte Zahlungsläufe, Ausführung nicht bestätigt")),
    ("proof_to_check", _("Eingereichte Nachweise zu prüfen")),
    ("proof_overdue", _("Überfällige Nachweise")),
    ("settlement_prepared", _("Vorbereitete Schlussabrechnungen, die bestätigt werden müssen")),
    ("recovery_overdue", _("Überfällige Rückforderungen")),
    ("background_work", _("Hängende Hintergrundarbeiten (Bescheide, Belege, E-Mails)")),
)
# The formal check's work, asked for by the start page (not part of the money dashboard).
APPLICATION_ACTION_KINDS = (
    ("formal_check", _("Anträge in der Formalprüfung (eingereicht, nachgereicht oder begonnen)")),
    ("revision_overdue", _("Nachbesserungen, deren Frist abgelaufen ist")),
)
ALL_ACTION_KINDS = APPLICATION_ACTION_KINDS + ACTION_KINDS


WINDOW = 5  # rows of each kind an overview shows (the oldest); the kind's own page lists them all, paginated


@dataclass
class ActionItem:
    kind: str
    application_id: int
    case_number: str
    title: str
    municipality: str
    detail: str = ""
    date: dt.date | None = None
    object_id: int = 0
    url: str = ""


@dataclass
class ActionGroup:
    kind: str
    label: str
    items: list[ActionItem]  # the oldest ``limit`` rows only
    count: int = 0           # all rows of the kind


def _item(kind, application, *, detail="", date=None, object_id=0) -> ActionItem:
    return ActionItem(kind=kind, application_id=application.pk, case_number=application.case_number,
                      title=application.title, municipality=application.lead.name, detail=str(detail), date=date,
                      object_id=object_id)


@dataclass(frozen=True)
class _Kind:
    """One kind of case needing action: its rows, oldest first (a queryset), and how a row is shown."""

    rows: object   # (call_ids, today) -> QuerySet
    item: object   # (kind, row) -> ActionItem


def _disbursement_detail(r) -> str:
    return _("%(kind)s Nr. %(n)s: %(a)s") % {"kind": choice_label(r, "kind"), "n": r.number, "a": format_eur(r.amount)}


def _run_detail(r) -> str:
    return _("Zahlungslauf %(n)s, Ausführung %(d)s: %(a)s") % {
        "n": r.payment_run.number, "d": r.payment_run.execution_date.strftime("%d.%m.%Y"), "a": format_eur(r.amount)}


def _settlement_detail(s) -> str:
    return _("%(outcome)s: %(a)s") % {"outcome": choice_label(s, "outcome"), "a": format_eur(s.difference)}


def _recovery_detail(rec) -> str:
    return _("offen: %(a)s") % {"a": format_eur(rec.principal - rec.paid_principal)}


def _applications(call_ids):
    return Application.objects.filter(call__in=call_ids).select_related("lead")


def _disbursements(call_ids, state):
    return (DisbursementRequest.objects.filter(grant__call__in=call_ids, state=state)
            .select_related("grant__application__lead").order_by("requested_at", "pk"))


def _stuck(call_ids, today):
    from outbox.selectors import stuck_messages

    return stuck_messages()  # not tied to one call: listed in every scope


def _stuck_item(kind, message) -> ActionItem:
    from django.urls import reverse

    return ActionItem(kind=kind, application_id=0, case_number="", title=message.label or message.key,
                      municipality="", detail=message.last_error[:200] or choice_label(message, "state"),
                      date=timezone.localdate(message.created_at), object_id=message.pk, url=reverse("outbox:stuck"))


def _kinds() -> dict[str, _Kind]:
    from applications.enums import CHECK_QUEUE_STATES, ApplicationState

    def disbursement(state):
        return _Kind(lambda ids, today: _disbursements(ids, state),
                     lambda kind, r: _item(kind, r.grant.application, detail=_disbursement_detail(r),
                                           date=r.needed_on, object_id=r.pk))

    return {
        "formal_check": _Kind(
            lambda ids, today: _applications(ids).filter(state__in=CHECK_QUEUE_STATES).order_by("submitted_at", "pk"),
            lambda kind, a: _item(kind, a, detail=choice_label(a, "state"), object_id=a.pk,
                                  date=timezone.localdate(a.submitted_at) if a.submitted_at else None)),
        "revision_overdue": _Kind(
            lambda ids, today: _applications(ids).filter(state=ApplicationState.RETURNED,
                                                         revision_deadline__lt=today).order_by("submitted_at", "pk"),
            lambda kind, a: _item(kind, a, detail=_("Frist abgelaufen"), date=a.revision_deadline, object_id=a.pk)),
        "decision_prepared": _Kind(
            lambda ids, today: (Decision.objects.filter(state=DecisionState.PREPARED, application__call__in=ids)
                                .select_related("application__lead").order_by("prepared_at", "pk")),
            lambda kind, d: _item(kind, d.application, detail=choice_label(d, "kind"),
                                  date=timezone.localdate(d.prepared_at), object_id=d.pk)),
        "disbursement_to_check": disbursement(DisbursementState.REQUESTED),
        "disbursement_to_release": disbursement(DisbursementState.CHECKED),
        "released_not_in_run": disbursement(DisbursementState.RELEASED),
        "run_not_confirmed": _Kind(
            lambda ids, today: (DisbursementRequest.objects.filter(
                grant__call__in=ids, state=DisbursementState.IN_PAYMENT_RUN,
                payment_run__state=PaymentRunState.EXPORTED)
                .select_related("grant__application__lead", "payment_run").order_by("requested_at", "pk")),
            lambda kind, r: _item(kind, r.grant.application, detail=_run_detail(r), date=r.payment_run.execution_date,
                                  object_id=r.pk)),
        "proof_to_check": _Kind(
            lambda ids, today: (ProofOfUse.objects.filter(grant__call__in=ids, state=ProofState.SUBMITTED)
                                .select_related("grant__application__lead").order_by("due_on", "pk")),
            lambda kind, p: _item(kind, p.grant.application, detail=str(p), date=p.due_on, object_id=p.pk)),
        "proof_overdue": _Kind(
            lambda ids, today: (ProofOfUse.objects.filter(grant__call__in=ids, due_on__lt=today,
                                                          state__in=[ProofState.DUE, ProofState.RETURNED])
                                .select_related("grant__application__lead").order_by("due_on", "pk")),
            lambda kind, p: _item(kind, p.grant.application, detail=str(p), date=p.due_on, object_id=p.pk)),
        "settlement_prepared": _Kind(
            lambda ids, today: (Settlement.objects.filter(state=DecisionState.PREPARED, grant__call__in=ids)
                                .select_related("grant__application__lead").order_by("prepared_at", "pk")),
            lambda kind, s: _item(kind, s.grant.application, detail=_settlement_detail(s),
                                  date=timezone.localdate(s.prepared_at), object_id=s.pk)),
        "recovery_overdue": _Kind(
            lambda ids, today: (Recovery.objects.filter(state=RecoveryState.OPEN, due_on__lt=today,
                                                        grant__call__in=ids)
                                .select_related("grant__application__lead").order_by("due_on", "pk")),
            lambda kind, rec: _item(kind, rec.grant.application, detail=_recovery_detail(rec), date=rec.due_on,
                                    object_id=rec.pk)),
        "background_work": _Kind(_stuck, _stuck_item),
    }


def _wanted(kinds) -> tuple[str, ...]:
    labels = dict(ALL_ACTION_KINDS)
    return tuple(k for k, _label in ACTION_KINDS) if kinds is None else tuple(k for k in kinds if k in labels)


def cases_needing_action(*, calls: QuerySet[Call], today: dt.date | None = None,
                         kinds: tuple[str, ...] | None = None, limit: int = WINDOW) -> list[ActionGroup]:
    """What staff must do next, per kind: its count and its oldest ``limit`` rows. One query per kind asked
    for (the count is a window over the same rows, computed by the database before the LIMIT), whatever the
    number of cases; no other row is read. ``kinds`` picks the groups (default: the money kinds, ACTION_KINDS);
    the start page also asks for the formal check's (APPLICATION_ACTION_KINDS)."""
    from django.db.models import Window

    today = today or timezone.localdate()
    call_ids = calls.order_by().values("pk")
    labels, table = dict(ALL_ACTION_KINDS), _kinds()
    groups = []
    for kind in _wanted(kinds):
        rows = list(table[kind].rows(call_ids, today).annotate(_total=Window(Count("pk")))[:max(limit, 1)])
        groups.append(ActionGroup(kind=kind, label=str(labels[kind]), count=rows[0]._total if rows else 0,
                                  items=[table[kind].item(kind, row) for row in rows[:limit]]))
    return groups


def case_rows(*, calls: QuerySet[Call], kind: str, today: dt.date | None = None) -> QuerySet:
    """All rows of one kind, oldest first, for a paginated list (`action_items` turns one page into items)."""
    return _kinds()[kind].rows(calls.order_by().values("pk"), today or timezone.localdate())


def action_items(kind: str, rows) -> list[ActionItem]:
    return [_kinds()[kind].item(kind, row) for row in rows]


# ---------------------------------------------------------------- exports


def _lk_name():
    return Coalesce(F("application__lead__landkreis__name"), F("application__lead__name"))


def grants_for_export(calls: QuerySet[Call]) -> QuerySet[Grant]:
    """Grants with lead, Landkreis, first topic, paid (Σ paid disbursements) and recovered (one query)."""
    through = Application.topics.through
    first = through.objects.filter(application_id=OuterRef("application_id")).order_by("topic__number", "topic_id")
    paid = (DisbursementRequest.objects.filter(state=DisbursementState.PAID, grant_id=OuterRef("pk")).order_by()
            .values("grant_id").annotate(s=Sum("amount")).values("s"))
    recovered = (Recovery.objects.filter(grant_id=OuterRef("pk")).order_by().values("grant_id")
                 .annotate(s=Sum("paid_principal")).values("s"))
    return (Grant.objects.filter(call__in=calls.order_by().values("pk"))
            .select_related("application__lead")
            .annotate(landkreis_name=_lk_name(),
                      topic_number=Subquery(first.values("topic__number")[:1]),
                      topic_name=Subquery(first.values("topic__name")[:1]),
                      paid_sum=Coalesce(Subquery(paid, output_field=MONEY_FIELD), _zero()),
                      recovered_sum=Coalesce(Subquery(recovered, output_field=MONEY_FIELD), _zero()))
            .order_by("application__case_number", "pk"))


def payments_for_export(calls: QuerySet[Call]) -> QuerySet[DisbursementRequest]:
    return (_paid(calls.order_by().values("pk")).select_related("grant__application__lead", "payment_run")
            .order_by("paid_on", "grant__application__case_number", "number", "pk"))


def recoveries_for_export(calls: QuerySet[Call]) -> QuerySet[Recovery]:
    return (Recovery.objects.filter(grant__call__in=calls.order_by().values("pk"))
            .select_related("grant__application")
            .annotate(outstanding=ExpressionWrapper(F("principal") - F("paid_principal"), output_field=MONEY_FIELD))
            .order_by("grant__application__case_number", "due_on", "pk"))
