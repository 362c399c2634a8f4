"""Reads of the disbursements area, scoped to the caller (a guessed id gives nothing): the current
payout account of a municipality, the staff's disbursement and payment-run lists, the grants a
municipality may request money for, and whether a user may see a municipality's payments.
"""

from django.db.models import Q

from accounts.models import User
from applications.selectors import search_by_application, without_proposal_texts

from ..models import BankAccount, DisbursementRequest, Grant, PaymentRun


def current_bank_account(municipality_id: int) -> BankAccount | None:
    """The account the municipality entered last (confirmed or not)."""
    return BankAccount.objects.filter(municipality_id=municipality_id, replaced_at__isnull=True).first()


def search_bank_accounts(qs, text: str):
    """`qs` narrowed to the accounts of the municipalities whose name holds `text`, or whose IBAN does (typed with
    or without spaces, in any case): the search of the staff's list of accounts, on the page and in the API."""
    if not text:
        return qs
    iban = "".join(text.split()).upper()
    return qs.filter(Q(municipality__name__icontains=text) | (Q(iban__contains=iban) if iban else Q()))


def payout_accounts(municipality_ids) -> dict[int, BankAccount]:
    """Municipality id → the account money goes to: the last one a second person confirmed."""
    accounts = {}
    for account in (BankAccount.objects.filter(municipality_id__in=set(municipality_ids), confirmed_at__isnull=False)
                    .order_by("municipality_id", "-confirmed_at", "-pk")):
        accounts.setdefault(account.municipality_id, account)
    return accounts


STAFF_RELATED = ("grant__application__lead", "requested_by", "checked_by", "released_by", "payment_run")
# What a row of the staff's queue page shows: the case, the municipality, who checked and who released. Each
# further join costs the planner more than the 25 rows cost to read (bench/scale.py --explain at 10,000 cases:
# with the requester and the payment run, 9 ms planning and 1 ms execution).
QUEUE_PAGE_RELATED = ("grant__application__lead", "checked_by", "released_by")


def disbursements_for_staff(*, related: tuple = STAFF_RELATED, state: str = "", grant: int | None = None,
                            payment_run: int | None = None, q: str = ""):
    """Staff: every request, oldest first, with the `related` rows joined (a request's own page, the run and the
    API show the requester and the payment run; the queue page does not); narrowed to a `state`, one `grant`, one
    `payment_run` and the text `q`: the payment with that End-to-End-ID if there is one (a bank's return names
    it), else the requests of the applications the text finds (`search_by_application`). The filters of the queue
    page, a run's page and the API's list alike."""
    qs = without_proposal_texts(DisbursementRequest.objects.select_related(*related)
                                .order_by("requested_at", "pk"), "grant__application")
    if state:
        qs = qs.filter(state=state)
    if grant is not None:
        qs = qs.filter(grant_id=grant)
    if payment_run is not None:
        qs = qs.filter(payment_run_id=payment_run)
    if q:
        paid_as = qs.filter(end_to_end_id=q.strip())
        return paid_as if paid_as.exists() else search_by_application(qs, q, via="grant__application")
    return qs


def payable_grants_for(user, *, q: str = ""):
    """The grants of the user's municipalities, by case number (the entry page of requesting money); `q` narrows
    them to those of the applications the text finds (`search_by_application`)."""
    from accounts.selectors import approved_municipality_ids

    qs = Grant.objects.filter(application__lead_id__in=approved_municipality_ids(user))
    return without_proposal_texts(search_by_application(qs, q).select_related("application__lead")
                                  .order_by("application__case_number"), "application")


def own_disbursements(user, *, grant: int | None = None, q: str = ""):
    """A municipality's members: the requests for money of their municipalities, by grant and number; narrowed to
    one `grant` and to the requests of the applications the text `q` finds (the API's list)."""
    from accounts.selectors import approved_municipality_ids

    qs = DisbursementRequest.objects.filter(grant__application__lead_id__in=approved_municipality_ids(user))
    if grant is not None:
        qs = qs.filter(grant_id=grant)
    return without_proposal_texts(search_by_application(qs, q, via="grant__application")
                                  .select_related("grant__application__lead").order_by("grant_id", "number"),
                                  "grant__application")


def runs_for_staff():
    return PaymentRun.objects.select_related("prepared_by", "confirmed_by").order_by("-number")


def seen_by(user: User, municipality_id: int) -> bool:
    from accounts.rules import is_staff_member
    from accounts.selectors import approved_municipality_ids

    return bool(is_staff_member(user)) or municipality_id in approved_municipality_ids(user)
