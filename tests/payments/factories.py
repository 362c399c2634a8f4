"""Test builders of the money tests: factory-boy factories for the payments models, and builders that
put them together (grants in any state, proofs, a dashboard world). Test modules import from here and
from tests/factories.py, never from each other.

The decision area's own tests go through payments.services.decisions; everything downstream
(disbursements, proof of use, settlement) starts from ``make_grant``.
"""

import datetime as dt
from decimal import Decimal
from decimal import Decimal as D
from types import SimpleNamespace

import factory
from django.db.models import F
from django.utils import timezone

from accounts.enums import MunicipalityKind
from accounts.models import Municipality
from applications.enums import ApplicationState
from applications.enums import ApplicationState as AS
from applications.models import Application, CostLine
from foundation.amounts import floor_cents
from grants.models import Call, CallBudgetYear
from grants.money import eligible_costs_for, uncapped_grant
from payments.enums import (
    DecisionKind,
    DecisionState,
    DisbursementKind,
    DisbursementState,
    GrantState,
    PaymentRunState,
    ProofKind,
    ProofState,
    RecoveryState,
    SettlementOutcome,
)
from payments.models import (
    BankAccount,
    BaseRate,
    Commitment,
    Decision,
    DisbursementRequest,
    Grant,
    PaymentRun,
    ProofOfUse,
    Recovery,
    RecoveryPayment,
    Settlement,
)
from payments.services import decisions as decision_services
from payments.services import proofs as services
from payments.services import proofs_recovery as recovery_svc
from payments.tasks import render_grant_notice
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    LandkreisFactory,
    MunicipalityFactory,
    UserFactory,
    member_of,
    staff_user,
)

_counter = [0]


class DecisionFactory(factory.django.DjangoModelFactory):
    """A confirmed approval (two people) of 180.000 € on 200.000 € eligible costs."""

    class Meta:
        model = Decision

    application = factory.SubFactory(ApplicationFactory, state=ApplicationState.APPROVED,
                                     case_number=factory.Sequence(lambda n: f"SHH2-2026-{n + 5000:04d}"),
                                     submitted_at=factory.LazyFunction(timezone.now))
    kind = DecisionKind.APPROVE
    state = DecisionState.CONFIRMED
    funding_rate = Decimal("0.9")
    eligible_costs = Decimal("200000.00")
    grant_amount = Decimal("180000.00")
    prepared_by = factory.LazyFunction(lambda: staff_user("case_worker"))
    confirmed_by = factory.LazyFunction(lambda: staff_user("approver"))
    confirmed_at = factory.LazyFunction(timezone.now)


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    decision = factory.SubFactory(DecisionFactory)
    application = factory.SelfAttribute("decision.application")
    call = factory.SelfAttribute("application.call")
    funding_rate = factory.SelfAttribute("decision.funding_rate")
    eligible_costs = factory.SelfAttribute("decision.eligible_costs")
    amount = factory.SelfAttribute("decision.grant_amount")
    project_start = dt.date(2027, 3, 1)
    project_end = dt.date(2028, 12, 31)
    disbursement_window_months = 2
    appeal_period_months = 1
    interim_proof_months = 4
    final_proof_months = 6
    general_conditions_edition = "ANBest-GK, Fassung 2023"


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment


class BankAccountFactory(factory.django.DjangoModelFactory):
    """A payout account, confirmed by a second person (staff)."""

    class Meta:
        model = BankAccount

    holder = factory.LazyAttribute(lambda o: o.municipality.name[:70])
    iban = "DE89370400440532013000"
    bic = "COBADEFFXXX"
    confirmed_by = factory.LazyFunction(lambda: staff_user("case_worker"))
    confirmed_at = factory.LazyFunction(timezone.now)


class PaymentRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentRun

    number = factory.Sequence(lambda n: 1001 + n)
    state = PaymentRunState.CONFIRMED
    execution_date = dt.date(2027, 5, 10)
    message_id = factory.LazyAttribute(lambda o: f"MSG-{o.number}")
    file = "payment_runs/x.xml"
    sha256 = "0" * 64
    total = Decimal("1.00")
    count = 1
    prepared_by = factory.LazyFunction(lambda: staff_user("case_worker"))


class DisbursementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisbursementRequest

    kind = DisbursementKind.INSTALMENT
    purpose = "Sensoren"
    needed_on = dt.date(2027, 5, 1)


class RecoveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recovery

    interest_from = dt.date(2028, 1, 1)
    due_on = dt.date(2028, 7, 1)

# A TARGET2 business day inside the funding period of make_grant's default grant (01.03.2027 – 31.12.2028,
# committed in 2027): the money tests run as if it were today.
MONEY_TODAY = dt.date(2027, 4, 1)


def pin_money_today(monkeypatch) -> dt.date:
    """Make payments.schedule.today() (the date services and pages use) return MONEY_TODAY."""
    from payments import schedule

    monkeypatch.setattr(schedule, "today", lambda: MONEY_TODAY)
    return MONEY_TODAY


def make_grant(*, call=None, lead=None, eligible="200000.00", amount=None, state=GrantState.FINAL,
               years=None, retained_percent="0", window_months=2, start=dt.date(2027, 3, 1),
               end=dt.date(2028, 12, 31), issued_on=dt.date(2027, 2, 1), with_bank_account=True) -> Grant:
    """An approved grant of 90 % of ``eligible`` (or ``amount``), committed against the call's budget years.

    years: {budget_year: share} of the eligible costs (default: all in 2027).
    """
    _counter[0] += 1
    n = _counter[0]
    call = call or CallFactory()
    lead = lead or MunicipalityFactory()
    eligible = Decimal(eligible)
    rate = call.program.funding_rate
    amount = Decimal(amount) if amount is not None else uncapped_grant(rate=rate, eligible_costs=eligible)
    retained = floor_cents(amount * Decimal(retained_percent) / 100)
    preparer, approver = staff_user("case_worker"), staff_user("approver")
    app = Application.objects.create(
        call=call, lead=lead, title=f"Smartes Projekt {n}", created_by=UserFactory(),
        state=ApplicationState.APPROVED, case_number=f"SHH2-2027-{n:04d}", submitted_at=timezone.now(),
        start_date=start, end_date=end, total_costs=eligible, eligible_costs=eligible, grant_amount=amount)
    shares = {int(y): Decimal(s) for y, s in (years or {start.year: "1"}).items()}
    total_share = sum(shares.values())
    by_year, left_eligible, left_amount = {}, eligible, amount
    for i, (year, share) in enumerate(sorted(shares.items())):
        last = i == len(shares) - 1
        line = left_eligible if last else (eligible * share / total_share).quantize(Decimal("0.01"))
        part = left_amount if last else (amount * share / total_share).quantize(Decimal("0.01"))
        left_eligible -= line
        left_amount -= part
        CostLine.objects.create(application=app, category="investment", description=f"Sensoren {year}",
                                budget_year=year, amount=line)
        by_year[year] = part
    decision = DecisionFactory(
        application=app, kind=DecisionKind.APPROVE, state=DecisionState.CONFIRMED, funding_rate=rate,
        eligible_costs=eligible, grant_amount=amount, years={str(y): str(a) for y, a in by_year.items()},
        prepared_by=preparer, confirmed_by=approver, confirmed_at=timezone.now())
    program = call.program
    appeal_ends = issued_on + dt.timedelta(days=31) if issued_on else None
    grant = GrantFactory(
        application=app, call=call, decision=decision, state=state, funding_rate=rate,
        eligible_costs=eligible, amount=amount, retained_amount=retained, project_start=start, project_end=end,
        disbursement_window_months=window_months, appeal_period_months=program.appeal_period_months,
        interim_proof_months=program.interim_proof_months, final_proof_months=program.final_proof_months,
        general_conditions_edition="ANBest-GK, Fassung 2023",
        notice_issued_on=issued_on if state != GrantState.APPROVED else None,
        appeal_ends_on=appeal_ends if state != GrantState.APPROVED else None,
        final_on=appeal_ends if state not in (GrantState.APPROVED, GrantState.NOTICE_ISSUED) else None)
    for year, part in by_year.items():
        budget_year, _ = CallBudgetYear.objects.get_or_create(call=call, year=year,
                                                              defaults={"amount": Decimal("8000000.00")})
        CommitmentFactory(grant=grant, budget_year=budget_year, year=year, amount=part)
        CallBudgetYear.objects.filter(pk=budget_year.pk).update(committed=F("committed") + part)
    Call.objects.filter(pk=call.pk).update(committed=F("committed") + amount)
    grant.preparer, grant.approver = preparer, approver
    grant.grantee = member_of(lead)
    if with_bank_account:
        BankAccountFactory(municipality=lead, prepared_by=grant.grantee, confirmed_by=grant.preparer)
    return grant



def api_as(user):
    """A DRF test client logged in as ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- decisions: an application to decide on


def decidable(call, *, grant="150000.00", years=None, state=AS.RECOMMENDED, lead=None, start=dt.date(2027, 3, 1),
              end=dt.date(2028, 12, 31)) -> Application:
    """An application the ministry can decide on: eligible costs giving exactly ``grant`` at the program's
    rate (grants.money), split over budget years by ``years`` ({year: share})."""
    _counter[0] += 1  # one counter with make_grant: their case numbers share one unique column
    n = _counter[0]
    grant = Decimal(grant)
    eligible = eligible_costs_for(rate=call.program.funding_rate, grant=grant)
    app = Application.objects.create(
        call=call, lead=lead or MunicipalityFactory(), title=f"Smarte Region {n}", summary="Sensoren im Ort.",
        created_by=UserFactory(), state=state, case_number=f"SHH2-2027-{n:04d}",
        submitted_at=timezone.now(), start_date=start, end_date=end,
        total_costs=eligible, eligible_costs=eligible, grant_amount=grant)
    shares = {int(y): Decimal(s) for y, s in (years or {2027: "1"}).items()}
    total = sum(shares.values())
    left = eligible
    for i, (year, share) in enumerate(sorted(shares.items())):
        amount = left if i == len(shares) - 1 else (eligible * share / total).quantize(Decimal("0.01"))
        left -= amount
        CostLine.objects.create(application=app, category="investment", description=f"Sensoren {year}",
                                budget_year=year, amount=amount)
    return app


def approved(call=None, *, render=False, **kwargs) -> tuple[Grant, dict]:
    """Prepare and confirm an approval through the services; ``render``: also run the notice task
    (what on_commit does outside a test transaction)."""
    call = call or CallFactory()
    app = decidable(call, **kwargs)
    worker, approver = staff_user("case_worker"), staff_user("approver")
    decision = decision_services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    decision_services.confirm_decision(actor=approver, decision_id=decision.pk)
    if render:
        render_grant_notice(grant_id=Grant.objects.get(application=app).pk)
    return Grant.objects.get(application=app), {"worker": worker, "approver": approver, "app": app,
                                                "decision": decision}


# ---------------------------------------------------------------- proof of use and settlement


START, END = dt.date(2024, 3, 1), dt.date(2025, 6, 30)

# Test values for the half-years after the official table (the real ones are entered by staff).
TEST_RATES_2026 = [(dt.date(2026, 1, 1), Decimal("1.27")), (dt.date(2026, 7, 1), Decimal("1.27"))]


def ended_grant(**kwargs) -> Grant:
    """A grant in implementation whose project ran 01.03.2024 – 30.06.2025 (200.000 € eligible, 180.000 € max)."""
    kwargs.setdefault("state", GrantState.IN_IMPLEMENTATION)
    kwargs.setdefault("years", {2024: "1", 2025: "1"})
    kwargs.setdefault("start", START)
    kwargs.setdefault("end", END)
    kwargs.setdefault("issued_on", dt.date(2024, 2, 1))
    return make_grant(**kwargs)


def pay(grant: Grant, amount) -> Grant:
    """Record money as paid out (the disbursements area does this through its payment runs)."""
    Grant.objects.filter(pk=grant.pk).update(requested_amount=Decimal(amount), paid_amount=Decimal(amount))
    grant.refresh_from_db()
    return grant


def final_proof(grant: Grant) -> ProofOfUse:
    services.schedule_proofs(grant)
    return ProofOfUse.objects.get(grant=grant, kind=ProofKind.FINAL)


def submit_final(grant: Grant, eligible_by_line: list[str], *, report="Umgesetzt wie geplant.") -> ProofOfUse:
    proof = final_proof(grant)
    lines = list(proof.cost_lines.order_by("budget_year", "position", "pk"))
    inputs = [services.ProofLineInput(amount=Decimal(a), line_id=line.pk)
              for line, a in zip(lines, eligible_by_line, strict=True)]
    services.save_proof_draft(actor=grant.grantee, proof_id=proof.pk, report=report, third_party_funds="0",
                              lines=inputs)
    return services.submit_proof(actor=grant.grantee, proof_id=proof.pk)


def accepted_final(grant: Grant, eligible_by_line: list[str], checker=None) -> ProofOfUse:
    proof = submit_final(grant, eligible_by_line)
    return services.accept_proof(actor=checker or staff_user("case_worker"), proof_id=proof.pk, note="geprüft")


def seed_rates(*extra):
    recovery_svc.seed_base_rates()
    for valid_from, rate in extra:
        BaseRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate})


# ---------------------------------------------------------------- dashboard: money in every state


DASH_DAY = dt.date(2028, 9, 1)  # "today" of the dashboard figures


def payment_run(*, state=PaymentRunState.CONFIRMED, user=None, execution_date=dt.date(2027, 5, 10)) -> PaymentRun:
    return PaymentRunFactory(state=state, execution_date=execution_date,
                             prepared_by=user or staff_user("case_worker"))


def disbursement(grant, state, amount, *, paid_on=None, run=None, kind=DisbursementKind.INSTALMENT,
                 needed_on=dt.date(2027, 5, 1)) -> DisbursementRequest:
    number = grant.disbursements.count() + 1
    fields = {}
    if state in (DisbursementState.CHECKED, DisbursementState.RELEASED, DisbursementState.IN_PAYMENT_RUN,
                 DisbursementState.PAID):
        fields.update(checked_by=grant.preparer, checked_at=timezone.now())
    if state in (DisbursementState.RELEASED, DisbursementState.IN_PAYMENT_RUN, DisbursementState.PAID):
        fields.update(released_by=grant.approver, released_at=timezone.now())
    if state in (DisbursementState.IN_PAYMENT_RUN, DisbursementState.PAID):
        run = run or payment_run(user=grant.preparer)
        fields.update(payment_run=run, end_to_end_id=f"E2E-{grant.pk}-{number}")
    return DisbursementFactory(grant=grant, number=number, kind=kind, state=state, amount=D(amount),
                               needed_on=needed_on, requested_by=grant.grantee, paid_on=paid_on, **fields)


def recovery(grant, principal, *, paid_principal="0", paid_interest="0", due_on=dt.date(2028, 7, 1),
             state=RecoveryState.OPEN) -> Recovery:
    return RecoveryFactory(grant=grant, principal=D(principal), paid_principal=D(paid_principal),
                           paid_interest=D(paid_interest), due_on=due_on, state=state, created_by=grant.preparer)


def money_world():
    """Two calls of one program plus an unrelated call; see the docstring of each figure test for the sums."""
    call = CallFactory(title="Aufruf A")
    call_b = CallFactory(title="Aufruf B", program=call.program)
    other = CallFactory(title="Fremder Aufruf")
    t1, t2, t3 = call.program.topics.order_by("number")
    lk1 = LandkreisFactory(name="Landkreis Eins", official_key="06433")
    lk2 = LandkreisFactory(name="Landkreis Zwei", official_key="06434")
    m1 = MunicipalityFactory(name="Gemeinde Eins", landkreis=lk1, official_key="06433001")
    m2 = MunicipalityFactory(name="Gemeinde Zwei", landkreis=lk1, official_key="06433002")
    city = Municipality.objects.create(name="Kreisfreie Stadt", kind=MunicipalityKind.KREISFREIE_STADT,
                                       official_key="06411000")

    g1 = make_grant(call=call, lead=m1, eligible="200000.00")                    # 180.000 in 2027
    g1.application.topics.set([t2, t1])                                          # first topic by number: 1
    g2 = make_grant(call=call, lead=m2, eligible="300000.00", years={2027: "1", 2028: "1"})  # 135.000 + 135.000
    g2.application.topics.set([t3])
    g3 = make_grant(call=call, lead=city, eligible="150000.00", start=dt.date(2028, 1, 1),
                    end=dt.date(2028, 12, 31))                                   # 135.000 in 2028, no topic
    g4 = make_grant(call=call, lead=lk2, eligible="400000.00", start=dt.date(2028, 1, 1),
                    end=dt.date(2028, 12, 31))                                   # 360.000 in 2028, Landkreis as lead
    g4.application.topics.set([t2])

    disbursement(g1, DisbursementState.PAID, "50000.00", paid_on=dt.date(2027, 5, 10))
    disbursement(g1, DisbursementState.PAID, "20000.00", paid_on=dt.date(2028, 1, 15))
    disbursement(g1, DisbursementState.RELEASED, "10000.00")                    # not paid: not counted
    disbursement(g2, DisbursementState.PAID, "30000.00", paid_on=dt.date(2027, 12, 31))
    disbursement(g3, DisbursementState.REQUESTED, "5000.00")                    # not paid: not counted
    disbursement(g4, DisbursementState.PAID, "100000.00", paid_on=dt.date(2028, 3, 1),
                 kind=DisbursementKind.FINAL_PAYMENT)

    r1 = recovery(g1, "8000.00", paid_principal="5000.00", paid_interest="120.00")
    RecoveryPayment.objects.create(recovery=r1, received_on=dt.date(2028, 6, 1), amount=D("5120.00"),
                                   to_interest=D("120.00"), to_principal=D("5000.00"), recorded_by=g1.preparer)
    recovery(g4, "12000.00")

    g5 = make_grant(call=call_b, lead=m1, eligible="200000.00", with_bank_account=False)              # 180.000 in 2027
    g5.application.topics.set([t1])
    disbursement(g5, DisbursementState.PAID, "10000.00", paid_on=dt.date(2027, 6, 1))

    g6 = make_grant(call=other, eligible="500000.00")                           # must never show up
    disbursement(g6, DisbursementState.PAID, "999.00", paid_on=dt.date(2027, 6, 1))
    recovery(g6, "77.00", paid_principal="77.00", state=RecoveryState.PAID)
    return SimpleNamespace(call=call, call_b=call_b, other=other, program=call.program, t1=t1, t2=t2, t3=t3,
                           lk1=lk1, lk2=lk2, city=city, m1=m1, g1=g1, g2=g2, g3=g3, g4=g4, g5=g5, g6=g6)



def action_world():
    call = CallFactory()
    g = {name: make_grant(call=call) for name in ("a", "b", "c", "d", "e", "f")}
    cases = {k: v.application.case_number for k, v in g.items()}
    # a prepared decision (and a confirmed and a discarded one, which need nothing)
    app = ApplicationFactory(call=call, state=ApplicationState.RECOMMENDED, case_number="SHH2-2027-9001")
    Decision.objects.create(application=app, kind=DecisionKind.APPROVE, funding_rate=D("0.9"),
                            eligible_costs=D("200000"), grant_amount=D("180000"), prepared_by=g["a"].preparer)
    app2 = ApplicationFactory(call=call, state=ApplicationState.RECOMMENDED, case_number="SHH2-2027-9002")
    Decision.objects.create(application=app2, kind=DecisionKind.REJECT, reasons="x", state=DecisionState.DISCARDED,
                            funding_rate=D("0.9"), eligible_costs=D("1"), grant_amount=D("1"),
                            prepared_by=g["a"].preparer)
    # disbursements in every state
    disbursement(g["a"], DisbursementState.REQUESTED, "100.00")
    disbursement(g["b"], DisbursementState.CHECKED, "100.00")
    disbursement(g["c"], DisbursementState.RELEASED, "100.00")
    disbursement(g["d"], DisbursementState.IN_PAYMENT_RUN, "100.00",
                 run=payment_run(state=PaymentRunState.EXPORTED, user=g["d"].preparer))
    disbursement(g["e"], DisbursementState.PAID, "100.00", paid_on=dt.date(2027, 5, 1))
    DisbursementRequest.objects.create(grant=g["f"], number=1, state=DisbursementState.REJECTED, amount=D("1"),
                                       purpose="x", needed_on=dt.date(2027, 5, 1), requested_by=g["f"].grantee)
    # proofs
    ProofOfUse.objects.create(grant=g["a"], kind=ProofKind.INTERIM, budget_year=2027, due_on=DASH_DAY,
                              state=ProofState.SUBMITTED)
    ProofOfUse.objects.create(grant=g["b"], kind=ProofKind.INTERIM, budget_year=2027,
                              due_on=DASH_DAY - dt.timedelta(days=1))                       # overdue
    ProofOfUse.objects.create(grant=g["c"], kind=ProofKind.INTERIM, budget_year=2027, due_on=DASH_DAY)  # due today
    ProofOfUse.objects.create(grant=g["d"], kind=ProofKind.INTERIM, budget_year=2027,
                              due_on=DASH_DAY - dt.timedelta(days=30), state=ProofState.RETURNED)  # overdue
    final_e = ProofOfUse.objects.create(grant=g["e"], kind=ProofKind.FINAL, due_on=DASH_DAY - dt.timedelta(days=30),
                                        state=ProofState.ACCEPTED)
    final_f = ProofOfUse.objects.create(grant=g["f"], kind=ProofKind.FINAL, due_on=DASH_DAY - dt.timedelta(days=30),
                                        state=ProofState.ACCEPTED)
    # settlements: prepared (needs confirmation) and confirmed (done)
    Settlement.objects.create(grant=g["e"], proof=final_e, actual_eligible_costs=D("100000"),
                              final_amount=D("90000"), paid_before=D("100"), difference=D("89900"),
                              outcome=SettlementOutcome.FINAL_PAYMENT, prepared_by=g["e"].preparer)
    Settlement.objects.create(grant=g["f"], proof=final_f, actual_eligible_costs=D("0"), final_amount=D("0"),
                              paid_before=D("0"), difference=D("0"), outcome=SettlementOutcome.BALANCED,
                              prepared_by=g["f"].preparer, state=DecisionState.CONFIRMED,
                              confirmed_by=g["f"].approver)
    # recoveries: overdue, due today, paid
    recovery(g["e"], "500.00", due_on=DASH_DAY - dt.timedelta(days=1))
    recovery(g["f"], "500.00", due_on=DASH_DAY)
    recovery(g["a"], "500.00", paid_principal="500.00", due_on=DASH_DAY - dt.timedelta(days=9),
             state=RecoveryState.PAID)
    # another call's cases never show
    stranger = make_grant()
    disbursement(stranger, DisbursementState.REQUESTED, "100.00")
    recovery(stranger, "1.00", due_on=DASH_DAY - dt.timedelta(days=1))
    return call, cases
