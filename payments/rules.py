"""Who may do what with grants and money. Used by views, API, services and FSM transitions.

Four-eyes: the person who confirms a decision or settlement, or releases a payment, is never the
person who prepared or checked it (also a database constraint).
"""

import rules

from accounts.rules import is_approver, is_case_worker, is_staff_member
from accounts.selectors import approved_municipality_ids


@rules.predicate
def is_grantee(user, obj):
    """A member of the lead municipality of the grant (or application) ``obj``."""
    if obj is None or not user.is_authenticated:
        return False
    application = getattr(obj, "application", obj)
    return application.lead_id in approved_municipality_ids(user)


@rules.predicate
def is_municipality_member(user, municipality):
    return municipality is not None and user.is_authenticated and municipality.pk in approved_municipality_ids(user)


def _not_the(person_field: str):
    """A predicate: ``user`` is not the person in ``obj.<person_field>`` (no object yet: no objection)."""

    @rules.predicate(name=f"is_not_{person_field}")
    def check(user, obj):
        return obj is None or getattr(obj, f"{person_field}_id", None) != user.pk

    return check


def _in_state(*states: str):
    """A predicate: ``obj`` is in one of ``states`` (no object yet: no objection)."""

    @rules.predicate(name=f"in_state_{'_'.join(states)}")
    def check(user, obj):
        return obj is None or obj.state in states

    return check


# Four eyes (payments.four_eyes.FourEyes): the second person is never the one who prepared.
is_second_person = _not_the("prepared_by")
is_not_requester = _not_the("requested_by")
is_not_checker = _not_the("checked_by")

is_money_staff = is_case_worker | is_approver

may_view_grant = is_staff_member | is_grantee
may_prepare_decision = is_case_worker
may_confirm_decision = is_approver & is_second_person & _in_state("prepared")
may_request_disbursement = is_grantee
may_check_disbursement = is_case_worker & is_not_requester & _in_state("requested")
may_release_disbursement = is_approver & is_not_checker & _in_state("checked")
may_run_payments = is_money_staff
may_confirm_payment_run = is_money_staff & is_second_person & _in_state("exported")
may_confirm_bank_account = is_money_staff & is_second_person
may_prepare_amendment = is_money_staff
may_confirm_amendment = is_approver & is_second_person & _in_state("prepared")
may_submit_proof = is_grantee
may_check_proof = is_case_worker
may_prepare_settlement = is_case_worker
may_confirm_settlement = is_approver & is_second_person & _in_state("prepared")
may_manage_recovery = is_money_staff
may_waive_interest = is_approver
may_maintain_base_rates = is_money_staff
may_edit_bank_account = is_municipality_member
may_view_bank_account = is_staff_member | is_municipality_member
may_view_dashboard = is_staff_member

rules.add_perm("payments.view_grant", may_view_grant)
rules.add_perm("payments.prepare_decision", may_prepare_decision)
rules.add_perm("payments.confirm_decision", may_confirm_decision)
rules.add_perm("payments.request_disbursement", may_request_disbursement)
rules.add_perm("payments.check_disbursement", may_check_disbursement)
rules.add_perm("payments.release_disbursement", may_release_disbursement)
rules.add_perm("payments.run_payments", may_run_payments)
rules.add_perm("payments.confirm_payment_run", may_confirm_payment_run)
rules.add_perm("payments.confirm_bank_account", may_confirm_bank_account)
rules.add_perm("payments.prepare_amendment", may_prepare_amendment)
rules.add_perm("payments.confirm_amendment", may_confirm_amendment)
rules.add_perm("payments.discard_decision", is_case_worker | is_approver)
rules.add_perm("payments.discard_settlement", may_prepare_settlement)
rules.add_perm("payments.discard_amendment", may_prepare_amendment)
rules.add_perm("payments.submit_proof", may_submit_proof)
rules.add_perm("payments.check_proof", may_check_proof)
rules.add_perm("payments.prepare_settlement", may_prepare_settlement)
rules.add_perm("payments.confirm_settlement", may_confirm_settlement)
rules.add_perm("payments.manage_recovery", may_manage_recovery)
rules.add_perm("payments.waive_interest", may_waive_interest)
rules.add_perm("payments.maintain_base_rates", may_maintain_base_rates)
rules.add_perm("payments.edit_bank_account", may_edit_bank_account)
rules.add_perm("payments.view_bank_account", may_view_bank_account)
rules.add_perm("payments.view_dashboard", may_view_dashboard)
rules.add_perm("payments.render_notices", is_money_staff)  # a call's missing grant notices at once


# django-fsm calls permission(instance, user); these ask the predicates above with the object.



def can_check_disbursement(instance, user):
    return may_check_disbursement(user, instance)


def can_release_disbursement(instance, user):
    return may_release_disbursement(user, instance)


def can_reject_disbursement(instance, user):
    return is_case_worker(user) or is_approver(user)


def can_run_payments(instance, user):
    return may_run_payments(user)


def can_confirm_payment_run(instance, user):
    return may_confirm_payment_run(user, instance)


def can_submit_proof(instance, user):
    return may_submit_proof(user, instance.grant)


def can_check_proof(instance, user):
    return may_check_proof(user)




def can_manage_recovery(instance, user):
    return may_manage_recovery(user)
