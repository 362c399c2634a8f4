"""The named money permissions (payments/rules.py): role × permission × object, four eyes included.

Pages, API, templates and services ask these by name (user.has_perm("payments.…", obj)); the FSM
transitions use the same predicates as their permission.
"""

import pytest
from django_fsm import has_transition_perm

from payments import schedule
from payments.models import PaymentRun
from payments.services import disbursements as svc
from tests.factories import staff_user
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db


def _requested(grant):
    return svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount="10.00", purpose="x",
                                    needed_on=schedule.today(), own_spending=0)


def test_check_and_release_matrix():
    grant = make_grant()
    checker, other_worker = staff_user("case_worker"), staff_user("case_worker")
    approver = staff_user("approver")
    d = _requested(grant)
    table = {grant.grantee: False, checker: True, approver: False}
    for user, allowed in table.items():
        assert user.has_perm("payments.check_disbursement", d) is allowed, user
        assert has_transition_perm(d.confirm_correct, user) is allowed, user
        assert user.has_perm("payments.release_disbursement", d) is False  # not checked yet
    d = svc.check_disbursement(actor=checker, disbursement_id=d.pk)
    assert checker.has_perm("payments.check_disbursement", d) is False  # state moved on
    table = {grant.grantee: False, checker: False, other_worker: False, approver: True}
    for user, allowed in table.items():
        assert user.has_perm("payments.release_disbursement", d) is allowed, user
        assert has_transition_perm(d.release, user) is allowed, user


def test_an_approver_who_checked_may_not_release():
    grant = make_grant()
    both = staff_user("case_worker")
    both.groups.add(*staff_user("approver").groups.all())
    d = svc.check_disbursement(actor=both, disbursement_id=_requested(grant).pk)
    assert both.has_perm("payments.release_disbursement", d) is False
    assert staff_user("approver").has_perm("payments.release_disbursement", d) is True


def test_payment_run_confirmation_matrix():
    grant = make_grant()
    d = _requested(grant)
    svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
    svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)
    creator = staff_user("case_worker")
    run = svc.create_payment_run(actor=creator, execution_date=schedule.today())
    table = {creator: False, staff_user("case_worker"): True, staff_user("approver"): True, grant.grantee: False}
    for user, allowed in table.items():
        assert user.has_perm("payments.confirm_payment_run", run) is allowed, user
        assert has_transition_perm(run.confirm, user) is allowed, user
    PaymentRun.objects.filter(pk=run.pk).update(state="cancelled")
    run.refresh_from_db()
    assert staff_user("approver").has_perm("payments.confirm_payment_run", run) is False


def test_two_person_steps_share_their_transitions_and_ask_named_permissions():
    from payments.enums import DecisionState
    from tests.payments.factories import DecisionFactory

    preparer = staff_user("approver")
    decision = DecisionFactory(state=DecisionState.PREPARED, prepared_by=preparer, confirmed_by=None,
                               confirmed_at=None)
    table = {preparer: (False, True), staff_user("approver"): (True, True), staff_user("case_worker"): (False, True)}
    for user, (may_confirm, may_discard) in table.items():
        assert has_transition_perm(decision.confirm, user) is may_confirm, user
        assert user.has_perm("payments.confirm_decision", decision) is may_confirm, user
        assert has_transition_perm(decision.discard, user) is may_discard, user
