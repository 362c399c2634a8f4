"""Budget commitment under real concurrency (PostgreSQL): many approvers confirming at the same moment
never over-commit the call or any budget year's tranche."""

from decimal import Decimal
from unittest import mock

import pytest

from grants.models import Call, CallBudgetYear
from payments.enums import DecisionKind, DecisionState
from payments.exceptions import PaymentsError
from payments.models import Commitment, Decision, Grant
from payments.services import decisions as services
from tests import services as machine
from tests.factories import CallFactory, staff_user
from tests.payments import factories as td
from tests.services import run_parallel


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", ["tranche", "call"])
def test_parallel_confirmations_never_over_commit(limit):
    machine.require_postgres()
    if limit == "tranche":  # 2027's tranche holds 6 × 150,000 (plus 100,000 that fits no one)
        call = CallFactory()
        CallBudgetYear.objects.filter(call=call, year=2027).update(amount=Decimal("1000000.00"))
        fitting = 6
    else:  # the call's total holds 4 × 150,000
        call = CallFactory(total_budget=Decimal("700000.00"))
        fitting = 4
    worker = staff_user("case_worker")
    approvers = [staff_user("approver") for _ in range(8)]
    decisions = []
    for _ in range(8):
        app = td.decidable(call, grant="150000.00", years={2027: "1"})
        decisions.append(services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE))
    with mock.patch("payments.services.decisions._dispatch_notice"):
        results = run_parallel([
            lambda a=a, d=d: services.confirm_decision(actor=a, decision_id=d.pk)
            for a, d in zip(approvers, decisions, strict=True)])
    ok = [r for r in results if isinstance(r, Decision)]
    refused = [r for r in results if isinstance(r, PaymentsError)]
    assert len(ok) == fitting and len(refused) == 8 - fitting, results
    assert all("es fehlen" in r.message for r in refused)
    if limit == "tranche":
        assert all("2027" in r.message for r in refused)
    call.refresh_from_db()
    year = CallBudgetYear.objects.get(call=call, year=2027)
    total = sum(Commitment.objects.filter(grant__call=call).values_list("amount", flat=True), Decimal("0.00"))
    assert call.committed == year.committed == total == Decimal("150000.00") * fitting
    assert call.committed <= call.total_budget and year.committed <= year.amount
    assert Grant.objects.filter(call=call).count() == fitting
    assert Decision.objects.filter(state=DecisionState.CONFIRMED).count() == fitting
    assert Decision.objects.filter(state=DecisionState.PREPARED).count() == 8 - fitting


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_confirm_commits_once():
    machine.require_postgres()
    call = CallFactory()
    app = td.decidable(call, grant="150000.00")
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    approver = staff_user("approver")
    with mock.patch("payments.services.decisions._dispatch_notice"):
        results = run_parallel([lambda: services.confirm_decision(actor=approver, decision_id=decision.pk)] * 4)
    assert all(isinstance(r, Decision) for r in results), results
    assert Call.objects.get(pk=call.pk).committed == Decimal("150000.00")
    assert Grant.objects.count() == 1 and Commitment.objects.count() == 1
