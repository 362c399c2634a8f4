"""The settlement worklist: grants with an accepted final proof, not yet settled; read without DISTINCT."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.enums import GrantState, ProofKind, ProofState
from payments.models import ProofOfUse
from payments.selectors.proofs import settlement_worklist
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db

DUE = dt.date(2029, 6, 30)


def test_each_grant_with_an_accepted_final_proof_once_and_no_other():
    ready = make_grant(state=GrantState.PROOF_SUBMITTED)
    ProofOfUse.objects.create(grant=ready, kind=ProofKind.INTERIM, budget_year=2027, due_on=DUE,
                              state=ProofState.ACCEPTED)
    ProofOfUse.objects.create(grant=ready, kind=ProofKind.FINAL, due_on=DUE, state=ProofState.ACCEPTED)
    submitted_only = make_grant(state=GrantState.PROOF_SUBMITTED)
    ProofOfUse.objects.create(grant=submitted_only, kind=ProofKind.FINAL, due_on=DUE, state=ProofState.SUBMITTED)
    interim_only = make_grant(state=GrantState.PROOF_SUBMITTED)
    ProofOfUse.objects.create(grant=interim_only, kind=ProofKind.INTERIM, budget_year=2027, due_on=DUE,
                              state=ProofState.ACCEPTED)
    with CaptureQueriesContext(connection) as ctx:
        grants = list(settlement_worklist())
    assert grants == [ready]
    assert not any("DISTINCT" in q["sql"] for q in ctx.captured_queries)
    assert settlement_worklist().count() == 1
