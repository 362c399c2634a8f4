"""Proof of use, staff check, settlement (four-eyes), recoveries, base rates and reminders — services."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEntry
from payments.enums import (
    DecisionState,
    DisbursementKind,
    DisbursementState,
    GrantState,
    NoticeKind,
    ProofKind,
    ProofState,
    RecoveryState,
    SettlementOutcome,
)
from payments.exceptions import PaymentsError
from payments.interest import OFFICIAL_BASE_RATES
from payments.models import BaseRate, DisbursementRequest, Notice, ProofOfUse, Recovery, Settlement
from payments.recovery_pdf import recovery_notice_pdf
from payments.services import disbursements
from payments.services import proofs as services
from payments.services import proofs_recovery as recovery_svc
from payments.services import proofs_settlement as settlement_svc
from payments.tasks.proofs import render_recovery_notice
from tests.factories import MunicipalityFactory, UserFactory, member_of, staff_user
from tests.payments.factories import (
    TEST_RATES_2026,
    accepted_final,
    ended_grant,
    final_proof,
    pay,
    seed_rates,
    submit_final,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _pdf_text(notice: Notice) -> str:
    with notice.file.open("rb") as f:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)


# ---------------------------------------------------------------- scheduling and the municipality's proof


def test_schedule_proofs_is_idempotent_and_prefills_the_plan():
    grant = ended_grant()
    first = services.schedule_proofs(grant)
    again = services.schedule_proofs(grant)
    assert [p.pk for p in first] == [p.pk for p in again]
    kinds = sorted((p.kind, p.budget_year, p.due_on) for p in first)
    # interim for 2024 due 4 months after 31.12.2024; final 6 months after 30.06.2025
    assert kinds == [(ProofKind.FINAL, None, dt.date(2025, 12, 30)), (ProofKind.INTERIM, 2024, dt.date(2025, 4, 30))]
    interim = next(p for p in first if p.kind == ProofKind.INTERIM)
    final = next(p for p in first if p.kind == ProofKind.FINAL)
    assert [(line.budget_year, line.planned, line.amount) for line in interim.cost_lines.all()] == [
        (2024, D("100000.00"), D("0.00"))]
    assert [line.budget_year for line in final.cost_lines.all()] == [2024, 2025]
    with transaction.atomic():  # callable inside the caller's transaction
        services.schedule_proofs(grant)
    assert ProofOfUse.objects.filter(grant=grant).count() == 2


def test_draft_totals_overrun_warning_and_added_line():
    grant = ended_grant()
    proof = final_proof(grant)
    l2024, l2025 = proof.cost_lines.order_by("budget_year")
    services.save_proof_draft(actor=grant.grantee, proof_id=proof.pk, report="Bericht", third_party_funds="5000.00",
                              lines=[services.ProofLineInput(amount=D("120000.01"), line_id=l2024.pk),
                                     services.ProofLineInput(amount=D("70000.00"), line_id=l2025.pk),
                                     services.ProofLineInput(amount=D("2000.00"), category="other",
                                                             description="Bewirtung", budget_year=2025,
                                                             eligible=False)])
    proof.refresh_from_db()
    assert proof.total_costs == D("192000.01")
    assert proof.eligible_costs == D("190000.01")
    assert proof.third_party_funds == D("5000.00")
    figures = services.proof_figures(proof)
    # 100.000 × 120 % = 120.000,00: one cent above is flagged; the added line (plan 0) too
    flagged = {f.line.description: f.over_by for f in figures.overruns}
    assert flagged == {"Sensoren 2024": D("0.01"), "Bewirtung": D("2000.00")}
    # leaving the added line out removes it; a plan line cannot be removed
    services.save_proof_draft(actor=grant.grantee, proof_id=proof.pk, report="Bericht", third_party_funds="0",
                              lines=[services.ProofLineInput(amount=D("120000.00"), line_id=l2024.pk)])
    assert proof.cost_lines.count() == 2
    assert services.proof_figures(proof).overruns == []


@pytest.mark.parametrize("bad, field", [
    ([services.ProofLineInput(amount=D("-1"))], "lines.0.amount"),
    ([services.ProofLineInput(amount=D("1.001"))], "lines.0.amount"),
    ([services.ProofLineInput(amount=D("1"), category="other", description="x", budget_year=2023)],
     "lines.0.budget_year"),
    ([services.ProofLineInput(amount=D("1"), category="nonsense", description="x", budget_year=2024)],
     "lines.0.category"),
    ([services.ProofLineInput(amount=D("1"), line_id=999999999)], "lines.0"),
])
def test_bad_lines_are_refused_and_nothing_changes(bad, field):
    grant = ended_grant()
    proof = final_proof(grant)
    with pytest.raises(PaymentsError) as err:
        services.save_proof_draft(actor=grant.grantee, proof_id=proof.pk, report="neu", third_party_funds="0",
                                  lines=bad)
    assert err.value.field == field
    proof.refresh_from_db()
    assert proof.report == "" and proof.cost_lines.count() == 2


def test_others_cannot_edit_or_submit():
    grant = ended_grant()
    proof = final_proof(grant)
    stranger = member_of(MunicipalityFactory())
    for actor in (stranger, staff_user("case_worker")):
        with pytest.raises(PaymentsError):
            services.save_proof_draft(actor=actor, proof_id=proof.pk, report="x", third_party_funds="0", lines=[])
        with pytest.raises(PaymentsError):
            services.submit_proof(actor=actor, proof_id=proof.pk)


def test_submit_final_moves_grant_and_is_idempotent(django_capture_on_commit_callbacks):
    grant = ended_grant()
    case_worker = staff_user("case_worker")
    with django_capture_on_commit_callbacks(execute=True):
        proof = submit_final(grant, ["100000.00", "90000.00"])
    grant.refresh_from_db()
    assert proof.state == ProofState.SUBMITTED
    assert grant.state == GrantState.PROOF_SUBMITTED
    assert proof.eligible_costs == D("190000.00")
    assert case_worker.email in [m.to[0] for m in mail.outbox]
    assert services.submit_proof(actor=grant.grantee, proof_id=proof.pk).state == ProofState.SUBMITTED
    assert AuditEntry.objects.filter(action="proof.submitted", object_id=proof.pk).count() == 1


def test_submission_needs_report_and_the_end_of_the_period():
    grant = ended_grant()
    proof = final_proof(grant)
    with pytest.raises(PaymentsError, match="Sachbericht"):
        services.submit_proof(actor=grant.grantee, proof_id=proof.pk)
    running = ended_grant(end=timezone.localdate() + dt.timedelta(days=30))
    proof = final_proof(running)
    proof.report = "Bericht"
    proof.save(update_fields=["report"])
    with pytest.raises(PaymentsError, match="Bewilligungszeitraums"):
        services.submit_proof(actor=running.grantee, proof_id=proof.pk)
    assert ProofOfUse.objects.get(pk=proof.pk).state == ProofState.DUE


def test_interim_proof_does_not_touch_the_grant_state():
    grant = ended_grant()
    services.schedule_proofs(grant)
    interim = ProofOfUse.objects.get(grant=grant, kind=ProofKind.INTERIM)
    services.save_proof_draft(actor=grant.grantee, proof_id=interim.pk, report="Jahr 1", third_party_funds="0",
                              lines=[services.ProofLineInput(amount=D("80000"), line_id=interim.cost_lines.get().pk)])
    services.submit_proof(actor=grant.grantee, proof_id=interim.pk)
    grant.refresh_from_db()
    assert grant.state == GrantState.IN_IMPLEMENTATION


# ---------------------------------------------------------------- staff check


def test_return_final_proof_moves_grant_back_and_resubmission_works(django_capture_on_commit_callbacks):
    grant = ended_grant()
    proof = submit_final(grant, ["100000.00", "90000.00"])
    checker = staff_user("case_worker")
    with pytest.raises(PaymentsError):
        services.return_proof(actor=checker, proof_id=proof.pk, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_proof(actor=checker, proof_id=proof.pk, reason="Bitte Sachbericht ergänzen.")
    grant.refresh_from_db()
    proof.refresh_from_db()
    assert proof.state == ProofState.RETURNED and grant.state == GrantState.IN_IMPLEMENTATION
    assert any("Sachbericht ergänzen" in m.body for m in mail.outbox if grant.grantee.email in m.to)
    services.submit_proof(actor=grant.grantee, proof_id=proof.pk)
    services.accept_proof(actor=checker, proof_id=proof.pk, note="ok")
    grant.refresh_from_db()
    assert grant.state == GrantState.PROOF_SUBMITTED
    assert ProofOfUse.objects.get(pk=proof.pk).state == ProofState.ACCEPTED
    with pytest.raises(PaymentsError):  # an approver does not check proofs
        services.accept_proof(actor=staff_user("approver"), proof_id=proof.pk)


# ---------------------------------------------------------------- settlement


def _confirmed(grant, *, lines, paid, ineffective_from=None, **kwargs):
    pay(grant, paid)
    accepted_final(grant, lines)
    preparer, approver = staff_user("case_worker"), staff_user("approver")
    settlement = settlement_svc.prepare_settlement(actor=preparer, grant_id=grant.pk, ineffective_from=ineffective_from)
    settlement_svc.confirm_settlement(actor=approver, settlement_id=settlement.pk, **kwargs)
    settlement.refresh_from_db()
    grant.refresh_from_db()
    return settlement, preparer, approver


def test_lower_costs_open_a_recovery_with_its_notice(django_capture_on_commit_callbacks):
    seed_rates(*TEST_RATES_2026)
    grant = ended_grant()
    with django_capture_on_commit_callbacks(execute=True):
        # actual eligible 150.000,01 → 90 % = 135.000,009 → rounded down 135.000,00; paid 180.000 → 45.000 back
        settlement, _p, approver = _confirmed(grant, lines=["100000.00", "50000.01"], paid="180000.00",
                                              ineffective_from=dt.date(2025, 8, 1), today=dt.date(2026, 2, 15))
    assert settlement.outcome == SettlementOutcome.RECOVERY
    assert (settlement.final_amount, settlement.difference) == (D("135000.00"), D("-45000.00"))
    assert grant.state == GrantState.RECOVERY_OPEN and grant.final_amount == D("135000.00")
    recovery = Recovery.objects.get(grant=grant)
    assert (recovery.principal, recovery.interest_from, recovery.due_on) == (
        D("45000.00"), dt.date(2025, 8, 1), dt.date(2026, 3, 15))
    assert recovery.created_by == approver
    notice = Notice.objects.get(grant=grant, kind=NoticeKind.RECOVERY)
    assert notice.figures["principal"] == "45000.00"
    assert "Rückforderungsbescheid" in _pdf_text(notice)
    # the task is safe to run twice
    assert render_recovery_notice(recovery_id=recovery.pk) == notice.pk
    assert Notice.objects.filter(grant=grant, kind=NoticeKind.RECOVERY).count() == 1


def test_equal_costs_with_retained_instalment_release_the_final_payment():
    grant = ended_grant(retained_percent="10")  # 18.000 retained of 180.000
    settlement, preparer, approver = _confirmed(grant, lines=["100000.00", "100000.00"], paid="162000.00")
    assert settlement.outcome == SettlementOutcome.FINAL_PAYMENT and settlement.difference == D("18000.00")
    payment = DisbursementRequest.objects.get(grant=grant)
    # defect 4: the final payment is not released at once; it takes the normal check and release (two people)
    assert (payment.kind, payment.state, payment.amount) == (
        DisbursementKind.FINAL_PAYMENT, DisbursementState.REQUESTED, D("18000.00"))
    assert (payment.requested_by, payment.checked_by, payment.released_by) == (approver, None, None)
    assert payment.purpose == "Schlusszahlung"
    with pytest.raises(PaymentsError):
        disbursements.release_disbursement(actor=approver, disbursement_id=payment.pk)
    disbursements.check_disbursement(actor=preparer, disbursement_id=payment.pk)
    with pytest.raises(PaymentsError, match="Vier-Augen"):
        disbursements.release_disbursement(actor=preparer, disbursement_id=payment.pk)
    payment = disbursements.release_disbursement(actor=approver, disbursement_id=payment.pk)
    assert (payment.state, payment.checked_by, payment.released_by) == (DisbursementState.RELEASED, preparer,
                                                                        approver)
    assert grant.state == GrantState.SETTLED
    assert (grant.final_amount, grant.requested_amount, grant.paid_amount) == (
        D("180000.00"), D("180000.00"), D("162000.00"))


def test_higher_costs_are_capped_at_the_maximum():
    grant = ended_grant()
    # 250.000 eligible × 90 % = 225.000 → capped at the Höchstbetrag 180.000; 170.000 paid → 10.000 final payment
    settlement, _p, _a = _confirmed(grant, lines=["130000.00", "120000.00"], paid="170000.00")
    assert settlement.final_amount == D("180000.00")
    assert settlement.difference == D("10000.00")
    assert DisbursementRequest.objects.get(grant=grant).amount == D("10000.00")


def test_balanced_closes_the_grant():
    grant = ended_grant()
    settlement, _p, _a = _confirmed(grant, lines=["100000.00", "100000.00"], paid="180000.00")
    assert settlement.outcome == SettlementOutcome.BALANCED
    assert grant.state == GrantState.CLOSED
    assert not DisbursementRequest.objects.filter(grant=grant).exists()
    assert not Recovery.objects.filter(grant=grant).exists()


def test_four_eyes_for_settlement():
    grant = ended_grant()
    pay(grant, "180000.00")
    accepted_final(grant, ["100000.00", "100000.00"])
    both = UserFactory(roles=["case_worker", "approver"])
    settlement = settlement_svc.prepare_settlement(actor=both, grant_id=grant.pk)
    with pytest.raises(PaymentsError, match="Vier-Augen"):
        settlement_svc.confirm_settlement(actor=both, settlement_id=settlement.pk)
    with pytest.raises(PaymentsError):  # a case worker may not confirm at all
        settlement_svc.confirm_settlement(actor=staff_user("case_worker"), settlement_id=settlement.pk)
    assert Settlement.objects.get(pk=settlement.pk).state == DecisionState.PREPARED
    # the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=settlement.pk).update(confirmed_by=both, state=DecisionState.CONFIRMED)
    # a second click on "prepare" returns the same settlement; a second confirmation does nothing
    assert settlement_svc.prepare_settlement(actor=both, grant_id=grant.pk).pk == settlement.pk
    approver = staff_user("approver")
    settlement_svc.confirm_settlement(actor=approver, settlement_id=settlement.pk)
    settlement_svc.confirm_settlement(actor=approver, settlement_id=settlement.pk)
    assert AuditEntry.objects.filter(action="settlement.confirmed").count() == 1


def test_open_instalments_must_be_settled_first():
    grant = ended_grant()
    pay(grant, "100000.00")
    accepted_final(grant, ["100000.00", "100000.00"])
    DisbursementRequest.objects.create(grant=grant, number=1, amount=D("20000.00"), purpose="Rate",
                                       needed_on=dt.date(2025, 6, 1), requested_by=grant.grantee)
    with pytest.raises(PaymentsError, match="Nr. 1"):
        settlement_svc.prepare_settlement(actor=staff_user("case_worker"), grant_id=grant.pk)
    assert not Settlement.objects.filter(grant=grant).exists()


def test_recovery_needs_a_date_not_in_the_future():
    grant = ended_grant()
    pay(grant, "180000.00")
    accepted_final(grant, ["50000.00", "50000.00"])
    case_worker = staff_user("case_worker")
    with pytest.raises(PaymentsError) as err:
        settlement_svc.prepare_settlement(actor=case_worker, grant_id=grant.pk)
    assert err.value.field == "ineffective_from"
    with pytest.raises(PaymentsError):
        settlement_svc.prepare_settlement(actor=case_worker, grant_id=grant.pk,
                                    ineffective_from=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(PaymentsError):
        settlement_svc.prepare_settlement(actor=staff_user("approver"), grant_id=grant.pk,
                                    ineffective_from=dt.date(2025, 1, 1))
    settlement = settlement_svc.prepare_settlement(actor=case_worker, grant_id=grant.pk,
                                             ineffective_from=dt.date(2025, 1, 1))
    settlement_svc.discard_settlement(actor=case_worker, settlement_id=settlement.pk, reason="Datum falsch")
    again = settlement_svc.prepare_settlement(actor=case_worker, grant_id=grant.pk,
                                              ineffective_from=dt.date(2025, 2, 1))
    assert again.pk != settlement.pk and again.ineffective_from == dt.date(2025, 2, 1)


def test_settlement_refused_before_the_final_proof_is_accepted():
    grant = ended_grant()
    submit_final(grant, ["100000.00", "100000.00"])
    with pytest.raises(PaymentsError, match="nicht geprüft"):
        settlement_svc.prepare_settlement(actor=staff_user("case_worker"), grant_id=grant.pk)


# ---------------------------------------------------------------- recoveries


def _recovery(grant=None, *, principal="10000.00", interest_from=dt.date(2024, 1, 1)):
    grant = grant or ended_grant(state=GrantState.RECOVERY_OPEN)
    return Recovery.objects.create(grant=grant, principal=D(principal), interest_from=interest_from,
                                   due_on=dt.date(2024, 2, 1), created_by=staff_user("approver"))


def test_partial_payments_split_and_full_payment_closes_the_grant():
    seed_rates()
    recovery = _recovery()
    clerk = staff_user("case_worker")
    # hand figures in test_interest.py: 141,31 interest on 01.03.2024, then 5.215,17 outstanding on 01.05.2024
    first = recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 3, 1),
                                             amount=D("5000.00"))
    assert (first.to_interest, first.to_principal) == (D("141.31"), D("4858.69"))
    with pytest.raises(PaymentsError, match="übersteigt"):
        recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 5, 1),
                                         amount=D("5215.18"))
    with pytest.raises(PaymentsError, match="Reihenfolge"):
        recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 2, 1),
                                         amount=D("1.00"))
    last = recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 5, 1),
                                            amount=D("5215.17"))
    assert (last.to_interest, last.to_principal) == (D("73.86"), D("5141.31"))
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.PAID and recovery.settled_on == dt.date(2024, 5, 1)
    assert (recovery.paid_interest, recovery.paid_principal) == (D("215.17"), D("10000.00"))
    recovery.grant.refresh_from_db()
    assert recovery.grant.state == GrantState.CLOSED
    with pytest.raises(PaymentsError):
        recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 5, 2),
                                         amount=D("1.00"))


def test_waiver_needs_an_approver_and_a_reason_and_zeroes_interest():
    seed_rates()
    recovery = _recovery()
    clerk, approver = staff_user("case_worker"), staff_user("approver")
    recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 3, 1),
                                     amount=D("5000.00"))
    with pytest.raises(PaymentsError):
        recovery_svc.waive_interest(actor=clerk, recovery_id=recovery.pk, reason="Härtefall")
    with pytest.raises(PaymentsError):
        recovery_svc.waive_interest(actor=approver, recovery_id=recovery.pk, reason=" ")
    recovery_svc.waive_interest(actor=approver, recovery_id=recovery.pk, reason="Härtefall")
    recovery.refresh_from_db()
    current = recovery_svc.recovery_position(recovery, on=dt.date(2024, 12, 1))
    assert current.interest_outstanding == 0 and current.paid_interest == D("141.31")
    assert current.outstanding == D("5141.31")
    recovery_svc.record_recovery_payment(actor=clerk, recovery_id=recovery.pk, received_on=dt.date(2024, 12, 1),
                                     amount=D("5141.31"))
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.PAID
    with pytest.raises(IntegrityError), transaction.atomic():
        Recovery.objects.filter(pk=recovery.pk).update(waiver_reason="")


def test_recovery_notice_pdf_shows_the_figures():
    seed_rates(*TEST_RATES_2026)
    grant = ended_grant()
    pay(grant, "180000.00")
    accepted_final(grant, ["100000.00", "50000.00"])
    settlement = settlement_svc.prepare_settlement(actor=staff_user("case_worker"), grant_id=grant.pk,
                                             ineffective_from=dt.date(2025, 8, 1))
    settlement_svc.confirm_settlement(actor=staff_user("approver"), settlement_id=settlement.pk,
                                today=dt.date(2025, 10, 1))
    recovery = Recovery.objects.select_related("grant__application__lead", "settlement").get(grant=grant)
    # interest to 01.10.2025: 01.08.–30.09.2025 = 61 days of 365 at 1,27 + 5 = 6,27 %:
    # 45000 × 0,0627 × 61/365 = 172111,5/365 = 471,538… → 471,53
    pdf_bytes, figures = recovery_notice_pdf(recovery, issued_on=dt.date(2025, 10, 1))
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages).split())
    assert figures["interest_to_date"] == "471.53"
    for expected in (grant.case_number, grant.application.lead.name, "135.000,00", "180.000,00", "45.000,00",
                     "5 Prozentpunkten über dem Basiszinssatz (§ 247 BGB) jährlich ab 01.08.2025", "471,53",
                     "01.11.2025", "DE89370400440532013000", "Rechtsbehelfsbelehrung", "Klage beim Verwaltungsgericht"):
        assert expected in text, expected


# ---------------------------------------------------------------- base rates


def test_seed_and_maintain_base_rates():
    # the data migration brought the official rates; seeding again adds nothing, after a flush all of them
    assert sorted(BaseRate.objects.values_list("valid_from", "rate")) == sorted(OFFICIAL_BASE_RATES)
    assert recovery_svc.seed_base_rates() == 0
    BaseRate.objects.all().delete()
    assert recovery_svc.seed_base_rates() == len(OFFICIAL_BASE_RATES)
    clerk = staff_user("case_worker")
    with pytest.raises(PaymentsError) as err:
        recovery_svc.add_base_rate(actor=clerk, valid_from=dt.date(2026, 2, 1), rate="1.00")
    assert err.value.field == "valid_from"
    with pytest.raises(PaymentsError):
        recovery_svc.add_base_rate(actor=member_of(MunicipalityFactory()), valid_from=dt.date(2026, 1, 1), rate="1.27")
    rate = recovery_svc.add_base_rate(actor=clerk, valid_from=dt.date(2026, 1, 1), rate="1.27")
    assert recovery_svc.add_base_rate(actor=clerk, valid_from=dt.date(2026, 1, 1), rate="1.27").pk == rate.pk
    with pytest.raises(PaymentsError):
        recovery_svc.add_base_rate(actor=clerk, valid_from=dt.date(2026, 1, 1), rate="1.30")
    with pytest.raises(PaymentsError):
        recovery_svc.correct_base_rate(actor=clerk, base_rate_id=rate.pk, rate="1.30", reason="")
    recovery_svc.correct_base_rate(actor=clerk, base_rate_id=rate.pk, rate="1.30", reason="Tippfehler")
    assert BaseRate.objects.get(pk=rate.pk).rate == D("1.30")
    entry = AuditEntry.objects.get(action="base_rate.corrected")
    assert entry.data["old"] == "1.27" and entry.reason == "Tippfehler"


# ---------------------------------------------------------------- reminders


def _due_proof(due_on, **kwargs):
    grant = ended_grant(**kwargs)
    services.schedule_proofs(grant)
    proof = ProofOfUse.objects.get(grant=grant, kind=ProofKind.FINAL)
    ProofOfUse.objects.filter(grant=grant, kind=ProofKind.INTERIM).update(state=ProofState.ACCEPTED)
    ProofOfUse.objects.filter(pk=proof.pk).update(due_on=due_on)
    return grant, proof


def _mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_reminder_exactly_30_days_before_and_only_once(django_capture_on_commit_callbacks):
    today = dt.date(2026, 5, 1)
    grant, proof = _due_proof(today + dt.timedelta(days=30))
    _later_grant, later = _due_proof(today + dt.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.remind_proofs(today=today)
    assert sent["upcoming"] == [proof.pk]
    assert len(_mails_to(grant.grantee.email)) == 1
    assert "fällig am 31.05.2026" in _mails_to(grant.grantee.email)[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_proofs(today=today) == {"upcoming": [], "overdue": []}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_proofs(today=today + dt.timedelta(days=1))["upcoming"] == [later.pk]
    assert len(_mails_to(grant.grantee.email)) == 1
    assert ProofOfUse.objects.get(pk=proof.pk).reminder_sent_on == today


def test_overdue_reminder_at_most_once_a_week_and_case_workers_informed(django_capture_on_commit_callbacks):
    due = dt.date(2026, 5, 1)
    grant, proof = _due_proof(due)
    case_worker = staff_user("case_worker")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_proofs(today=due)["overdue"] == []  # the due day itself is not overdue
    schedule = {due + dt.timedelta(days=1): True, due + dt.timedelta(days=2): False,
                due + dt.timedelta(days=7): False, due + dt.timedelta(days=8): True,
                due + dt.timedelta(days=14): False, due + dt.timedelta(days=15): True}
    for day, expected in schedule.items():
        with django_capture_on_commit_callbacks(execute=True):
            sent = services.remind_proofs(today=day)
        assert (sent["overdue"] == [proof.pk]) is expected, day
    assert len([m for m in _mails_to(grant.grantee.email) if "überfällig" in m.subject]) == 3
    staff_mails = _mails_to(case_worker.email)
    assert len(staff_mails) == 3 and grant.case_number in staff_mails[0].body
    # a submitted proof is no longer reminded
    ProofOfUse.objects.filter(pk=proof.pk).update(state=ProofState.SUBMITTED)
    assert services.remind_proofs(today=due + dt.timedelta(days=30))["overdue"] == []


def test_settlement_with_cents_runs_on_the_demo_database():
    """Defect 8: on SQLite, amounts with cents (180.000,10 − 162.000,20) broke the difference constraint."""
    grant = ended_grant(eligible="200000.12")  # 90 % → 180.000,10
    settlement, _p, _a = _confirmed(grant, lines=["100000.06", "100000.06"], paid="162000.20")
    assert (settlement.final_amount, settlement.paid_before, settlement.difference) == (
        D("180000.10"), D("162000.20"), D("17999.90"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=settlement.pk).update(difference=D("17999.91"))
