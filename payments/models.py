"""Grants, notices, disbursements, payment runs, proof of use, settlement and recovery.

Money is ``Decimal`` with two places (``foundation.amounts.MONEY``); rounding lives in
``foundation.amounts``, the grant rule in ``grants.money``.
Counters on ``Grant`` (requested, paid) and on the call's budget (``committed``) are changed only by
services under a row lock, and database constraints refuse any state that would over-commit or
over-pay, even if a bug in Python let it through.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Municipality
from applications.enums import CostCategory
from applications.models import Application
from foundation.amounts import MONEY
from foundation.choices import choice_label
from foundation.columns import reads
from foundation.files import download_name
from grants.models import Call, CallBudgetYear

from . import rules as pay_rules
from .enums import (
    OPEN_PROOF_STATES,
    PROOFS_DONE_GRANT_STATES,
    DecisionKind,
    DecisionState,
    DisbursementKind,
    DisbursementState,
    GrantState,
    NoticeKind,
    PaymentRunState,
    ProofKind,
    ProofState,
    RecoveryState,
    SettlementOutcome,
)
from .four_eyes import FourEyes, FourEyesStep
from .idempotency import IdempotencyKey  # noqa: F401  (registered with the payments app)

RATE = {"max_digits": 5, "decimal_places": 4}
User = settings.AUTH_USER_MODEL


class Decision(FourEyesStep):
    """A decision on a recommended or reserve application, prepared by one person, confirmed by another."""

    CONFIRM_PERMISSION = "payments.confirm_decision"
    DISCARD_PERMISSION = "payments.discard_decision"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="grant_decisions",
                                    verbose_name=_("Antrag"))
    kind = models.CharField(_("Art"), max_length=10, choices=DecisionKind.choices)
    funding_rate = models.DecimalField(_("Fördersatz"), **RATE)
    eligible_costs = models.DecimalField(_("Zuwendungsfähige Ausgaben"), **MONEY)
    grant_amount = models.DecimalField(_("Zuwendung (Höchstbetrag)"), **MONEY)
    years = models.JSONField(_("Zuwendung je Haushaltsjahr"), default=dict,
                             help_text=_("Haushaltsjahr → Betrag, aus dem Finanzierungsplan."))
    reasons = models.TextField(_("Begründung"), blank=True)
    discard_reason = models.TextField(_("Grund des Verwerfens"), blank=True)

    class Meta(FourEyes.Meta):
        verbose_name = _("Förderentscheidung")
        verbose_name_plural = _("Förderentscheidungen")
        ordering = ["-prepared_at"]
        indexes = [models.Index(fields=["prepared_at", "id"], name="decision_prepared"),
                   models.Index(fields=["state", "prepared_at", "id"], name="decision_state_prepared")]
        constraints = [
            *FourEyes.Meta.constraints,
            models.CheckConstraint(condition=Q(eligible_costs__gte=0, grant_amount__gte=0),
                                   name="decision_money_non_negative"),
            models.CheckConstraint(condition=~Q(kind=DecisionKind.REJECT) | ~Q(reasons=""),
                                   name="decision_rejection_has_reasons"),
            models.UniqueConstraint(fields=["application"],
                                    condition=Q(state__in=[DecisionState.PREPARED, DecisionState.CONFIRMED]),
                                    name="decision_one_live_per_application"),
        ]

    def __str__(self):
        return f"{self.application.case_number}: {choice_label(self, 'kind')} ({choice_label(self, 'state')})"


class Grant(FSMModelMixin, models.Model):
    """An approved grant (Zuwendung) with the money rules of its notice."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant",
                                       verbose_name=_("Antrag"))
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="grants", verbose_name=_("Förderaufruf"))
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="grant")
    state = FSMField(_("Status"), default=GrantState.APPROVED, choices=GrantState.choices, protected=True,
                     db_index=True)
    funding_rate = models.DecimalField(_("Fördersatz"), **RATE)
    eligible_costs = models.DecimalField(_("Zuwendungsfähige Ausgaben"), **MONEY)
    amount = models.DecimalField(_("Höchstbetrag"), **MONEY)
    retained_amount = models.DecimalField(_("Einbehaltene Schlussrate"), default=0, **MONEY)
    project_start = models.DateField(_("Bewilligungszeitraum von"))
    project_end = models.DateField(_("Bewilligungszeitraum bis"))
    disbursement_window_months = models.PositiveSmallIntegerField(_("Mittelabruf: Bedarf binnen Monaten"))
    appeal_period_months = models.PositiveSmallIntegerField(_("Rechtsbehelfsfrist (Monate)"))
    interim_proof_months = models.PositiveSmallIntegerField(_("Zwischennachweis fällig nach Monaten"))
    final_proof_months = models.PositiveSmallIntegerField(_("Verwendungsnachweis fällig nach Monaten"))
    general_conditions_edition = models.CharField(_("ANBest-GK (Fassung)"), max_length=200, blank=True)

    notice_issued_on = models.DateField(_("Bescheid erlassen am"), null=True, blank=True)
    appeal_ends_on = models.DateField(_("Rechtsbehelfsfrist endet am"), null=True, blank=True)
    appeal_waived_at = models.DateTimeField(_("Rechtsbehelfsverzicht erklärt am"), null=True, blank=True)
    appeal_waived_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    final_on = models.DateField(_("bestandskräftig seit"), null=True, blank=True)

    requested_amount = models.DecimalField(
        _("Abgerufen (nicht abgelehnt)"), default=0, **MONEY,
        help_text=_("Summe aller nicht abgelehnten Mittelabrufe und Schlusszahlungen."))
    paid_amount = models.DecimalField(_("Ausgezahlt"), default=0, **MONEY)
    final_amount = models.DecimalField(_("Endgültige Zuwendung"), null=True, blank=True, **MONEY)
    amendment_count = models.PositiveSmallIntegerField(
        _("Anzahl Änderungsbescheide"), default=0,
        help_text=_("Zählt die Änderungen; jede erhält einen eigenen Änderungsbescheid."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Zuwendung")
        verbose_name_plural = _("Zuwendungen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at", "id"], name="grant_created"),
                   # the list of grants filtered by state, newest first (selectors.decisions.grant_list)
                   models.Index(fields=["state", "created_at", "id"], name="grant_state_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, eligible_costs__gte=0, retained_amount__gte=0, requested_amount__gte=0,
                            paid_amount__gte=0),
                name="grant_money_non_negative"),
            models.CheckConstraint(condition=Q(amount__lte=F("eligible_costs")), name="grant_within_eligible"),
            models.CheckConstraint(condition=Q(retained_amount__lte=F("amount")), name="grant_retained_within"),
            models.CheckConstraint(condition=Q(paid_amount__lte=F("requested_amount")),
                                   name="grant_paid_within_requested"),
            models.CheckConstraint(condition=Q(paid_amount__lte=F("amount")), name="grant_paid_within_amount"),
            # Before settlement the retained instalment stays back; after it, the final grant is the ceiling
            # for new requests (money already paid above it is recovered, not refused).
            models.CheckConstraint(
                condition=(Q(final_amount__isnull=True, requested_amount__lte=F("amount") - F("retained_amount"))
                           | Q(final_amount__isnull=False, final_amount__lte=F("amount"), final_amount__gte=0)),
                name="grant_requests_within_ceiling"),
            models.CheckConstraint(condition=Q(project_end__gt=F("project_start")), name="grant_period_order"),
        ]

    def __str__(self):
        return f"{self.application.case_number} – {self.application.title}"

    @property
    def case_number(self) -> str:
        return self.application.case_number

    @property
    def available_amount(self):
        """What may still be requested: the ceiling minus every request that is not rejected."""
        ceiling = self.final_amount if self.final_amount is not None else self.amount - self.retained_amount
        return max(ceiling - self.requested_amount, 0)

    # Transitions: guards and permissions only; payments.services is the only caller.
    @transition(field=state, source=GrantState.APPROVED, target=GrantState.NOTICE_ISSUED)
    def issue_notice(self):
        pass

    @transition(field=state, source=GrantState.NOTICE_ISSUED, target=GrantState.FINAL)
    def become_final(self):
        pass

    @transition(field=state, source=GrantState.FINAL, target=GrantState.IN_IMPLEMENTATION)
    def start_implementation(self):
        pass

    @transition(field=state, source=[GrantState.FINAL, GrantState.IN_IMPLEMENTATION],
                target=GrantState.PROOF_SUBMITTED)
    def submit_final_proof(self):
        pass

    @transition(field=state, source=GrantState.PROOF_SUBMITTED, target=GrantState.IN_IMPLEMENTATION)
    def return_final_proof(self):
        pass

    @transition(field=state, source=GrantState.PROOF_SUBMITTED, target=GrantState.SETTLED)
    def settle(self):
        pass

    @transition(field=state, source=GrantState.SETTLED, target=GrantState.RECOVERY_OPEN)
    def open_recovery(self):
        pass

    @transition(field=state, source=[GrantState.SETTLED, GrantState.RECOVERY_OPEN], target=GrantState.CLOSED)
    def close(self):
        pass


class Amendment(FourEyesStep):
    """A change of a grant (Änderungsbescheid): prepared by one person, confirmed by a second (approver).

    Empty figures stay as they are. Only the confirmation changes the grant and commits money.
    """

    CONFIRM_PERMISSION = "payments.confirm_amendment"
    DISCARD_PERMISSION = "payments.discard_amendment"

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="amendments")
    amount = models.DecimalField(_("Neuer Höchstbetrag"), null=True, blank=True, **MONEY)
    eligible_costs = models.DecimalField(_("Neue zuwendungsfähige Ausgaben"), null=True, blank=True, **MONEY)
    project_end = models.DateField(_("Neues Ende des Bewilligungszeitraums"), null=True, blank=True)
    reason = models.TextField(_("Begründung"))
    number = models.PositiveSmallIntegerField(_("Nummer der Änderung"), null=True, blank=True)
    discard_reason = models.TextField(_("Grund des Verwerfens"), blank=True)

    class Meta(FourEyes.Meta):
        verbose_name = _("Änderung")
        verbose_name_plural = _("Änderungen")
        ordering = ["-prepared_at"]
        constraints = [
            *FourEyes.Meta.constraints,
            models.UniqueConstraint(fields=["grant"], condition=Q(state=DecisionState.PREPARED),
                                    name="amendment_one_prepared_per_grant"),
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self):
        return f"{self.grant.case_number}: {choice_label(self, 'state')}"


class Commitment(models.Model):
    """The part of a grant committed against one budget year's tranche of the call."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="commitments")
    budget_year = models.ForeignKey(CallBudgetYear, on_delete=models.PROTECT, related_name="commitments")
    year = models.PositiveSmallIntegerField(_("Haushaltsjahr"))
    amount = models.DecimalField(_("Betrag"), **MONEY)

    class Meta:
        verbose_name = _("Mittelbindung")
        verbose_name_plural = _("Mittelbindungen")
        ordering = ["grant", "year"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "budget_year"], name="commitment_one_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="commitment_non_negative"),
        ]

    def __str__(self):
        return f"{self.grant} {self.year}: {self.amount}"


def notice_path(instance, filename):
    return f"notices/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Notice(models.Model):
    """A stored notice (Bescheid) as PDF, with the figures it shows. Never changed, never replaced."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notices")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="notices", null=True, blank=True)
    kind = models.CharField(_("Art"), max_length=20, choices=NoticeKind.choices)
    version = models.PositiveSmallIntegerField(_("Fassung"))
    file = models.FileField(upload_to=notice_path)
    sha256 = models.CharField(max_length=64)
    figures = models.JSONField(default=dict)
    issued_on = models.DateField(_("Datum des Bescheids"))
    created_at = models.DateTimeField(auto_now_add=True)

    @staticmethod
    def grant_outbox_key(grant_id: int) -> str:
        """The outbox key of the work that makes a grant's notice (the promise of payments.services.decisions;
        a run of a call's notices counts its failures by it)."""
        return f"notice:grant:{grant_id}"

    class Meta:
        verbose_name = _("Bescheid")
        verbose_name_plural = _("Bescheide")
        ordering = ["application", "version"]
        indexes = [models.Index(fields=["created_at", "id"], name="notice_created")]
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="notice_version_unique"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="notice_has_sha256"),
        ]

    def __str__(self):
        return f"{choice_label(self, 'kind')} {self.application.case_number} ({self.version})"

    DOWNLOAD_LABELS = {NoticeKind.GRANT: "Zuwendungsbescheid", NoticeKind.AMENDMENT: "Änderungsbescheid",
                       NoticeKind.REJECTION: "Ablehnungsbescheid", NoticeKind.RECOVERY: "Rückforderungsbescheid"}

    @property
    def download_name(self) -> str:
        """Zuwendungsbescheid-SHH2-2027-0001.pdf (German in every language); later versions end in -Fassung-2."""
        return download_name(self.DOWNLOAD_LABELS.get(self.kind, "Bescheid"), self.application.case_number,
                             f"Fassung-{self.version}" if self.version > 1 else "", ext="pdf")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            from .exceptions import PaymentsError

            raise PaymentsError(_("Ein erlassener Bescheid wird nie geändert; erlassen Sie einen Änderungsbescheid."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from .exceptions import PaymentsError

        raise PaymentsError(_("Ein erlassener Bescheid kann nicht gelöscht werden."))


class BankAccount(FourEyes):
    """A municipality's bank account for payouts. A change is a new row; the old one is kept as history.

    Prepared by a member of the municipality, confirmed by a second person (staff) before any money goes
    to it; until then payouts use the last confirmed account.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="bank_accounts")
    holder = models.CharField(_("Kontoinhaber"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("Kreditinstitut"), max_length=200, blank=True)
    replaced_at = models.DateTimeField(_("ersetzt am"), null=True, blank=True)

    class Meta(FourEyes.Meta):
        verbose_name = _("Bankverbindung")
        verbose_name_plural = _("Bankverbindungen")
        ordering = ["municipality", "-prepared_at"]
        constraints = [
            *FourEyes.Meta.constraints,
            models.CheckConstraint(condition=Q(confirmed_by__isnull=True) | Q(confirmed_at__isnull=False),
                                   name="bank_account_confirmed_has_date"),
            models.UniqueConstraint(fields=["municipality"], condition=Q(replaced_at__isnull=True),
                                    name="bank_account_one_current"),
            models.CheckConstraint(condition=Q(iban__regex=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
                                   name="bank_account_iban_format"),
        ]

    def __str__(self):
        return f"{self.holder} {self.iban}"


class BlockedIban(models.Model):
    """An account no grant money may go to (besides settings.PAYMENTS_DEBTOR_IBAN and PAYMENTS_BLOCKED_IBANS)."""

    iban = models.CharField(_("IBAN"), max_length=34, unique=True)
    reason = models.CharField(_("Grund"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Gesperrte IBAN")
        verbose_name_plural = _("Gesperrte IBANs")
        ordering = ["iban"]

    def __str__(self):
        return self.iban


def sepa_path(instance, filename):
    return f"payment_runs/{uuid.uuid4().hex}.xml"


class PaymentRun(FSMModelMixin, FourEyes):
    """A batch of released disbursements exported as one SEPA credit transfer file (pain.001).

    One person creates it (prepared_by), a second one confirms that the bank executed it (confirmed_by).
    """

    number = models.PositiveIntegerField(_("Nummer"), unique=True)
    state = FSMField(_("Status"), default=PaymentRunState.EXPORTED, choices=PaymentRunState.choices,
                     protected=True)
    execution_date = models.DateField(_("Ausführungstag"))
    message_id = models.CharField(_("Nachrichten-ID"), max_length=35, unique=True)
    file = models.FileField(upload_to=sepa_path)
    sha256 = models.CharField(max_length=64)
    total = models.DecimalField(_("Summe"), **MONEY)
    count = models.PositiveIntegerField(_("Anzahl Zahlungen"))
    cancel_reason = models.TextField(_("Grund der Stornierung"), blank=True)

    class Meta(FourEyes.Meta):
        verbose_name = _("Zahlungslauf")
        verbose_name_plural = _("Zahlungsläufe")
        ordering = ["-number"]
        constraints = [*FourEyes.Meta.constraints,
                       models.CheckConstraint(condition=Q(total__gt=0, count__gt=0), name="payment_run_not_empty")]

    def __str__(self):
        return _("Zahlungslauf %(n)s") % {"n": self.number}

    @property
    def download_name(self) -> str:
        return download_name("Zahlungslauf", self.number, self.message_id, ext="xml")

    @transition(field=state, source=PaymentRunState.EXPORTED, target=PaymentRunState.CONFIRMED,
                permission=pay_rules.can_confirm_payment_run)
    def confirm(self):
        pass

    @transition(field=state, source=PaymentRunState.EXPORTED, target=PaymentRunState.CANCELLED,
                permission=pay_rules.can_run_payments)
    def cancel(self):
        pass


class DisbursementRequest(FSMModelMixin, models.Model):
    """A request for money (Mittelabruf) or a final payment after settlement (Schlusszahlung)."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="disbursements")
    number = models.PositiveSmallIntegerField(_("Nummer"))
    kind = models.CharField(_("Art"), max_length=20, choices=DisbursementKind.choices,
                            default=DisbursementKind.INSTALMENT)
    # indexed by disbursement_state_requested (state first), the queue's filter and order
    state = FSMField(_("Status"), default=DisbursementState.REQUESTED, choices=DisbursementState.choices,
                     protected=True)
    amount = models.DecimalField(_("Betrag"), **MONEY)
    purpose = models.TextField(_("Verwendungszweck (wofür das Geld benötigt wird)"))
    needed_on = models.DateField(_("Benötigt zum"))
    budget_year = models.PositiveSmallIntegerField(
        _("Haushaltsjahr"), null=True, blank=True,
        help_text=_("Das Haushaltsjahr, dessen Mittelbindung die Zahlung trägt (leer nur bei Altdaten)."))
    own_spending = models.DecimalField(_("Bisher verausgabte Eigenmittel"), default=0, **MONEY)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("beantragt am"), auto_now_add=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    checked_at = models.DateTimeField(_("sachlich richtig am"), null=True, blank=True)
    released_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    released_at = models.DateTimeField(_("angeordnet am"), null=True, blank=True)
    rejected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("Grund der Ablehnung"), blank=True)
    payment_run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="items", null=True,
                                    blank=True)
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True, help_text=_("Die Bankverbindung, an die gezahlt wurde."))
    end_to_end_id = models.CharField(_("End-to-End-ID"), max_length=35, unique=True, null=True, blank=True)
    remittance = models.CharField(_("Verwendungszweck der Überweisung"), max_length=140, blank=True)
    paid_on = models.DateField(_("ausgezahlt am"), null=True, blank=True)
    unpaid_reminder_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("Mittelabruf")
        verbose_name_plural = _("Mittelabrufe")
        ordering = ["grant", "number"]
        indexes = [models.Index(fields=["requested_at", "id"], name="disbursement_requested"),
                   models.Index(fields=["state", "requested_at", "id"], name="disbursement_state_requested"),
                   # a payment run's payments, page by page in the lists' order (its page and ?payment_run=)
                   models.Index(fields=["payment_run", "requested_at", "id"], name="disbursement_run_requested")]
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="disbursement_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0, own_spending__gte=0), name="disbursement_amount_positive"),
            models.CheckConstraint(condition=~Q(released_by=F("checked_by")), name="disbursement_four_eyes"),
            models.CheckConstraint(
                condition=~Q(state__in=[DisbursementState.RELEASED, DisbursementState.IN_PAYMENT_RUN,
                                        DisbursementState.PAID])
                | Q(checked_by__isnull=False, released_by__isnull=False),
                name="disbursement_released_was_checked"),
            models.CheckConstraint(
                condition=~Q(state__in=[DisbursementState.IN_PAYMENT_RUN, DisbursementState.PAID])
                | Q(payment_run__isnull=False, end_to_end_id__isnull=False),
                name="disbursement_in_run_has_ids"),
        ]

    def __str__(self):
        return f"{self.grant.case_number} / {self.number}"

    @transition(field=state, source=DisbursementState.REQUESTED, target=DisbursementState.CHECKED,
                permission=pay_rules.can_check_disbursement)
    def confirm_correct(self):
        pass

    @transition(field=state, source=DisbursementState.CHECKED, target=DisbursementState.RELEASED,
                permission=pay_rules.can_release_disbursement)
    def release(self):
        pass

    @transition(field=state, source=[DisbursementState.REQUESTED, DisbursementState.CHECKED],
                target=DisbursementState.REJECTED, permission=pay_rules.can_reject_disbursement)
    def reject(self):
        pass

    @transition(field=state, source=DisbursementState.RELEASED, target=DisbursementState.IN_PAYMENT_RUN,
                permission=pay_rules.can_run_payments)
    def add_to_run(self):
        pass

    @transition(field=state, source=DisbursementState.IN_PAYMENT_RUN, target=DisbursementState.RELEASED,
                permission=pay_rules.can_run_payments)
    def remove_from_run(self):
        pass

    @transition(field=state, source=DisbursementState.IN_PAYMENT_RUN, target=DisbursementState.PAID,
                permission=pay_rules.can_run_payments)
    def mark_paid(self):
        pass


class ProofOfUse(FSMModelMixin, models.Model):
    """An interim proof (per budget year) or the final proof of use, with report and actual figures."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="proofs")
    kind = models.CharField(_("Art"), max_length=10, choices=ProofKind.choices)
    budget_year = models.PositiveSmallIntegerField(_("Haushaltsjahr"), null=True, blank=True)
    due_on = models.DateField(_("fällig am"))
    state = FSMField(_("Status"), default=ProofState.DUE, choices=ProofState.choices, protected=True)
    report = models.TextField(_("Sachbericht"), blank=True)
    total_costs = models.DecimalField(_("Tatsächliche Gesamtausgaben"), default=0, **MONEY)
    eligible_costs = models.DecimalField(_("Tatsächliche zuwendungsfähige Ausgaben"), default=0, **MONEY)
    third_party_funds = models.DecimalField(_("Drittmittel"), default=0, **MONEY)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    submitted_at = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    checked_at = models.DateTimeField(_("geprüft am"), null=True, blank=True)
    return_reason = models.TextField(_("Nachforderung"), blank=True)
    check_note = models.TextField(_("Prüfvermerk"), blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True)
    overdue_reminder_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("Nachweis")
        verbose_name_plural = _("Nachweise")
        ordering = ["grant", "due_on", "pk"]
        indexes = [models.Index(fields=["state", "submitted_at", "id"], name="proof_state_submitted"),
                   models.Index(fields=["-submitted_at", "due_on", "id"], name="proof_submitted_due"),
                   models.Index(fields=["due_on", "id"], name="proof_due")]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind", "budget_year"], name="proof_one_per_year",
                                    nulls_distinct=False),
            models.CheckConstraint(condition=Q(kind=ProofKind.FINAL) | Q(budget_year__isnull=False),
                                   name="proof_interim_has_year"),
            models.CheckConstraint(
                condition=Q(total_costs__gte=0, eligible_costs__gte=0, third_party_funds__gte=0,
                            eligible_costs__lte=F("total_costs")),
                name="proof_money_consistent"),
        ]

    def __str__(self):
        label = choice_label(self, "kind")
        return f"{label} {self.budget_year}" if self.budget_year else label

    @property
    @reads("state", "grant__state")
    def superseded(self) -> bool:
        """Open, but no longer expected: its grant is settled (``PROOFS_DONE_GRANT_STATES``), e.g. an interim proof
        never handed in before the final proof covered the whole project. Not overdue, not to be edited or reminded."""
        return self.state in OPEN_PROOF_STATES and self.grant.state in PROOFS_DONE_GRANT_STATES

    @property
    @reads("state", "grant__state")
    def editable(self) -> bool:
        """It may still be changed and submitted: open and not ``superseded`` (who may: ``may_submit_proof``)."""
        return self.state in OPEN_PROOF_STATES and not self.superseded

    @staticmethod
    def expected() -> Q:
        """The proofs still to hand in: open and not ``superseded`` (its query form, for lists and counts)."""
        return Q(state__in=OPEN_PROOF_STATES) & ~Q(grant__state__in=PROOFS_DONE_GRANT_STATES)

    @transition(field=state, source=list(OPEN_PROOF_STATES), target=ProofState.SUBMITTED,
                permission=pay_rules.can_submit_proof)
    def submit(self):
        pass

    @transition(field=state, source=ProofState.SUBMITTED, target=ProofState.RETURNED,
                permission=pay_rules.can_check_proof)
    def return_for_revision(self):
        pass

    @transition(field=state, source=ProofState.SUBMITTED, target=ProofState.ACCEPTED,
                permission=pay_rules.can_check_proof)
    def accept(self):
        pass


class ProofCostLine(models.Model):
    """One line of the actual figures (zahlenmäßiger Nachweis), laid out like the financing plan."""

    proof = models.ForeignKey(ProofOfUse, on_delete=models.CASCADE, related_name="cost_lines")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(_("Kategorie"), max_length=20, choices=CostCategory.choices)
    description = models.CharField(_("Bezeichnung"), max_length=300)
    budget_year = models.PositiveSmallIntegerField(_("Haushaltsjahr"))
    planned = models.DecimalField(_("Ansatz laut Finanzierungsplan"), default=0, **MONEY)
    amount = models.DecimalField(_("Tatsächliche Ausgaben"), **MONEY)
    eligible = models.BooleanField(_("zuwendungsfähig"), default=True)

    class Meta:
        verbose_name = _("Ist-Ausgabe")
        verbose_name_plural = _("Ist-Ausgaben")
        ordering = ["proof", "budget_year", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0, planned__gte=0),
                                              name="proof_line_non_negative")]

    def __str__(self):
        return f"{self.description} ({self.budget_year})"


class Settlement(FourEyesStep):
    """The final settlement of a grant from the checked final proof, prepared and confirmed by two people."""

    CONFIRM_PERMISSION = "payments.confirm_settlement"
    DISCARD_PERMISSION = "payments.discard_settlement"

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="settlements")
    proof = models.ForeignKey(ProofOfUse, on_delete=models.PROTECT, related_name="settlements")
    actual_eligible_costs = models.DecimalField(_("Tatsächliche zuwendungsfähige Ausgaben"), **MONEY)
    final_amount = models.DecimalField(_("Endgültige Zuwendung"), **MONEY)
    paid_before = models.DecimalField(_("Bisher ausgezahlt"), **MONEY)
    difference = models.DecimalField(_("Differenz (+ Nachzahlung, − Rückforderung)"), max_digits=15,
                                     decimal_places=2)
    outcome = models.CharField(_("Ergebnis"), max_length=20, choices=SettlementOutcome.choices)
    ineffective_from = models.DateField(
        _("Bescheid unwirksam ab"), null=True, blank=True,
        help_text=_("Bei Rückforderung: Tag, ab dem der Bescheid unwirksam wurde (§ 49a Abs. 3 HVwVfG); "
                    "ab diesem Tag laufen die Zinsen."))
    note = models.TextField(_("Vermerk"), blank=True)

    class Meta(FourEyes.Meta):
        verbose_name = _("Schlussabrechnung")
        verbose_name_plural = _("Schlussabrechnungen")
        ordering = ["-prepared_at"]
        indexes = [models.Index(fields=["prepared_at", "id"], name="settlement_prepared"),
                   # the confirmed settlements, newest first (payments:settlements, ?liste=bestaetigt)
                   models.Index(fields=["confirmed_at", "id"], name="settlement_confirmed",
                                condition=Q(state=DecisionState.CONFIRMED))]
        constraints = [
            *FourEyes.Meta.constraints,
            models.CheckConstraint(condition=Q(actual_eligible_costs__gte=0, final_amount__gte=0, paid_before__gte=0),
                                   name="settlement_money_non_negative"),
            # Compared in whole cents: SQLite keeps decimals as floats, where 180000.10 − 162000.20 ≠ 17999.90.
            models.CheckConstraint(condition=Exact(Round(F("difference") * 100),
                                                   Round(F("final_amount") * 100) - Round(F("paid_before") * 100)),
                                   name="settlement_difference_consistent"),
            models.CheckConstraint(
                condition=~Q(outcome=SettlementOutcome.RECOVERY) | Q(ineffective_from__isnull=False),
                name="settlement_recovery_has_date"),
            models.UniqueConstraint(fields=["grant"],
                                    condition=Q(state__in=[DecisionState.PREPARED, DecisionState.CONFIRMED]),
                                    name="settlement_one_live_per_grant"),
        ]

    def __str__(self):
        return f"{self.grant.case_number}: {choice_label(self, 'outcome')}"


class BaseRate(models.Model):
    """The base rate (Basiszinssatz, § 247 BGB), valid from a date until the next entry."""

    valid_from = models.DateField(_("gültig ab"), unique=True)
    rate = models.DecimalField(_("Basiszinssatz (%)"), max_digits=6, decimal_places=2)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Basiszinssatz")
        verbose_name_plural = _("Basiszinssätze")
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.valid_from:%d.%m.%Y}: {self.rate} %"


class Recovery(FSMModelMixin, models.Model):
    """A recovery claim (Rückforderung, §§ 49, 49a HVwVfG) with interest, tracked until paid."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="recoveries")
    settlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="recovery", null=True,
                                      blank=True)
    state = FSMField(_("Status"), default=RecoveryState.OPEN, choices=RecoveryState.choices, protected=True)
    principal = models.DecimalField(_("Erstattungsbetrag"), **MONEY)
    interest_from = models.DateField(_("Zinsen ab (Unwirksamkeit des Bescheids)"))
    interest_margin = models.DecimalField(_("Zinsaufschlag über dem Basiszinssatz (Prozentpunkte)"),
                                          max_digits=5, decimal_places=2, default=5)
    due_on = models.DateField(_("Zahlungsfrist"))
    interest_waived = models.BooleanField(_("Auf Zinsen verzichtet"), default=False)
    waiver_reason = models.TextField(_("Begründung des Zinsverzichts"), blank=True)
    waived_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    waived_at = models.DateTimeField(_("Zinsverzicht am"), null=True, blank=True)
    paid_principal = models.DecimalField(_("Gezahlt auf den Erstattungsbetrag"), default=0, **MONEY)
    paid_interest = models.DecimalField(_("Gezahlt auf die Zinsen"), default=0, **MONEY)
    settled_on = models.DateField(_("beglichen am"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Rückforderung")
        verbose_name_plural = _("Rückforderungen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "due_on", "id"], name="recovery_state_due")]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0, paid_principal__gte=0, paid_interest__gte=0,
                                               paid_principal__lte=F("principal")),
                                   name="recovery_money_consistent"),
            models.CheckConstraint(condition=Q(interest_waived=False) | ~Q(waiver_reason=""),
                                   name="recovery_waiver_has_reason"),
            models.CheckConstraint(condition=~Q(state=RecoveryState.PAID) | Q(paid_principal=F("principal")),
                                   name="recovery_paid_in_full"),
        ]

    def __str__(self):
        return f"{self.grant.case_number}: {self.principal}"

    @transition(field=state, source=RecoveryState.OPEN, target=RecoveryState.PAID,
                permission=pay_rules.can_manage_recovery)
    def mark_paid(self):
        pass


class RecoveryPayment(models.Model):
    """Money received on a recovery claim; applied to interest first, then to the principal (§ 367 BGB)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField(_("eingegangen am"))
    amount = models.DecimalField(_("Betrag"), **MONEY)
    to_interest = models.DecimalField(_("davon auf Zinsen"), **MONEY)
    to_principal = models.DecimalField(_("davon auf den Erstattungsbetrag"), **MONEY)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Zahlungseingang")
        verbose_name_plural = _("Zahlungseingänge")
        ordering = ["recovery", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, to_interest__gte=0, to_principal__gte=0,
                                               amount=F("to_interest") + F("to_principal")),
                                   name="recovery_payment_split"),
        ]

    def __str__(self):
        return f"{self.recovery}: {self.amount} ({self.received_on})"


class NoticeRun(models.Model):
    """Staff asked for the missing grant notices of a call at once (issue 13): one outbox row per notice, rendered
    in parallel by the workers; the progress is counted from the notices stored (payments.selectors.notice_runs)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="notice_runs", verbose_name=_("Aufruf"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("gestartet von"))
    started_at = models.DateTimeField(_("gestartet am"), auto_now_add=True)
    grant_ids = models.JSONField(_("Zuwendungen"), default=list)  # the grants that lacked their notice

    class Meta:
        verbose_name = _("Erstellung der Zuwendungsbescheide")
        verbose_name_plural = _("Erstellungen der Zuwendungsbescheide")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.call_id}/{self.pk}"

    @property
    def total(self) -> int:
        return len(self.grant_ids)
