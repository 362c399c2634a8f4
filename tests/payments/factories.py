"""Grants in any state, built directly (not through the decision services) for the money tests.

The decision area's own tests go through payments.services.decisions; everything downstream
(disbursements, proof of use, settlement) starts from ``make_grant``.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from applications.enums import ApplicationState
from applications.models import Application, CostLine
from grants.models import Call, CallBudgetYear
from payments.enums import DecisionKind, DecisionState, GrantState
from payments.models import BankAccount, Commitment, Decision, Grant
from tests.factories import CallFactory, MunicipalityFactory, UserFactory, member_of, staff_user

_counter = [0]

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
    amount = Decimal(amount) if amount is not None else (eligible * Decimal("0.9")).quantize(Decimal("0.01"),
                                                                                              rounding="ROUND_DOWN")
    retained = (amount * Decimal(retained_percent) / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
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
    decision = Decision.objects.create(
        application=app, kind=DecisionKind.APPROVE, state=DecisionState.CONFIRMED, funding_rate=Decimal("0.9"),
        eligible_costs=eligible, grant_amount=amount, years={str(y): str(a) for y, a in by_year.items()},
        prepared_by=preparer, confirmed_by=approver, confirmed_at=timezone.now())
    program = call.program
    appeal_ends = issued_on + dt.timedelta(days=31) if issued_on else None
    grant = Grant.objects.create(
        application=app, call=call, decision=decision, state=state, funding_rate=Decimal("0.9"),
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
        Commitment.objects.create(grant=grant, budget_year=budget_year, year=year, amount=part)
        CallBudgetYear.objects.filter(pk=budget_year.pk).update(committed=F("committed") + part)
    Call.objects.filter(pk=call.pk).update(committed=F("committed") + amount)
    grant.preparer, grant.approver = preparer, approver
    grant.grantee = member_of(lead)
    if with_bank_account:
        BankAccount.objects.create(municipality=lead, holder=lead.name[:70], iban="DE89370400440532013000",
                                   bic="COBADEFFXXX", prepared_by=grant.grantee, confirmed_by=grant.preparer,
                                   confirmed_at=timezone.now())
    return grant



def api_as(user):
    """A DRF test client logged in as ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client
