"""One world for the access-control matrix: every role and one object of every kind a route takes an id of.

Objects come in variants:

* ``own``      — belongs to the lead municipality (the applicant's town; the partner town is a partner of
                 the applications that have partners), or to the jury's own panel;
* ``foreign``  — belongs to another municipality (whose own applicant, FOREIGN, may see it), or to another
                 panel;
* ``excluded`` — an application of the jury's panel that the EXCLUDED member is excluded from (conflict).

Each application's title carries a marker (``ACL-…``); the matrix checks that no answer shows a role the
marker of an application it may not see.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.enums import MembershipState
from accounts.models import Membership
from applications.enums import ApplicationState, AttachmentKind
from applications.models import Application, Attachment, Receipt
from jury.enums import DecisionOutcome, Declaration, ExclusionKind, SheetState
from jury.models import Assignment, Panel, PanelMember, ScoreSheet, Session, SessionDocument
from jury.models import Decision as JuryDecision
from outbox.models import OutboxMessage
from payments.enums import DecisionKind, DisbursementState, PaymentRunState, ProofKind, ProofState, SettlementOutcome
from payments.models import Amendment, BankAccount, Decision, Notice, PaymentRun, ProofOfUse, Settlement
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MunicipalityFactory,
    UserFactory,
    complete_draft,
    member_of,
    minimal_pdf,
    staff_user,
)
from tests.jury.factories import application_in_evaluation
from tests.payments.factories import decidable, disbursement, make_grant, recovery, seed_rates

# The roles of the matrix.
ANONYMOUS = "anonymous"
APPLICANT = "applicant"            # approved member of the lead municipality
PARTNER = "partner"                # approved member of a partner municipality
FOREIGN = "foreign"                # approved member of another municipality
PENDING = "pending"                # only a requested (lead) and a refused (partner) membership
JUROR = "juror"                    # jury member assigned to the panel's applications
EXCLUDED = "excluded"              # jury member of the panel, excluded from one application (conflict)
CHAIR = "chair"                    # the panel's chair
OTHER_JUROR = "other_juror"        # jury member of another call's panel
CASE_WORKER = "case_worker"
APPROVER = "approver"
ADMIN = "admin"
NO_MFA = "no_mfa"                  # a case worker whose session has not passed the second factor

ROLES = (ANONYMOUS, APPLICANT, PARTNER, FOREIGN, PENDING, JUROR, EXCLUDED, CHAIR, OTHER_JUROR, CASE_WORKER,
         APPROVER, ADMIN, NO_MFA)

OWN, FOREIGN_OBJECT, EXCLUDED_OBJECT = "own", "foreign", "excluded"


@dataclass
class World:
    users: dict = field(default_factory=dict)        # role → user (no entry for ANONYMOUS)
    objects: dict = field(default_factory=dict)      # kind → {variant: value}
    markers: dict = field(default_factory=dict)      # application marker → set of roles that may see it
    published: set = field(default_factory=set)      # markers of final grants: open data shows them to all


def _pdf(name="dokument.pdf") -> ContentFile:
    return ContentFile(minimal_pdf("Dokument"), name=name)


def _titled(app: Application, marker: str) -> Application:
    Application.objects.filter(pk=app.pk).update(title=f"Projekt {marker}")
    app.refresh_from_db()
    return app


def build_world() -> World:  # noqa: PLR0915 (one linear story of the world)
    w = World()
    lead, partner, other = MunicipalityFactory(name="Leitstadt"), MunicipalityFactory(name="Partnerdorf"), \
        MunicipalityFactory(name="Fremdheim")
    call, other_call = CallFactory(title="Aufruf mit Jury"), CallFactory(title="Aufruf der anderen Jury")

    applicant = member_of(lead)
    partner_user = member_of(partner)
    foreign_user = member_of(other)
    pending = UserFactory(roles=["applicant"])
    Membership.objects.create(user=pending, municipality=lead, state=MembershipState.REQUESTED)
    Membership.objects.create(user=pending, municipality=partner, state=MembershipState.REFUSED)
    juror, excluded, chair, other_juror = (UserFactory(roles=["jury"]) for _ in range(4))
    case_worker, approver = staff_user("case_worker"), staff_user("approver")
    admin = staff_user("admin", is_staff=True, is_superuser=True)
    no_mfa = staff_user("case_worker")
    w.users = {APPLICANT: applicant, PARTNER: partner_user, FOREIGN: foreign_user, PENDING: pending,
               JUROR: juror, EXCLUDED: excluded, CHAIR: chair, OTHER_JUROR: other_juror,
               CASE_WORKER: case_worker, APPROVER: approver, ADMIN: admin, NO_MFA: no_mfa}
    staff = {CASE_WORKER, APPROVER, ADMIN}
    lead_side, foreign_side = {APPLICANT} | staff, {FOREIGN} | staff
    o = w.objects

    def pair(kind, own, foreign, **more):
        o[kind] = {OWN: own, FOREIGN_OBJECT: foreign, **more}

    # --- applications before the jury
    drafts = {}
    for variant, municipality, user, partners in ((OWN, lead, applicant, [partner]),
                                                  (FOREIGN_OBJECT, other, foreign_user, [])):
        app = ApplicationFactory(call=call, lead=municipality, created_by=user)
        drafts[variant] = _titled(complete_draft(app, user=user, partners=partners), f"ACL-DRAFT-{variant}")
    pair("draft", drafts[OWN].pk, drafts[FOREIGN_OBJECT].pk)
    pair("attachment", drafts[OWN].attachments.get().pk, drafts[FOREIGN_OBJECT].attachments.get().pk)
    w.markers["ACL-DRAFT-own"] = lead_side | {PARTNER}
    w.markers["ACL-DRAFT-foreign"] = foreign_side

    returned, in_check = {}, {}
    for variant, municipality, user in ((OWN, lead, applicant), (FOREIGN_OBJECT, other, foreign_user)):
        returned[variant] = _titled(ApplicationFactory(call=call, lead=municipality, created_by=user,
                                                       state=ApplicationState.RETURNED,
                                                       case_number=f"ACL-R-{variant}", submissions=1,
                                                       submitted_at=timezone.now()), f"ACL-RETURNED-{variant}")
        in_check[variant] = _titled(ApplicationFactory(call=call, lead=municipality, created_by=user,
                                                       state=ApplicationState.IN_FORMAL_CHECK,
                                                       case_number=f"ACL-C-{variant}", submissions=1,
                                                       submitted_at=timezone.now()), f"ACL-CHECK-{variant}")
        Receipt.objects.create(application=in_check[variant], version=1, file=_pdf("eingang.pdf"), sha256="0" * 64)
    pair("returned", returned[OWN].pk, returned[FOREIGN_OBJECT].pk)
    pair("in_check", in_check[OWN].pk, in_check[FOREIGN_OBJECT].pk)
    for stage in ("RETURNED", "CHECK"):
        w.markers[f"ACL-{stage}-own"], w.markers[f"ACL-{stage}-foreign"] = lead_side, foreign_side

    # --- the jury: a panel on `call` with three applications in evaluation, another panel elsewhere
    evaluated = {OWN: application_in_evaluation(call, grant="200000.00", lead=lead, partners=[partner]),
                 FOREIGN_OBJECT: application_in_evaluation(call, grant="150000.00", lead=other),
                 EXCLUDED_OBJECT: application_in_evaluation(call, grant="120000.00", lead=other)}
    for variant, app in evaluated.items():
        _titled(app, f"ACL-EVAL-{variant}")
    o["evaluated"] = {variant: app.pk for variant, app in evaluated.items()}
    o["evaluated_attachment"] = {variant: Attachment.objects.create(
        application=app, kind=AttachmentKind.PROJECT_DESCRIPTION, file=_pdf("beschreibung.pdf"),
        original_name="beschreibung.pdf", size=100, sha256="0" * 64, uploaded_by=app.created_by).pk
        for variant, app in evaluated.items()}
    panel = Panel.objects.create(call=call, chair=chair, min_scorers=1)
    members = {role: PanelMember.objects.create(panel=panel, user=w.users[role]) for role in (JUROR, EXCLUDED, CHAIR)}
    now = timezone.now()
    criterion = call.program.criteria.first()
    sheets = {}
    for variant, app in evaluated.items():
        assignment = Assignment.objects.create(member=members[JUROR], application=app, assigned=True,
                                               assigned_at=now, declaration=Declaration.NO_CONFLICT,
                                               declared_at=now)
        sheets[variant] = ScoreSheet.objects.create(assignment=assignment, state=SheetState.SUBMITTED,
                                                    submitted_at=now)
        sheets[variant].scores.create(criterion=criterion, value=Decimal("3"))
        if variant == EXCLUDED_OBJECT:
            Assignment.objects.create(member=members[EXCLUDED], application=app, excluded=True,
                                      exclusion_kind=ExclusionKind.DECLARED, exclusion_reason="Befangen",
                                      excluded_at=now, declaration=Declaration.CONFLICT,
                                      declaration_reason="Befangen", declared_at=now)
        else:
            Assignment.objects.create(member=members[EXCLUDED], application=app, assigned=True, assigned_at=now,
                                      declaration=Declaration.PENDING)
        Assignment.objects.create(member=members[CHAIR], application=app, declaration=Declaration.NO_CONFLICT,
                                  declared_at=now)
    o["sheet"] = {OWN: sheets[OWN].pk}
    o["assignment"] = {OWN: sheets[OWN].assignment_id}
    jury_of_panel = {JUROR, EXCLUDED, CHAIR}
    w.markers["ACL-EVAL-own"] = lead_side | {PARTNER} | jury_of_panel
    w.markers["ACL-EVAL-foreign"] = foreign_side | jury_of_panel
    w.markers["ACL-EVAL-excluded"] = foreign_side | {JUROR, CHAIR}

    other_panel = Panel.objects.create(call=other_call, chair=None, min_scorers=1)
    other_member = PanelMember.objects.create(panel=other_panel, user=other_juror)
    elsewhere = _titled(application_in_evaluation(other_call, grant="110000.00", lead=other), "ACL-ELSEWHERE")
    Assignment.objects.create(member=other_member, application=elsewhere, assigned=True, assigned_at=now,
                              declaration=Declaration.PENDING)
    w.markers["ACL-ELSEWHERE"] = foreign_side | {OTHER_JUROR}
    o["call"] = {OWN: call.pk, FOREIGN_OBJECT: other_call.pk}
    o["panel"] = {OWN: panel.pk, FOREIGN_OBJECT: other_panel.pk}
    o["program"] = {OWN: call.program_id}

    # sessions: a closed one with its documents, and the open one (created after the sheets: a closed
    # session freezes the evaluation)
    closed = Session.objects.create(panel=panel, held_on=dt.date(2027, 5, 1), state="closed", closed_at=now,
                                    closed_by=chair)
    document = SessionDocument.objects.create(session=closed, kind=SessionDocument.Kind.RANKING_PDF,
                                              file=_pdf("rangliste.pdf"), sha256="0" * 64)
    o["document"] = {OWN: document.pk}
    o["document_kind"] = {OWN: "ranking_pdf"}
    o["closed_session"] = {OWN: closed.pk}
    session = Session.objects.create(panel=panel, held_on=dt.date(2027, 6, 1))
    # one decision recorded, so that the session's list of decisions has a row (the list sweeps read it)
    JuryDecision.objects.create(session=session, application=evaluated[OWN], computed=DecisionOutcome.RECOMMENDED,
                                outcome=DecisionOutcome.RECOMMENDED, decided_by=chair)
    o["session"] = {OWN: session.pk,
                    FOREIGN_OBJECT: Session.objects.create(panel=other_panel, held_on=dt.date(2027, 6, 1)).pk}

    # documents made in the background (downloads/): each is its requester's only
    from downloads.models import Download
    downloads = {}
    for variant, role in ((OWN, APPLICANT), (FOREIGN_OBJECT, CASE_WORKER)):
        download = Download(owner=w.users[role], kind="jury.ranking_pdf", params={"call_id": call.pk},
                            label=f"ACL-DOWNLOAD-{variant}", filename="Rangliste.pdf", content_type="application/pdf",
                            sha256="0" * 64, finished_at=now, size=10, state="ready")
        download.file.save("Rangliste.pdf", _pdf("Rangliste.pdf"), save=False)
        download.save()
        downloads[variant] = str(download.public_id)
    o["download"] = downloads
    w.markers["ACL-DOWNLOAD-own"], w.markers["ACL-DOWNLOAD-foreign"] = {APPLICANT}, {CASE_WORKER}

    # --- the ministry's decision: recommended applications, a prepared decision on each
    recommended = {}
    for variant, municipality in ((OWN, lead), (FOREIGN_OBJECT, other)):
        app = decidable(call, lead=municipality)
        Application.objects.filter(pk=app.pk).update(case_number=f"ACL-D-{variant}")  # not make_grant's numbers
        app = _titled(app, f"ACL-RECOMMENDED-{variant}")
        recommended[variant] = app
        decision = Decision.objects.create(application=app, kind=DecisionKind.APPROVE, funding_rate=Decimal("0.9"),
                                           eligible_costs=app.eligible_costs, grant_amount=app.grant_amount,
                                           years={"2027": str(app.grant_amount)}, prepared_by=case_worker)
        o.setdefault("recommended", {})[variant] = app.pk
        o.setdefault("decision", {})[variant] = decision.pk
    w.markers["ACL-RECOMMENDED-own"], w.markers["ACL-RECOMMENDED-foreign"] = lead_side, foreign_side

    # --- grants and money
    run = PaymentRun.objects.create(number=4711, state=PaymentRunState.EXPORTED, execution_date=dt.date(2027, 5, 10),
                                    message_id="MSG-4711", file=ContentFile(b"<xml/>", name="run.xml"),
                                    sha256="0" * 64, total=Decimal("1.00"), count=1, prepared_by=case_worker)
    o["payment_run"] = {OWN: run.pk}
    from payments.models import NoticeRun

    o["notice_run"] = {OWN: NoticeRun.objects.create(call=call, started_by=case_worker, grant_ids=[]).pk}
    seed_rates()
    from payments.models import BaseRate

    o["base_rate"] = {OWN: BaseRate.objects.order_by("-valid_from").first().pk}
    for variant, municipality, user in ((OWN, lead, applicant), (FOREIGN_OBJECT, other, foreign_user)):
        grant = make_grant(call=call, lead=municipality, with_bank_account=False)
        grant.grantee = user
        _titled(grant.application, f"ACL-GRANT-{variant}")
        notice = Notice.objects.create(application=grant.application, grant=grant, kind="grant", version=1,
                                       file=_pdf("bescheid.pdf"), sha256="0" * 64, issued_on=dt.date(2027, 2, 1))
        requested = disbursement(grant, DisbursementState.REQUESTED, "1000.00")
        interim = ProofOfUse.objects.create(grant=grant, kind=ProofKind.INTERIM, budget_year=2027,
                                            due_on=dt.date(2028, 4, 30))
        final = ProofOfUse.objects.create(grant=grant, kind=ProofKind.FINAL, due_on=dt.date(2029, 6, 30),
                                          state=ProofState.SUBMITTED, submitted_by=user, submitted_at=now,
                                          report="Umgesetzt.")
        settlement = Settlement.objects.create(grant=grant, proof=final, actual_eligible_costs=Decimal("100000"),
                                               final_amount=Decimal("90000"), paid_before=Decimal("0"),
                                               difference=Decimal("90000"),
                                               outcome=SettlementOutcome.FINAL_PAYMENT, prepared_by=case_worker)
        owed = recovery(grant, "500.00")
        amendment = Amendment.objects.create(grant=grant, reason="Verlängerung", project_end=dt.date(2029, 6, 30),
                                             prepared_by=case_worker)
        account = BankAccount.objects.create(municipality=municipality, holder=municipality.name[:70],
                                             iban="DE02120300000000202051", bic="BYLADEM1001", prepared_by=user)
        for kind, value in (("grant", grant.pk), ("notice", notice.pk), ("disbursement", requested.pk),
                            ("proof", interim.pk), ("submitted_proof", final.pk), ("settlement", settlement.pk),
                            ("recovery", owed.pk), ("amendment", amendment.pk), ("bank_account", account.pk),
                            ("municipality", municipality.pk)):
            o.setdefault(kind, {})[variant] = value
    w.markers["ACL-GRANT-own"], w.markers["ACL-GRANT-foreign"] = lead_side, foreign_side
    w.published |= {"ACL-GRANT-own", "ACL-GRANT-foreign"}  # final grants: published as open data

    # --- accounts and background work
    from accounts.services import create_api_token

    token, _key = create_api_token(user=applicant, name="Portal", scope="write", days=30, second_factor_passed=True)
    o["api_token"] = {OWN: token.pk}  # named in the body of the key page's POST, not in a URL
    o["membership"] = {OWN: Membership.objects.get(user=applicant).pk,
                       FOREIGN_OBJECT: Membership.objects.get(user=foreign_user).pk}
    o["membership_request"] = {OWN: Membership.objects.get(user=pending, state=MembershipState.REQUESTED).pk}
    o["outbox"] = {OWN: OutboxMessage.objects.create(key="acl-stuck", task="outbox.noop", label="Hängt",
                                                     state=OutboxMessage.State.FAILED, attempts=9,
                                                     due_at=now - dt.timedelta(hours=2)).pk}
    return w
