"""Reads of the proofs area: querysets scoped to the caller, with what the pages show joined in."""

from django.db.models import Exists, F, OuterRef, Prefetch
from django.http import Http404
from django.utils import timezone

from accounts.rules import is_staff_member
from accounts.selectors import approved_municipality_ids
from applications.selectors import search_by_application, without_proposal_texts

from ..enums import (
    OPEN_PROOF_STATES,
    PROOF_GRANT_STATES,
    DecisionState,
    GrantState,
    ProofKind,
    ProofState,
    RecoveryState,
)
from ..models import Grant, ProofCostLine, ProofOfUse, Recovery, RecoveryPayment, Settlement

PROOF_RELATED = ("grant__application__lead", "grant__call__program", "submitted_by", "checked_by")
# What a row of the staff's queue page shows: the case and the municipality. Each further join costs the
# planner more than the 25 rows cost to read (bench/scale.py --explain: 3.9 ms planning, 0.9 ms execution).
QUEUE_PAGE_RELATED = ("grant__application__lead",)


def grants_for_user(user):
    """Grants of the municipalities the user is an approved member of (staff: all)."""
    qs = without_proposal_texts(Grant.objects.select_related("application__lead", "call__program"), "application")
    if is_staff_member(user):
        return qs
    return qs.filter(application__lead_id__in=approved_municipality_ids(user))


def proofs_for_user(user):
    qs = without_proposal_texts(ProofOfUse.objects.select_related(*PROOF_RELATED), "grant__application")
    if is_staff_member(user):
        return qs
    return qs.filter(grant__application__lead_id__in=approved_municipality_ids(user))


def proof_for_user(user, pk: int) -> ProofOfUse:
    proof = (proofs_for_user(user)
             .prefetch_related(Prefetch("cost_lines", queryset=ProofCostLine.objects.order_by(
                 "budget_year", "position", "pk"))).filter(pk=pk).first())
    if proof is None:
        raise Http404
    return proof


def grant_for_user(user, pk: int) -> Grant:
    grant = grants_for_user(user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    return grant


def own_grants_with_proofs(user, *, open_only: bool = False, q: str = ""):
    """The user's grants with their proofs (for the municipality's overview); with ``open_only``
    only the proofs still to hand in, and only grants that have one (the start page's count); `q` narrows them
    to the grants of the applications the text finds (`search_by_application`)."""
    proofs = ProofOfUse.objects.order_by("due_on", "pk")
    grants = search_by_application(grants_for_user(user).exclude(state__in=[GrantState.APPROVED]), q)
    if open_only:
        proofs = proofs.filter(ProofOfUse.expected())
        grants = grants.filter(pk__in=proofs.values("grant_id"))
    return grants.prefetch_related(Prefetch("proofs", queryset=proofs)).order_by("application__case_number")


def own_proofs(user, *, q: str = ""):
    """A municipality's members: the proofs of their municipalities' grants, by due date (the API's list); `q` as
    in `own_grants_with_proofs`."""
    qs = ProofOfUse.objects.select_related(*PROOF_RELATED).filter(
        grant__application__lead_id__in=approved_municipality_ids(user))
    return without_proposal_texts(search_by_application(qs, q, via="grant__application").order_by("due_on", "pk"),
                                  "grant__application")


def open_proofs_for(user):
    """The proofs the user's municipalities still have to hand in (as listed by own_grants_with_proofs)."""
    return ProofOfUse.objects.filter(ProofOfUse.expected(), grant__in=own_grants_with_proofs(user).values("pk"))


def proof_queue(*, view: str = "submitted", related: tuple = PROOF_RELATED, q: str = ""):
    """Staff: submitted proofs to check (oldest first), all overdue ones, or all proofs; with the `related` rows
    joined (the API's rows show more than the page's); `q` narrows them to the proofs of the applications the
    text finds (`search_by_application`). The queue page and the API's list alike."""
    qs = without_proposal_texts(ProofOfUse.objects.select_related(*related), "grant__application")
    qs = search_by_application(qs, q, via="grant__application")
    if view == "overdue":
        return qs.filter(state__in=OPEN_PROOF_STATES, due_on__lt=timezone.localdate(),
                         grant__state__in=PROOF_GRANT_STATES).order_by("due_on", "pk")
    if view == "all":
        # the proofs not yet submitted first (by due date), then the newest submission: PostgreSQL's order of a
        # descending column, written out so that SQLite (NULL smallest) agrees; index proof_submitted_due
        return qs.order_by(F("submitted_at").desc(nulls_first=True), "due_on", "pk")
    return qs.filter(state=ProofState.SUBMITTED).order_by("submitted_at", "pk")


def settlement_worklist(*, q: str = ""):
    """Staff: grants whose final proof is accepted and which are not yet settled, with any live settlement; `q`
    narrows them to the grants of the applications the text finds (`search_by_application`).
    The accepted final proof is an `EXISTS`, not a join with `DISTINCT` over every column of the grant (the
    page's count ran that over every grant: 51 ms for an empty page at 10,000 applications)."""
    live = Settlement.objects.filter(state=DecisionState.PREPARED).select_related("prepared_by")
    accepted_final = ProofOfUse.objects.filter(grant=OuterRef("pk"), kind=ProofKind.FINAL, state=ProofState.ACCEPTED)
    qs = without_proposal_texts(Grant.objects.filter(Exists(accepted_final), state=GrantState.PROOF_SUBMITTED),
                                "application")
    return (search_by_application(qs, q)
            .select_related("application__lead", "call__program")
            .prefetch_related(Prefetch("settlements", queryset=live, to_attr="live_settlements"))
            .order_by("application__case_number"))


def settlements(*, q: str = ""):
    """Staff: every settlement, with `q` those of the applications the text finds (`search_by_application`)."""
    return search_by_application(without_proposal_texts(
        Settlement.objects.select_related("grant__application__lead", "prepared_by", "confirmed_by", "proof"),
        "grant__application"), q, via="grant__application")


def confirmed_settlements(*, q: str = ""):
    """Every confirmed settlement, the newest first, with what its line in the list shows (the case number);
    `q` as in `settlements`."""
    return search_by_application(without_proposal_texts(
        Settlement.objects.filter(state=DecisionState.CONFIRMED).select_related("grant__application")
        .order_by("-confirmed_at", "-pk"), "grant__application"), q, via="grant__application")


def recoveries(*, state: str | None = None, with_people: bool = False, q: str = ""):
    """Staff: recoveries, open ones first, then by due date; narrowed to a `state` and to the recoveries of the
    applications the text `q` finds (`search_by_application`): the page's and the API's list alike."""
    payments = RecoveryPayment.objects.order_by("received_on", "pk")
    qs = search_by_application(without_proposal_texts(
        Recovery.objects.select_related("grant__application__lead", "settlement", "waived_by"), "grant__application"),
        q, via="grant__application")
    if with_people:
        payments = payments.select_related("recorded_by")
        qs = qs.select_related("settlement__prepared_by", "settlement__confirmed_by", "created_by")
    qs = qs.prefetch_related(Prefetch("payments", queryset=payments))
    if state in RecoveryState.values:
        qs = qs.filter(state=state)
    return qs.order_by("state", "due_on", "pk")


def recovery_detail(pk: int) -> Recovery:
    recovery = recoveries(with_people=True).filter(pk=pk).first()
    if recovery is None:
        raise Http404
    return recovery


def recovery_for_grantee(user, pk: int) -> Recovery:
    recovery = (Recovery.objects.select_related("grant__application__lead")
                .filter(pk=pk, grant__in=grants_for_user(user)).first())
    if recovery is None:
        raise Http404
    return recovery
