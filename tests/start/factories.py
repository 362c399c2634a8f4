"""A world for the start page: one person per role and ``n`` cases of every kind each role counts."""

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal as D

from django.utils import timezone

from applications.enums import ApplicationState
from jury.models import Panel, PanelMember
from payments.enums import DecisionKind, DisbursementState, ProofKind, ProofState
from payments.models import BankAccount, Decision, ProofOfUse
from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, UserFactory, member_of, staff_user
from tests.jury.factories import PanelFactory, SessionFactory, add_member, assign
from tests.payments.factories import disbursement, make_grant

_numbers = itertools.count(1)
SESSION_DAY = dt.date(2027, 6, 15)


@dataclass
class StartWorld:
    call: object
    lead: object
    applicant: object
    case_worker: object
    approver: object
    admin: object
    juror: object
    panel: Panel
    member: PanelMember


def start_world(*, password_users: bool = False) -> StartWorld:
    call = CallFactory()
    lead = MunicipalityFactory()
    juror = UserFactory(roles=["jury"])
    panel = PanelFactory(call=call)
    world = StartWorld(call=call, lead=lead, applicant=member_of(lead), case_worker=staff_user("case_worker"),
                       approver=staff_user("approver"), admin=staff_user("admin"), juror=juror, panel=panel,
                       member=add_member(panel, user=juror))
    SessionFactory(panel=panel, held_on=SESSION_DAY)
    return world


def _case_number() -> str:
    return f"SHH2-2027-{8000 + next(_numbers):04d}"


def add_cases(world: StartWorld, n: int = 1) -> None:
    """``n`` cases of each kind: per role the expected count is ``n`` (see EXPECTED)."""
    today = timezone.localdate()
    other = MunicipalityFactory()
    for _ in range(n):
        # applicant: a draft and one returned for revision (deadline ahead)
        ApplicationFactory(call=world.call, lead=world.lead, created_by=world.applicant, title="Entwurf Rathaus")
        ApplicationFactory(call=world.call, lead=world.lead, created_by=world.applicant,
                           state=ApplicationState.RETURNED, case_number=_case_number(),
                           revision_deadline=today + dt.timedelta(days=14), submitted_at=timezone.now())
        # case worker: one to check formally, one whose revision deadline passed (another municipality)
        ApplicationFactory(call=world.call, lead=other, state=ApplicationState.SUBMITTED,
                           case_number=_case_number(), submitted_at=timezone.now())
        ApplicationFactory(call=world.call, lead=other, state=ApplicationState.RETURNED,
                           case_number=_case_number(), revision_deadline=today - dt.timedelta(days=3),
                           submitted_at=timezone.now())
        # money: a grant of the applicant's municipality with a request to check, one to release,
        # a proof the municipality still has to hand in and one handed in to check
        grant = make_grant(call=world.call, lead=world.lead,
                           with_bank_account=not BankAccount.objects.filter(municipality=world.lead).exists())
        disbursement(grant, DisbursementState.REQUESTED, "100.00")
        disbursement(grant, DisbursementState.CHECKED, "100.00")
        ProofOfUse.objects.create(grant=grant, kind=ProofKind.INTERIM, budget_year=2027,
                                  due_on=today + dt.timedelta(days=60))
        ProofOfUse.objects.create(grant=grant, kind=ProofKind.INTERIM, budget_year=2028,
                                  due_on=today + dt.timedelta(days=400), state=ProofState.SUBMITTED)
        # approver: a decision prepared by the case worker
        recommended = ApplicationFactory(call=world.call, lead=other, state=ApplicationState.RECOMMENDED,
                                         case_number=_case_number(), submitted_at=timezone.now())
        Decision.objects.create(application=recommended, kind=DecisionKind.APPROVE, funding_rate=D("0.9"),
                                eligible_costs=D("200000"), grant_amount=D("180000"), prepared_by=world.case_worker)
        # jury: one declaration to give, one sheet to fill in
        for declared in (False, True):
            app = ApplicationFactory(call=world.call, lead=other, state=ApplicationState.IN_EVALUATION,
                                     case_number=_case_number(), submitted_at=timezone.now())
            assign(world.member, app, declared=declared)


# What each role's section counts after add_cases(world, n): {task key: multiple of n}
EXPECTED = {
    "applicant": {"returned": 1, "drafts": 1, "proofs": 1, "payable": 1},
    "case_worker": {"formal_check": 1, "revision_overdue": 1, "memberships": 0, "disbursement_to_check": 1,
                    "released_not_in_run": 0, "proof_to_check": 1, "proof_overdue": 0, "recovery_overdue": 0,
                    "background_work": 0},
    "approver": {"decision_prepared": 1, "disbursement_to_release": 1, "settlement_prepared": 0,
                 "run_not_confirmed": 0},
    "jury": {"declarations": 1, "sheets": 1},
}
