from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("Bewilligung")
    REJECT = "reject", _("Ablehnung")


class DecisionState(models.TextChoices):
    PREPARED = "prepared", _("Vorbereitet")
    CONFIRMED = "confirmed", _("Bestätigt (Vier-Augen-Prinzip)")
    DISCARDED = "discarded", _("Verworfen")


class GrantState(models.TextChoices):
    APPROVED = "approved", _("Bewilligt, Bescheid in Erstellung")
    NOTICE_ISSUED = "notice_issued", _("Bescheid erlassen")
    FINAL = "final", _("Bestandskräftig")
    IN_IMPLEMENTATION = "in_implementation", _("In Durchführung")
    PROOF_SUBMITTED = "proof_submitted", _("Verwendungsnachweis eingereicht")
    SETTLED = "settled", _("Abgerechnet")
    RECOVERY_OPEN = "recovery_open", _("Rückforderung offen")
    CLOSED = "closed", _("Abgeschlossen")


# Grants from which money may be requested.
PAYABLE_STATES = frozenset({GrantState.FINAL, GrantState.IN_IMPLEMENTATION})


class NoticeKind(models.TextChoices):
    GRANT = "grant", _("Zuwendungsbescheid")
    AMENDMENT = "amendment", _("Änderungsbescheid")
    REJECTION = "rejection", _("Ablehnungsbescheid")
    RECOVERY = "recovery", _("Rückforderungsbescheid")


class DisbursementKind(models.TextChoices):
    INSTALMENT = "instalment", _("Mittelabruf")
    FINAL_PAYMENT = "final_payment", _("Schlusszahlung")


class DisbursementState(models.TextChoices):
    REQUESTED = "requested", _("Beantragt")
    CHECKED = "checked", _("Sachlich richtig")
    RELEASED = "released", _("Angeordnet")
    IN_PAYMENT_RUN = "in_payment_run", _("Im Zahlungslauf")
    PAID = "paid", _("Ausgezahlt")
    REJECTED = "rejected", _("Abgelehnt")


# Requests that hold part of the grant (everything but a rejected one).
OPEN_DISBURSEMENT_STATES = frozenset({DisbursementState.REQUESTED, DisbursementState.CHECKED,
                                      DisbursementState.RELEASED, DisbursementState.IN_PAYMENT_RUN})


class PaymentRunState(models.TextChoices):
    EXPORTED = "exported", _("Exportiert")
    CONFIRMED = "confirmed", _("Ausgeführt (bestätigt)")
    CANCELLED = "cancelled", _("Storniert")


class ProofKind(models.TextChoices):
    INTERIM = "interim", _("Zwischennachweis")
    FINAL = "final", _("Verwendungsnachweis")


class ProofState(models.TextChoices):
    DUE = "due", _("Offen")
    SUBMITTED = "submitted", _("Eingereicht")
    RETURNED = "returned", _("Zur Ergänzung zurückgegeben")
    ACCEPTED = "accepted", _("Geprüft")


# A proof the municipality still has to hand in, or to complete.
OPEN_PROOF_STATES = (ProofState.DUE, ProofState.RETURNED)
# The grant states in which proofs are handed in (an interim proof until the settlement), reminded and listed as
# overdue.
PROOF_GRANT_STATES = (GrantState.FINAL, GrantState.IN_IMPLEMENTATION, GrantState.PROOF_SUBMITTED)
# Once its grant is settled (a recovery open, the case closed), a proof still open is no longer expected: the final
# proof covered the whole project and the settlement is made (ProofOfUse.superseded and its query form, .expected()).
PROOFS_DONE_GRANT_STATES = (GrantState.SETTLED, GrantState.RECOVERY_OPEN, GrantState.CLOSED)


class SettlementOutcome(models.TextChoices):
    BALANCED = "balanced", _("Ausgeglichen")
    FINAL_PAYMENT = "final_payment", _("Schlusszahlung")
    RECOVERY = "recovery", _("Rückforderung")


class RecoveryState(models.TextChoices):
    OPEN = "open", _("Offen")
    PAID = "paid", _("Beglichen")
