"""Who may do what with an application. Used by views, API, services and FSM transitions."""

import rules

from accounts.rules import is_case_worker, is_jury_member, is_staff_member
from accounts.selectors import approved_municipality_ids

from .enums import EDITABLE_STATES, WITHDRAWABLE_STATES


@rules.predicate
def is_lead_member(user, application):
    return application is not None and application.lead_id in approved_municipality_ids(user)


@rules.predicate
def is_partner_member(user, application):
    if application is None:
        return False
    ids = approved_municipality_ids(user)
    return bool(ids) and application.partners.filter(pk__in=ids).exists()


@rules.predicate
def is_editable(user, application):
    return application is not None and application.state in EDITABLE_STATES


@rules.predicate
def is_withdrawable(user, application):
    return application is not None and application.state in WITHDRAWABLE_STATES


may_view = is_staff_member | is_lead_member | is_partner_member
may_edit = is_lead_member & is_editable
may_withdraw = is_lead_member & is_withdrawable


@rules.predicate
def may_check(user, application=None):
    """Case workers (and administrators) run the formal check of any application."""
    return is_case_worker(user)


may_download_receipt = is_staff_member | is_lead_member

rules.add_perm("applications.view_application", may_view)
rules.add_perm("applications.change_application", may_edit)
rules.add_perm("applications.withdraw_application", may_withdraw)
rules.add_perm("applications.check_application", may_check)
rules.add_perm("applications.download_receipt", may_download_receipt)


# django-fsm calls permission(instance, user); rules predicates take (user, obj).
def can_edit(instance, user):
    return is_lead_member(user, instance)


def can_check(instance, user):
    return may_check(user, instance)


def can_withdraw(instance, user):
    return is_lead_member(user, instance)


def can_conclude(instance, user):
    """The jury's chair (checked by jury.services) or a case worker concludes the evaluation."""
    return bool(is_case_worker(user) or is_jury_member(user))
