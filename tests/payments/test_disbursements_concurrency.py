"""Disbursements under real concurrency (PostgreSQL, threads): never more requested or paid than granted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from payments import schedule
from payments.enums import DisbursementState
from payments.exceptions import PaymentsError
from payments.models import DisbursementRequest, Grant, PaymentRun
from payments.services import disbursements as svc
from tests import services as machine
from tests.factories import member_of, staff_user
from tests.payments.factories import make_grant
from tests.services import run_parallel

TODAY = dt.date(2027, 4, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_never_exceed_grant_minus_retained():
    machine.require_postgres()
    grant = make_grant(eligible="200000.00", retained_percent="10")  # 180,000 granted, 18,000 retained
    ceiling = grant.amount - grant.retained_amount
    assert ceiling == Decimal("162000.00")
    members = [grant.grantee] + [member_of(grant.application.lead) for _ in range(9)]

    def ask(user):
        return svc.request_disbursement(actor=user, grant_id=grant.pk, amount=Decimal("20000.00"),
                                        purpose="Rechnung", needed_on=TODAY + dt.timedelta(days=5),
                                        own_spending=Decimal("0"), today=TODAY)

    results = run_parallel([lambda u=u: ask(u) for u in members])
    ok = [r for r in results if isinstance(r, DisbursementRequest)]
    refused = [r for r in results if isinstance(r, PaymentsError)]
    assert len(ok) == 8 and len(refused) == 2, results  # 8 × 20,000 = 160,000 ≤ 162,000 < 9 × 20,000
    grant.refresh_from_db()
    total = DisbursementRequest.objects.filter(grant=grant).exclude(state=DisbursementState.REJECTED).aggregate(
        s=Sum("amount"))["s"]
    assert total == grant.requested_amount == Decimal("160000.00") <= ceiling
    assert sorted(d.number for d in ok) == list(range(1, 9))
    assert grant.state == "in_implementation"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_reject_and_requests_keep_the_counter_exact():
    machine.require_postgres()
    grant = make_grant(eligible="200000.00")  # 180,000
    first = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("180000.00"),
                                     purpose="alles", needed_on=TODAY, own_spending=0, today=TODAY)
    cw = staff_user("case_worker")

    def ask():
        return svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("90000.00"),
                                        purpose="halb", needed_on=TODAY, own_spending=0, today=TODAY)

    results = run_parallel([lambda: svc.reject_disbursement(actor=cw, disbursement_id=first.pk, reason="zu viel"),
                            ask, ask, ask])
    grant.refresh_from_db()
    live = DisbursementRequest.objects.filter(grant=grant).exclude(state=DisbursementState.REJECTED)
    assert grant.requested_amount == (live.aggregate(s=Sum("amount"))["s"] or 0) <= grant.amount
    assert all(isinstance(r, (DisbursementRequest, PaymentsError)) for r in results), results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_pay_each_request_once():
    machine.require_postgres()
    grant = make_grant()
    cw, ap = staff_user("case_worker"), staff_user("approver")
    for amount in ("100.00", "200.00"):
        d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal(amount), purpose="x",
                                     needed_on=schedule.today(), own_spending=0)
        svc.check_disbursement(actor=cw, disbursement_id=d.pk)
        svc.release_disbursement(actor=ap, disbursement_id=d.pk)
    results = run_parallel([lambda: svc.create_payment_run(actor=cw, execution_date=schedule.today())] * 3)
    runs = [r for r in results if isinstance(r, PaymentRun)]
    assert len(runs) == 1 and all(isinstance(r, (PaymentRun, PaymentsError)) for r in results), results
    run = runs[0]
    assert run.count == 2 and run.total == Decimal("300.00")
    confirms = run_parallel([lambda: svc.confirm_payment_run(actor=ap, run_id=run.pk,
                                                             paid_on=schedule.today())] * 3)
    assert all(isinstance(r, PaymentRun) for r in confirms), confirms
    grant.refresh_from_db()
    assert grant.paid_amount == Decimal("300.00")
    assert Grant.objects.get(pk=grant.pk).paid_amount <= grant.requested_amount
