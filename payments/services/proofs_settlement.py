"""proofs: the final settlement (Schlussabrechnung), prepared by a case worker, confirmed by an approver.

final grant = funding rate × actual eligible costs of the accepted final proof, rounded down to the
cent, at most the Höchstbetrag (grants.money.compute_grant); difference = final − paid so far.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from audit.services import record
from foundation.amounts import ZERO
from grants.money import compute_grant
from outbox.services import enqueue

from ..enums import (
    OPEN_DISBURSEMENT_STATES,
    DecisionState,
    DisbursementKind,
    DisbursementState,
    GrantState,
    ProofKind,
    ProofState,
    SettlementOutcome,
)
from ..exceptions import PaymentsError
from ..models import DisbursementRequest, Grant, ProofOfUse, Recovery, Settlement
from ..rules import may_confirm_settlement, may_prepare_settlement
from .common import grantee_addresses, lock_grant, require, run_transition
from .four_eyes import confirm_as_second_person


@dataclass(frozen=True)
class SettlementFigures:
    proof: ProofOfUse
    actual_eligible: Decimal
    rate: Decimal
    maximum: Decimal
    computed: Decimal  # rate × actual, rounded down, before the cap
    final: Decimal
    paid: Decimal
    difference: Decimal
    outcome: str

    @property
    def capped(self) -> bool:
        return self.computed > self.final


def accepted_final_proof(grant: Grant) -> ProofOfUse | None:
    return (ProofOfUse.objects.filter(grant=grant, kind=ProofKind.FINAL, state=ProofState.ACCEPTED)
            .order_by("-checked_at").first())


def open_disbursements(grant: Grant) -> list[DisbursementRequest]:
    return list(DisbursementRequest.objects.filter(grant=grant, state__in=OPEN_DISBURSEMENT_STATES)
                .order_by("number"))


def settlement_blockers(grant: Grant) -> list[str]:
    """Why the grant cannot be settled now (empty: it can)."""
    problems = []
    if grant.state != GrantState.PROOF_SUBMITTED:
        problems.append(_("Die Zuwendung ist im Status „%(s)s“; abgerechnet wird nach Eingang und Prüfung des "
                          "Verwendungsnachweises.") % {"s": grant.get_state_display()})
    elif accepted_final_proof(grant) is None:
        problems.append(_("Der Verwendungsnachweis ist noch nicht geprüft und angenommen."))
    pending = open_disbursements(grant)
    if pending:
        problems.append(_("Erst müssen alle beantragten Mittelabrufe erledigt (ausgezahlt oder abgelehnt) sein: "
                          "%(list)s.") % {"list": ", ".join(
                              _("Nr. %(n)d (%(s)s)") % {"n": d.number, "s": d.get_state_display()} for d in pending)})
    return problems


def settlement_preview(grant: Grant) -> SettlementFigures:
    """The figures a settlement would have now (raises when the final proof is not accepted)."""
    proof = accepted_final_proof(grant)
    if proof is None:
        raise PaymentsError(_("Der Verwendungsnachweis ist noch nicht geprüft und angenommen."))
    rate = grant.funding_rate
    rule = compute_grant(rate=rate, eligible_costs=proof.eligible_costs, maximum=grant.amount)
    computed, final = rule.uncapped, rule.grant
    paid = grant.paid_amount
    difference = final - paid
    outcome = (SettlementOutcome.BALANCED if difference == 0 else
               SettlementOutcome.FINAL_PAYMENT if difference > 0 else SettlementOutcome.RECOVERY)
    return SettlementFigures(proof, proof.eligible_costs, rate, grant.amount, computed, final, paid, difference,
                             outcome)


def prepare_settlement(*, actor: User, grant_id: int, ineffective_from: dt.date | None = None, note: str = "",
                       today: dt.date | None = None) -> Settlement:
    """Compute and record the settlement for the second person to confirm.

    ineffective_from: for a recovery, the day the notice became (partly) ineffective (§ 49a Abs. 3
    HVwVfG; with a retroactive partial revocation the day of the payout); interest runs from it.
    """
    require(may_prepare_settlement(actor), _("Nur die Sachbearbeitung bereitet die Schlussabrechnung vor."))
    today = today or timezone.localdate()
    note = (note or "").strip()
    with transaction.atomic():
        grant = lock_grant(grant_id)
        live = Settlement.objects.select_for_update().filter(
            grant=grant, state__in=[DecisionState.PREPARED, DecisionState.CONFIRMED]).first()
        problems = settlement_blockers(grant)
        if live is not None and live.state == DecisionState.CONFIRMED:
            raise PaymentsError(_("Diese Zuwendung ist bereits abgerechnet."))
        if problems:
            raise PaymentsError(" ".join(problems))
        figures = settlement_preview(grant)
        if figures.outcome == SettlementOutcome.RECOVERY:
            if ineffective_from is None:
                raise PaymentsError(_("Bitte geben Sie an, seit wann der Bescheid unwirksam ist (Beginn der "
                                      "Verzinsung)."), field="ineffective_from")
            if ineffective_from > today:
                raise PaymentsError(_("Das Datum darf nicht in der Zukunft liegen."), field="ineffective_from")
            if grant.notice_issued_on and ineffective_from < grant.notice_issued_on:
                raise PaymentsError(_("Das Datum liegt vor dem Erlass des Zuwendungsbescheids (%(d)s).")
                                    % {"d": grant.notice_issued_on.strftime("%d.%m.%Y")}, field="ineffective_from")
        else:
            ineffective_from = None
        if live is not None:
            same = (live.final_amount == figures.final and live.paid_before == figures.paid
                    and live.ineffective_from == ineffective_from and live.proof_id == figures.proof.pk)
            if same:
                return live  # a second click
            raise PaymentsError(_("Es liegt bereits eine vorbereitete Schlussabrechnung vor. Verwerfen Sie sie, "
                                  "bevor Sie eine neue vorbereiten."))
        settlement = Settlement.objects.create(
            grant=grant, proof=figures.proof, actual_eligible_costs=figures.actual_eligible,
            final_amount=figures.final, paid_before=figures.paid, difference=figures.difference,
            outcome=figures.outcome, ineffective_from=ineffective_from, note=note, prepared_by=actor)
        record(actor=actor, action="settlement.prepared", obj=grant, reason=note,
               data={"settlement": settlement.pk, "final": str(figures.final), "paid": str(figures.paid),
                     "difference": str(figures.difference), "outcome": figures.outcome,
                     "capped": figures.capped,
                     "ineffective_from": ineffective_from.isoformat() if ineffective_from else None})
    return settlement


def _lock_settlement(settlement_id: int) -> tuple[Settlement, Grant]:
    grant_id = Settlement.objects.filter(pk=settlement_id).values_list("grant_id", flat=True).first()
    if grant_id is None:
        raise PaymentsError(_("Diese Schlussabrechnung gibt es nicht."))
    grant = lock_grant(grant_id)
    settlement = Settlement.objects.select_for_update().get(pk=settlement_id)
    settlement.grant = grant
    return settlement, grant


def confirm_settlement(*, actor: User, settlement_id: int, today: dt.date | None = None) -> Settlement:
    """Second person: settle the grant; pay the difference, close, or open a recovery."""
    require(may_confirm_settlement(actor), _("Nur die Anordnungsbefugten bestätigen die Schlussabrechnung."))
    today = today or timezone.localdate()
    with transaction.atomic():
        settlement, grant = _lock_settlement(settlement_id)
        if settlement.state == DecisionState.CONFIRMED:
            return settlement
        require(settlement.state == DecisionState.PREPARED, _("Diese Schlussabrechnung wurde verworfen."))
        problems = settlement_blockers(grant)
        if problems:
            raise PaymentsError(" ".join(problems))
        figures = settlement_preview(grant)
        if (figures.final, figures.paid, figures.proof.pk) != (settlement.final_amount, settlement.paid_before,
                                                               settlement.proof_id):
            raise PaymentsError(_("Die Zahlen haben sich seit der Vorbereitung geändert. Bitte verwerfen Sie die "
                                  "Schlussabrechnung und bereiten Sie sie neu vor."))
        source, target = confirm_as_second_person(
            settlement, actor=actor,
            message=_("Vier-Augen-Prinzip: Wer die Schlussabrechnung vorbereitet hat, kann sie nicht selbst "
                      "bestätigen."))
        record(actor=actor, action="settlement.confirmed", obj=grant, from_state=source, to_state=target,
               states_of=settlement,
               data={"settlement": settlement.pk, "final": str(settlement.final_amount),
                     "difference": str(settlement.difference), "outcome": settlement.outcome})
        g_source, g_target = run_transition(grant, "settle", actor)
        grant.final_amount = settlement.final_amount
        grant.save(update_fields=["state", "final_amount"])
        record(actor=actor, action="grant.settled", obj=grant, from_state=g_source, to_state=g_target,
               data={"final": str(settlement.final_amount)})
        recovery = None
        if settlement.outcome == SettlementOutcome.FINAL_PAYMENT:
            _final_payment(grant, settlement, actor)
        elif settlement.outcome == SettlementOutcome.BALANCED:
            c_source, c_target = run_transition(grant, "close", actor)
            grant.save(update_fields=["state"])
            record(actor=actor, action="grant.closed", obj=grant, from_state=c_source, to_state=c_target)
        else:
            recovery = _open_recovery(grant, settlement, actor, today)
        notify(recipients=grantee_addresses(grant.application),
               subject=lambda: _("%(case)s: Schlussabrechnung") % {"case": grant.case_number},
               template="payments/mail/proofs_settled.txt",
               context={"grant": grant, "settlement": settlement, "recovery": recovery,
                        "url": f"{settings.SITE_URL}/zuwendungen/{grant.pk}/nachweise/"})
    return settlement


def _final_payment(grant: Grant, settlement: Settlement, approver: User) -> DisbursementRequest:
    """The final payment as a request for the normal four-eyes path: a case worker checks it, a second
    person releases it, a payment run pays it (the disbursements area then closes the grant)."""
    number = (DisbursementRequest.objects.filter(grant=grant).aggregate(m=Max("number"))["m"] or 0) + 1
    payment = DisbursementRequest.objects.create(
        grant=grant, number=number, kind=DisbursementKind.FINAL_PAYMENT, state=DisbursementState.REQUESTED,
        amount=settlement.difference, purpose=_("Schlusszahlung"), needed_on=timezone.localdate(), own_spending=ZERO,
        budget_year=grant.commitments.aggregate(y=Max("year"))["y"], requested_by=approver)
    grant.requested_amount += settlement.difference
    grant.save(update_fields=["requested_amount"])
    record(actor=approver, action="disbursement.final_payment", obj=grant, to_state=DisbursementState.REQUESTED,
           states_of=payment,
           data={"disbursement": payment.pk, "number": number, "amount": str(settlement.difference)})
    return payment


def _open_recovery(grant: Grant, settlement: Settlement, approver: User, today: dt.date) -> Recovery:
    recovery = Recovery.objects.create(
        grant=grant, settlement=settlement, principal=-settlement.difference,
        interest_from=settlement.ineffective_from, due_on=today + relativedelta(months=1), created_by=approver)
    r_source, r_target = run_transition(grant, "open_recovery", approver)
    grant.save(update_fields=["state"])
    record(actor=approver, action="grant.recovery_opened", obj=grant, from_state=r_source, to_state=r_target)
    record(actor=approver, action="recovery.created", obj=recovery, to_state=recovery.state,
           data={"principal": str(recovery.principal), "interest_from": recovery.interest_from.isoformat(),
                 "due_on": recovery.due_on.isoformat()})
    enqueue(**recovery_notice_promise(recovery))
    return recovery


def discard_settlement(*, actor: User, settlement_id: int, reason: str) -> Settlement:
    """Discard a prepared settlement (e.g. when the approver found an error) so it can be prepared anew."""
    require(may_prepare_settlement(actor), _("Nur die Sachbearbeitung verwirft eine Schlussabrechnung."))
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie das Verwerfen."), field="reason")
    with transaction.atomic():
        settlement, grant = _lock_settlement(settlement_id)
        if settlement.state == DecisionState.DISCARDED:
            return settlement
        require(settlement.state == DecisionState.PREPARED, _("Eine bestätigte Schlussabrechnung bleibt bestehen."))
        source, target = run_transition(settlement, "discard", actor)
        settlement.note = "\n".join(filter(None, [settlement.note, _("Verworfen: %(r)s") % {"r": reason}]))
        settlement.save(update_fields=["state", "note"])
        record(actor=actor, action="settlement.discarded", obj=grant, from_state=source, to_state=target,
               states_of=settlement,
               reason=reason, data={"settlement": settlement.pk})
    return settlement


def recovery_notice_promise(recovery: Recovery) -> dict:
    """The outbox entry of a recovery decision (also used by reconciliation)."""
    return {"task": "payments.render_recovery_notice", "key": f"notice:recovery:{recovery.pk}",
            "kwargs": {"recovery_id": recovery.pk}, "obj": recovery,
            "label": f"Rückforderungsbescheid {recovery.grant.case_number}"}
