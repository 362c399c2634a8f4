"""proofs: recoveries (Rückforderung) with interest, received payments, waiver, and the base-rate table."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record

from .. import interest as interest_rules
from ..enums import GrantState, NoticeKind, RecoveryState
from ..exceptions import PaymentsError
from ..models import BaseRate, Notice, Recovery, RecoveryPayment
from ..rules import may_maintain_base_rates, may_manage_recovery, may_waive_interest
from .common import lock_grant, require, run_transition, store_notice

# ---------------------------------------------------------------- base rates


def base_rate_table() -> list[tuple[dt.date, Decimal]]:
    return list(BaseRate.objects.order_by("valid_from").values_list("valid_from", "rate"))


def seed_base_rates() -> int:
    """Insert the official rates (payments.interest.OFFICIAL_BASE_RATES) that are missing; never changes a
    row. Idempotent; returns the number inserted (for a data migration or a management shell)."""
    rows = [BaseRate(valid_from=d, rate=r) for d, r in interest_rules.OFFICIAL_BASE_RATES]
    before = BaseRate.objects.count()
    BaseRate.objects.bulk_create(rows, ignore_conflicts=True)
    return BaseRate.objects.count() - before


def _check_rate(rate) -> Decimal:
    try:
        rate = Decimal(rate)
    except (InvalidOperation, TypeError, ValueError):
        raise PaymentsError(_("Bitte geben Sie den Zinssatz in Prozent an, z. B. 3,37 oder -0,88."),
                            field="rate") from None
    if not rate.is_finite() or not Decimal("-10") <= rate <= Decimal("20"):
        raise PaymentsError(_("Der Basiszinssatz muss zwischen -10 und 20 Prozent liegen."), field="rate")
    if rate != rate.quantize(Decimal("0.01")):
        raise PaymentsError(_("Höchstens zwei Nachkommastellen."), field="rate")
    return rate


def add_base_rate(*, actor: User, valid_from: dt.date, rate) -> BaseRate:
    require(may_maintain_base_rates(actor), _("Nur die Mitarbeitenden der Zahlungsabwicklung pflegen die "
                                              "Basiszinssätze."))
    rate = _check_rate(rate)
    if valid_from is None or not interest_rules.is_reset_day(valid_from):
        raise PaymentsError(_("Der Basiszinssatz gilt jeweils ab dem 1. Januar oder dem 1. Juli."),
                            field="valid_from")
    with transaction.atomic():
        existing = BaseRate.objects.filter(valid_from=valid_from).first()
        if existing is not None:
            if existing.rate == rate:
                return existing  # a second click
            raise PaymentsError(_("Für den %(d)s ist bereits ein Satz erfasst (%(r)s %%). Korrigieren Sie ihn mit "
                                  "Begründung.") % {"d": valid_from.strftime("%d.%m.%Y"), "r": existing.rate},
                                field="valid_from")
        try:
            with transaction.atomic():
                base_rate = BaseRate.objects.create(valid_from=valid_from, rate=rate, created_by=actor)
        except IntegrityError:
            raise PaymentsError(_("Für diesen Tag ist bereits ein Satz erfasst."), field="valid_from") from None
        record(actor=actor, action="base_rate.added", obj=base_rate,
               data={"valid_from": valid_from.isoformat(), "rate": str(rate)})
    return base_rate


def correct_base_rate(*, actor: User, base_rate_id: int, rate, reason: str) -> BaseRate:
    """Correct a typing error, with a reason in the audit trail. Payments already recorded keep their split."""
    require(may_maintain_base_rates(actor), _("Nur die Mitarbeitenden der Zahlungsabwicklung pflegen die "
                                              "Basiszinssätze."))
    rate = _check_rate(rate)
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie die Korrektur."), field="reason")
    with transaction.atomic():
        base_rate = BaseRate.objects.select_for_update().filter(pk=base_rate_id).first()
        if base_rate is None:
            raise PaymentsError(_("Diesen Basiszinssatz gibt es nicht."))
        if base_rate.rate == rate:
            return base_rate
        old = base_rate.rate
        base_rate.rate = rate
        base_rate.save(update_fields=["rate"])
        record(actor=actor, action="base_rate.corrected", obj=base_rate, reason=reason,
               data={"valid_from": base_rate.valid_from.isoformat(), "old": str(old), "new": str(rate)})
    return base_rate


# ---------------------------------------------------------------- recoveries


def _splits(recovery: Recovery, payments=None) -> list[interest_rules.Split]:
    payments = recovery.payments.all() if payments is None else payments
    return [interest_rules.Split(p.received_on, p.amount, p.to_interest, p.to_principal)
            for p in sorted(payments, key=lambda p: (p.received_on, p.pk or 0))]


def recovery_position(recovery: Recovery, *, on: dt.date | None = None, rates=None) -> interest_rules.Position:
    """Principal, interest (to ``on``, exclusive), paid and outstanding of a recovery.

    Uses prefetched payments when present; pass ``rates`` (base_rate_table()) when listing many.
    A fully paid recovery is shown as of the day it was settled.
    """
    on = on or (recovery.settled_on if recovery.state == RecoveryState.PAID else timezone.localdate())
    payments = [p for p in _splits(recovery) if p.received_on <= on]
    return interest_rules.position(
        principal=recovery.principal, interest_from=recovery.interest_from, on=on,
        base_rates=base_rate_table() if rates is None else rates, margin=recovery.interest_margin,
        payments=payments, waived=recovery.interest_waived)


def _lock_recovery(recovery_id: int) -> Recovery:
    grant_id = Recovery.objects.filter(pk=recovery_id).values_list("grant_id", flat=True).first()
    if grant_id is None:
        raise PaymentsError(_("Diese Rückforderung gibt es nicht."))
    grant = lock_grant(grant_id)
    recovery = Recovery.objects.select_for_update().get(pk=recovery_id)
    recovery.grant = grant
    return recovery


def _close_if_paid(recovery: Recovery, current: interest_rules.Position, actor: User, on: dt.date) -> bool:
    if current.principal_outstanding > 0 or current.interest_outstanding > 0:
        return False
    source, target = run_transition(recovery, "mark_paid", actor)
    recovery.settled_on = on
    recovery.save(update_fields=["state", "settled_on"])
    record(actor=actor, action="recovery.paid", obj=recovery, from_state=source, to_state=target)
    grant = recovery.grant
    if grant.state == GrantState.RECOVERY_OPEN:
        g_source, g_target = run_transition(grant, "close", actor)
        grant.save(update_fields=["state"])
        record(actor=actor, action="grant.closed", obj=grant, from_state=g_source, to_state=g_target)
    return True


def preview_recovery_payment(*, recovery: Recovery, received_on: dt.date, amount) -> interest_rules.Split:
    """How a payment would be split (interest first), without saving anything."""
    require(recovery.state == RecoveryState.OPEN, _("Diese Rückforderung ist bereits beglichen."))
    if received_on > timezone.localdate():
        raise PaymentsError(_("Der Eingangstag darf nicht in der Zukunft liegen."), field="received_on")
    earlier = _splits(recovery)
    if earlier and received_on < earlier[-1].received_on:
        raise PaymentsError(_("Bitte erfassen Sie Zahlungseingänge in zeitlicher Reihenfolge; der letzte ging am "
                              "%(d)s ein.") % {"d": earlier[-1].received_on.strftime("%d.%m.%Y")},
                            field="received_on")
    current = interest_rules.position(
        principal=recovery.principal, interest_from=recovery.interest_from, on=received_on,
        base_rates=base_rate_table(), margin=recovery.interest_margin, payments=earlier,
        waived=recovery.interest_waived)
    return interest_rules.split_payment(current, amount)


def record_recovery_payment(*, actor: User, recovery_id: int, received_on: dt.date, amount) -> RecoveryPayment:
    """Record money received; interest first, then principal (§ 367 BGB). Never more than outstanding.
    When principal and interest are paid, the recovery is paid and the grant closed."""
    require(may_manage_recovery(actor), _("Nur die Mitarbeitenden der Zahlungsabwicklung erfassen Zahlungen."))
    if received_on is None:
        raise PaymentsError(_("Bitte geben Sie den Eingangstag an."), field="received_on")
    with transaction.atomic():
        recovery = _lock_recovery(recovery_id)
        require(recovery.state == RecoveryState.OPEN, _("Diese Rückforderung ist bereits beglichen."),
                field="amount")
        split = preview_recovery_payment(recovery=recovery, received_on=received_on, amount=amount)
        payment = RecoveryPayment.objects.create(
            recovery=recovery, received_on=received_on, amount=split.amount, to_interest=split.to_interest,
            to_principal=split.to_principal, recorded_by=actor)
        recovery.paid_interest += split.to_interest
        recovery.paid_principal += split.to_principal
        recovery.save(update_fields=["paid_interest", "paid_principal"])
        record(actor=actor, action="recovery.payment_recorded", obj=recovery,
               data={"payment": payment.pk, "received_on": received_on.isoformat(), "amount": str(split.amount),
                     "to_interest": str(split.to_interest), "to_principal": str(split.to_principal)})
        current = interest_rules.position(
            principal=recovery.principal, interest_from=recovery.interest_from, on=received_on,
            base_rates=base_rate_table(), margin=recovery.interest_margin, payments=_splits(recovery),
            waived=recovery.interest_waived)
        _close_if_paid(recovery, current, actor, received_on)
    return payment


def waive_interest(*, actor: User, recovery_id: int, reason: str) -> Recovery:
    """Waive the interest (approver, with a reason): interest still owed counts as 0 from now on."""
    require(may_waive_interest(actor), _("Nur die Anordnungsbefugten können auf Zinsen verzichten."))
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie den Zinsverzicht."), field="reason")
    with transaction.atomic():
        recovery = _lock_recovery(recovery_id)
        if recovery.interest_waived:
            return recovery
        require(recovery.state == RecoveryState.OPEN, _("Diese Rückforderung ist bereits beglichen."))
        recovery.interest_waived, recovery.waiver_reason = True, reason
        recovery.waived_by, recovery.waived_at = actor, timezone.now()
        recovery.save(update_fields=["interest_waived", "waiver_reason", "waived_by", "waived_at"])
        record(actor=actor, action="recovery.interest_waived", obj=recovery, reason=reason,
               data={"paid_interest": str(recovery.paid_interest)})
        today = timezone.localdate()
        current = interest_rules.position(
            principal=recovery.principal, interest_from=recovery.interest_from, on=today, base_rates=[],
            payments=_splits(recovery), waived=True)
        last = max((p.received_on for p in current.payments), default=today)
        _close_if_paid(recovery, current, actor, last)
    return recovery


def recovery_notice(recovery: Recovery) -> Notice | None:
    return (Notice.objects.filter(grant_id=recovery.grant_id, kind=NoticeKind.RECOVERY,
                                  figures__recovery_id=recovery.pk).order_by("version").first())


def store_recovery_notice(*, recovery_id: int) -> Notice:
    """Render and store the recovery decision once (safe to run twice, also at the same time)."""
    from ..recovery_pdf import recovery_notice_pdf

    recovery = (Recovery.objects.select_related("grant__application__lead", "grant__call__program",
                                                "settlement").get(pk=recovery_id))
    existing = recovery_notice(recovery)
    if existing is not None:
        return existing
    issued_on = timezone.localdate(recovery.created_at)
    pdf_bytes, figures = recovery_notice_pdf(recovery, issued_on=issued_on)
    with transaction.atomic():
        Recovery.objects.select_for_update().get(pk=recovery_id)
        existing = recovery_notice(recovery)
        if existing is not None:
            return existing
        notice = store_notice(application=recovery.grant.application, grant=recovery.grant,
                              kind=NoticeKind.RECOVERY, pdf_bytes=pdf_bytes, figures=figures, issued_on=issued_on)
        record(actor=None, action="recovery.notice_stored", obj=recovery,
               data={"notice": notice.pk, "version": notice.version, "sha256": notice.sha256})
    return notice
