"""Reads of the disbursements area, scoped to the caller (a guessed id gives nothing): the current
payout account of a municipality, the staff's disbursement and payment-run lists, the grants a
municipality may request money for, and whether a user may see a municipality's payments.
"""

from accounts.models import User
from applications.selectors import without_proposal_texts

from ..models import BankAccount, DisbursementRequest, Grant, PaymentRun


def current_bank_account(municipality_id: int) -> BankAccount | None:
    """The account the municipality entered last (confirmed or not)."""
    return BankAccount.objects.filter(municipality_id=municipality_id, replaced_at__isnull=True).first()


def payout_accounts(municipality_ids) -> dict[int, BankAccount]:
    """Municipality id → the account money goes to: the last one a second person confirmed."""
    accounts = {}
    for account in (BankAccount.objects.filter(municipality_id__in=set(municipality_ids), confirmed_at__isnull=False)
                    .order_by("municipality_id", "-confirmed_at", "-pk")):
        accounts.setdefault(account.municipality_id, account)
    return accounts


def disbursements_for_staff():
    return without_proposal_texts(DisbursementRequest.objects.select_related(
        "grant__application__lead", "requested_by", "checked_by", "released_by", "payment_run")
        .order_by("requested_at", "pk"), "grant__application")


def disbursement_queue(state: str):
    """The staff's queue of one state, with what its rows show: the case, the municipality, who checked and who
    released (not the requester or the payment run, which only the request's own page shows)."""
    return without_proposal_texts(DisbursementRequest.objects.filter(state=state).select_related(
        "grant__application__lead", "checked_by", "released_by").order_by("requested_at", "pk"), "grant__application")


def payable_grants_for(user):
    from accounts.selectors import approved_municipality_ids

    return without_proposal_texts(Grant.objects.filter(application__lead_id__in=approved_municipality_ids(user))
                                  .select_related("application__lead").order_by("application__case_number"),
                                  "application")


def runs_for_staff():
    return PaymentRun.objects.select_related("prepared_by", "confirmed_by").order_by("-number")


def seen_by(user: User, municipality_id: int) -> bool:
    from accounts.rules import is_staff_member
    from accounts.selectors import approved_municipality_ids

    return bool(is_staff_member(user)) or municipality_id in approved_municipality_ids(user)
