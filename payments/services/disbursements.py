"""Bank accounts, disbursement requests (Mittelabruf), their four-eyes check and release, and payment runs.

Locks, always taken in this order so that two services never wait on each other:
payment run → grants (by id) → disbursement requests (by id). A request for money takes the grant's row
lock (``lock_grant``) and checks what is left; the database constraint ``grant_requests_within_ceiling``
refuses an over-request even if Python let one through. Paid money is added to ``Grant.paid_amount`` only
when a payment run is confirmed (``grant_paid_within_requested`` / ``grant_paid_within_amount`` guard it).
"""

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Municipality, User
from accounts.notifications import notify
from audit.services import record
from foundation.amounts import ZERO, AmountError, format_eur, parse_amount

from .. import schedule, sepa
from ..enums import DisbursementKind, DisbursementState, GrantState, PaymentRunState
from ..exceptions import PaymentsError
from ..models import BankAccount, BlockedIban, DisbursementRequest, Grant, PaymentRun
from ..rules import (
    may_confirm_bank_account,
    may_edit_bank_account,
    may_release_disbursement,
    may_request_disbursement,
    may_run_payments,
)
from ..selectors.disbursements import current_bank_account, payout_accounts
from .common import grantee_addresses, lock_grant, require, role_addresses, run_transition
from .four_eyes import confirm_as_second_person

AUDIT_LABELS = {
    "bank_account.changed": gettext_lazy("Bankverbindung geändert"),
    "bank_account.created": gettext_lazy("Bankverbindung erfasst"),
    "bank_account.confirmed": gettext_lazy("Bankverbindung bestätigt (Vier-Augen-Prinzip)"),
    "disbursement.requested": gettext_lazy("Mittelabruf gestellt"),
    "disbursement.checked": gettext_lazy("Mittelabruf sachlich richtig gezeichnet"),
    "disbursement.released": gettext_lazy("Auszahlung angeordnet"),
    "disbursement.rejected": gettext_lazy("Mittelabruf abgelehnt"),
    "disbursement.in_payment_run": gettext_lazy("In Zahlungslauf aufgenommen"),
    "disbursement.removed_from_run": gettext_lazy("Aus storniertem Zahlungslauf wieder freigegeben"),
    "disbursement.paid": gettext_lazy("Ausgezahlt"),
    "grant.implementation_started": gettext_lazy("Durchführung begonnen (erster Mittelabruf)"),
    "grant.closed": gettext_lazy("Zuwendung abgeschlossen (Schlusszahlung ausgezahlt)"),
    "payment_run.created": gettext_lazy("Zahlungslauf erstellt (SEPA-Datei)"),
    "payment_run.confirmed": gettext_lazy("Zahlungslauf als ausgeführt bestätigt"),
    "payment_run.cancelled": gettext_lazy("Zahlungslauf storniert"),
}

UNPAID_AFTER_DAYS = 3  # released, but not yet in a payment run
UNCONFIRMED_AFTER_DAYS = 5  # in an exported run that nobody confirmed
MAIL = "payments/mail/disbursements_{}.txt"


def _d(day: dt.date) -> str:
    return date_format(day, "d.m.Y")


def _amount(value, *, field: str, allow_zero: bool = False) -> Decimal:
    try:
        return parse_amount(value, allow_zero=allow_zero, decimal_point=True)
    except AmountError as exc:
        raise PaymentsError(exc.message, field=field) from None


def window_end(grant: Grant, today: dt.date) -> dt.date:
    """The last day for which money may be requested today: today + N months (31 Jan + 1 month = 28/29 Feb)."""
    return today + relativedelta(months=grant.disbursement_window_months)


# ---------------------------------------------------------------- bank accounts


def blocked_iban_reason(iban: str) -> str:
    """Why no grant money may go to ``iban`` (empty: it may): the Land's own paying account or the block list."""
    if iban == sepa.normalise_iban(settings.PAYMENTS_DEBTOR_IBAN):
        return _("Die IBAN %(iban)s ist das Konto des Landes, von dem die Zuwendungen gezahlt werden. Bitte geben "
                 "Sie das Konto der Kommune an.") % {"iban": iban}
    blocked = {sepa.normalise_iban(i) for i in getattr(settings, "PAYMENTS_BLOCKED_IBANS", ())}
    if iban in blocked or BlockedIban.objects.filter(iban=iban).exists():
        return _("Die IBAN %(iban)s ist für Auszahlungen gesperrt. Bitte wenden Sie sich an das Ministerium.") % {
            "iban": iban}
    return ""


def change_bank_account(*, actor: User, municipality_id: int, holder: str, iban: str, bic: str = "") -> BankAccount:
    """Record a municipality's payout account; a change keeps the old row (replaced_at) as history.

    A changed payout account is a fraud signal: the case workers get a mail after commit, and no money
    goes to the new account until a second person (staff) confirms it (``confirm_bank_account``); until
    then payouts use the last confirmed account. The Land's own account and blocked IBANs are refused.
    Sending the same details again changes nothing.
    """
    holder = " ".join(str(holder or "").split())
    if not holder:
        raise PaymentsError(_("Bitte geben Sie den Kontoinhaber an."), field="holder")
    if len(holder) > 70:
        raise PaymentsError(_("Der Kontoinhaber darf höchstens 70 Zeichen lang sein."), field="holder")
    iban = sepa.normalise_iban(iban)
    bic = sepa.normalise_bic(bic)
    require(not blocked_iban_reason(iban), blocked_iban_reason(iban), field="iban")
    with transaction.atomic():
        municipality = Municipality.objects.select_for_update().filter(pk=municipality_id).first()
        require(municipality is not None and may_edit_bank_account(actor, municipality),
                _("Nur Mitglieder der Kommune pflegen ihre Bankverbindung."))
        old = BankAccount.objects.select_for_update().filter(municipality=municipality,
                                                             replaced_at__isnull=True).first()
        if old is not None and (old.holder, old.iban, old.bic) == (holder, iban, bic):
            return old
        now = timezone.now()
        if old is not None:
            old.replaced_at = now
            old.save(update_fields=["replaced_at"])
        account = BankAccount.objects.create(municipality=municipality, holder=holder, iban=iban, bic=bic,
                                             bank_name=sepa.bank_name_for(iban)[:200], prepared_by=actor)
        record(actor=actor, action="bank_account.changed" if old else "bank_account.created", obj=account,
               data={"municipality": municipality.pk, "old_iban": old.iban if old else "", "new_iban": iban,
                     "old_holder": old.holder if old else "", "new_holder": holder})
        notify(recipients=role_addresses("case_worker"),
               subject=lambda: _("Bankverbindung geändert: %(m)s") % {"m": municipality.name},
               template=MAIL.format("bank_account_changed"),
               context={"municipality": municipality, "account": account, "old": old, "actor": actor})
    return account


def confirm_bank_account(*, actor: User, account_id: int) -> BankAccount:
    """A second person (staff, not the one who entered it) confirms the current account; money may then go to it."""
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().select_related("municipality").filter(pk=account_id).first()
        require(account is not None, _("Diese Bankverbindung gibt es nicht."))
        if account.confirmed_at is not None:
            return account
        require(may_confirm_bank_account(actor), _("Bankverbindungen bestätigen nur Sachbearbeitung und "
                                                   "Anordnungsbefugte."))
        require(account.replaced_at is None, _("Diese Bankverbindung wurde inzwischen ersetzt; bitte bestätigen Sie "
                                               "die aktuelle."))
        require(not blocked_iban_reason(account.iban), blocked_iban_reason(account.iban))
        confirm_as_second_person(
            account, actor=actor, transition=None,
            message=_("Vier-Augen-Prinzip: Wer die Bankverbindung erfasst hat, kann sie nicht selbst bestätigen."))
        record(actor=actor, action="bank_account.confirmed", obj=account,
               data={"municipality": account.municipality_id, "iban": account.iban, "holder": account.holder})
    return account


def payout_account_for(municipality: Municipality) -> BankAccount:
    """The confirmed, not blocked account money for ``municipality`` goes to; refuses with the reason otherwise."""
    account = payout_accounts([municipality.pk]).get(municipality.pk)
    require(account is not None, _("Für %(m)s gibt es noch keine bestätigte Bankverbindung. Eine neue oder geänderte "
                                   "Bankverbindung muss eine zweite Person (Sachbearbeitung) bestätigen, bevor Geld "
                                   "darauf fließt.") % {"m": municipality.name})
    require(not blocked_iban_reason(account.iban), blocked_iban_reason(account.iban))
    return account


# ---------------------------------------------------------------- requests


def request_disbursement(*, actor: User, grant_id: int, amount, purpose: str, needed_on: dt.date,
                         own_spending, today: dt.date | None = None) -> DisbursementRequest:
    """A municipality requests money (Mittelabruf) for payments due within the N-month window."""
    today = today or schedule.today()
    amount = _amount(amount, field="amount")
    own_spending = _amount(own_spending, field="own_spending", allow_zero=True)
    purpose = str(purpose or "").strip()
    if not purpose:
        raise PaymentsError(_("Bitte beschreiben Sie, wofür das Geld benötigt wird."), field="purpose")
    if not isinstance(needed_on, dt.date):
        raise PaymentsError(_("Bitte geben Sie an, zu welchem Datum das Geld benötigt wird."), field="needed_on")
    with transaction.atomic():
        grant = lock_grant(grant_id)
        require(may_request_disbursement(actor, grant), _("Mittel ruft nur die antragstellende Kommune ab."))
        require(grant.state in (GrantState.FINAL, GrantState.IN_IMPLEMENTATION),
                _("Mittel können erst abgerufen werden, wenn der Zuwendungsbescheid bestandskräftig ist, und nur "
                  "bis zum Verwendungsnachweis (Status jetzt: „%(state)s“).") % {"state": grant.get_state_display()})
        if needed_on < today:
            raise PaymentsError(_("Das Datum, zu dem das Geld benötigt wird, liegt in der Vergangenheit. Mittel werden "
                                  "nur für künftige Zahlungen abgerufen (frühestens heute, %(today)s).")
                                % {"today": _d(today)}, field="needed_on")
        last = window_end(grant, today)
        if needed_on > last:
            raise PaymentsError(_("Mittel dürfen nur abgerufen werden, soweit sie binnen %(n)d Monaten nach der "
                                  "Auszahlung benötigt werden: spätestens zum %(last)s. Bitte rufen Sie dieses Geld "
                                  "später ab.") % {"n": grant.disbursement_window_months, "last": _d(last)},
                                field="needed_on")
        _require_within_period(grant, needed_on)
        account = current_bank_account(grant.application.lead_id)
        require(account is not None, _("Für %(m)s ist keine Bankverbindung hinterlegt. Bitte erfassen Sie zuerst die "
                                       "Bankverbindung der Kommune.") % {"m": grant.application.lead.name})
        available = grant.available_amount
        if amount > available:
            raise PaymentsError(
                _("Der Betrag %(amount)s übersteigt, was von der Zuwendung noch abgerufen werden kann: %(left)s "
                  "(Höchstbetrag %(total)s, davon einbehaltene Schlussrate %(retained)s, bereits abgerufen "
                  "%(requested)s).") % {"amount": format_eur(amount), "left": format_eur(available),
                                        "total": format_eur(grant.amount),
                                        "retained": format_eur(grant.retained_amount),
                                        "requested": format_eur(grant.requested_amount)}, field="amount")
        _require_committed_year(grant, needed_on.year, amount)
        number = (DisbursementRequest.objects.filter(grant=grant).aggregate(m=Max("number"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                Grant.objects.filter(pk=grant.pk).update(requested_amount=F("requested_amount") + amount)
                disbursement = DisbursementRequest.objects.create(
                    grant=grant, number=number, kind=DisbursementKind.INSTALMENT, amount=amount, purpose=purpose,
                    needed_on=needed_on, budget_year=needed_on.year, own_spending=own_spending, requested_by=actor)
        except IntegrityError:
            raise PaymentsError(_("Der Betrag übersteigt, was von der Zuwendung noch abgerufen werden kann."),
                                field="amount") from None
        grant.refresh_from_db(fields=["requested_amount"])
        if grant.state == GrantState.FINAL:
            grant.start_implementation()
            grant.save(update_fields=["state"])
            record(actor=actor, action="grant.implementation_started", obj=grant, from_state=GrantState.FINAL,
                   to_state=GrantState.IN_IMPLEMENTATION)
        record(actor=actor, action="disbursement.requested", obj=disbursement, to_state=disbursement.state,
               data={"amount": str(amount), "needed_on": needed_on.isoformat(), "own_spending": str(own_spending)})
        notify(recipients=role_addresses("case_worker"),
               subject=lambda: _("Neuer Mittelabruf %(c)s / %(n)s") % {"c": grant.case_number, "n": number},
               template=MAIL.format("requested"), context={"d": disbursement, "grant": grant})
    return disbursement


def _require_within_period(grant: Grant, needed_on: dt.date) -> None:
    """Money is paid only for payments due inside the grant's funding period (Bewilligungszeitraum)."""
    if not grant.project_start <= needed_on <= grant.project_end:
        raise PaymentsError(_("Der %(day)s liegt außerhalb des Bewilligungszeitraums (%(start)s bis %(end)s). Mittel "
                              "können nur für Zahlungen abgerufen werden, die in diesem Zeitraum fällig werden.")
                            % {"day": _d(needed_on), "start": _d(grant.project_start), "end": _d(grant.project_end)},
                            field="needed_on")


def _require_committed_year(grant: Grant, year: int, amount: Decimal) -> None:
    """The payment is booked to budget year ``year``; the grant's commitment for that year must carry it
    (commitment − what is already requested for that year, rejected requests aside)."""
    commitments = {c.year: c.amount for c in grant.commitments.all()}
    listing = ", ".join(f"{y}: {format_eur(a)}" for y, a in sorted(commitments.items())) or "–"
    committed = commitments.get(year, ZERO)
    if committed <= 0:
        raise PaymentsError(_("Für das Haushaltsjahr %(year)d sind für diese Zuwendung keine Mittel gebunden "
                              "(Mittelbindungen: %(list)s). Bitte rufen Sie das Geld für ein Datum in einem Jahr mit "
                              "Mittelbindung ab.") % {"year": year, "list": listing}, field="needed_on")
    booked = (DisbursementRequest.objects.filter(grant=grant, budget_year=year)
              .exclude(state=DisbursementState.REJECTED).aggregate(s=Sum("amount"))["s"] or ZERO)
    if booked + amount > committed:
        raise PaymentsError(_("Für das Haushaltsjahr %(year)d sind für diese Zuwendung %(committed)s gebunden, davon "
                              "sind %(booked)s bereits abgerufen; für dieses Jahr können höchstens noch %(left)s "
                              "abgerufen werden (Mittelbindungen: %(list)s).")
                            % {"year": year, "committed": format_eur(committed), "booked": format_eur(booked),
                               "left": format_eur(max(committed - booked, ZERO)), "list": listing}, field="amount")


def _lock_disbursement(disbursement_id: int) -> DisbursementRequest:
    try:
        return (DisbursementRequest.objects.select_for_update(of=("self",))
                .select_related("grant__application__lead").get(pk=disbursement_id))
    except DisbursementRequest.DoesNotExist:
        raise PaymentsError(_("Diesen Mittelabruf gibt es nicht.")) from None


def check_disbursement(*, actor: User, disbursement_id: int) -> DisbursementRequest:
    """The case worker confirms the request as correct (sachlich richtig). A second click does nothing."""
    with transaction.atomic():
        d = _lock_disbursement(disbursement_id)
        if d.state == DisbursementState.CHECKED and d.checked_by_id == actor.pk:
            return d
        require(actor.pk != d.requested_by_id, _("Wer Mittel abruft, kann den Abruf nicht selbst prüfen."))
        source, target = run_transition(d, "confirm_correct", actor)
        d.checked_by, d.checked_at = actor, timezone.now()
        d.save(update_fields=["state", "checked_by", "checked_at"])
        record(actor=actor, action="disbursement.checked", obj=d, from_state=source, to_state=target)
    return d


def release_disbursement(*, actor: User, disbursement_id: int) -> DisbursementRequest:
    """An approver — never the person who checked it — orders the payment (Anordnung)."""
    with transaction.atomic():
        d = _lock_disbursement(disbursement_id)
        if d.state == DisbursementState.RELEASED and d.released_by_id == actor.pk:
            return d
        if d.state == DisbursementState.CHECKED and d.checked_by_id == actor.pk:
            raise PaymentsError(_("Vier-Augen-Prinzip: Sie haben diesen Mittelabruf als sachlich richtig "
                                  "gezeichnet. Die Auszahlung muss eine andere Person anordnen."))
        if d.state == DisbursementState.CHECKED and not may_release_disbursement(actor):
            raise PaymentsError(_("Auszahlungen ordnen nur Anordnungsbefugte (Rolle „Bewilligung/Anordnung“) an."))
        payout_account_for(d.grant.application.lead)
        source, target = run_transition(d, "release", actor)
        d.released_by, d.released_at = actor, timezone.now()
        try:
            with transaction.atomic():
                d.save(update_fields=["state", "released_by", "released_at"])
        except IntegrityError:
            raise PaymentsError(_("Vier-Augen-Prinzip: Prüfung und Anordnung müssen verschiedene Personen "
                                  "vornehmen.")) from None
        record(actor=actor, action="disbursement.released", obj=d, from_state=source, to_state=target)
        notify(recipients=grantee_addresses(d.grant.application),
               subject=lambda: _("Auszahlung angeordnet: %(c)s / %(n)s") % {"c": d.grant.case_number, "n": d.number},
               template=MAIL.format("released"), context={"d": d, "grant": d.grant})
    return d


def reject_disbursement(*, actor: User, disbursement_id: int, reason: str) -> DisbursementRequest:
    """Reject a request that is not yet released; its amount becomes available again."""
    reason = str(reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie die Ablehnung."), field="reason")
    grant_id = DisbursementRequest.objects.filter(pk=disbursement_id).values_list("grant_id", flat=True).first()
    if grant_id is None:
        raise PaymentsError(_("Diesen Mittelabruf gibt es nicht."))
    with transaction.atomic():
        lock_grant(grant_id)
        d = _lock_disbursement(disbursement_id)
        if d.state == DisbursementState.REJECTED:
            return d
        source, target = run_transition(d, "reject", actor)
        d.rejected_by, d.rejected_at, d.rejection_reason = actor, timezone.now(), reason
        d.save(update_fields=["state", "rejected_by", "rejected_at", "rejection_reason"])
        Grant.objects.filter(pk=grant_id).update(requested_amount=F("requested_amount") - d.amount)
        record(actor=actor, action="disbursement.rejected", obj=d, from_state=source, to_state=target, reason=reason)
        notify(recipients=grantee_addresses(d.grant.application),
               subject=lambda: _("Mittelabruf abgelehnt: %(c)s / %(n)s") % {"c": d.grant.case_number, "n": d.number},
               template=MAIL.format("rejected"), context={"d": d, "grant": d.grant, "reason": reason})
    return d


# ---------------------------------------------------------------- payment runs


def remittance_text(d: DisbursementRequest) -> str:
    """Verwendungszweck: the case number first, then what is paid; SEPA characters only, at most 140."""
    label = "Schlusszahlung" if d.kind == DisbursementKind.FINAL_PAYMENT else f"Mittelabruf {d.number}"
    text = f"{d.grant.case_number} {label} Zuwendung {settings.PORTAL['short_name']} {d.grant.application.title}"
    return sepa.sepa_text(text, sepa.REMITTANCE_MAX)


def end_to_end_id(d: DisbursementRequest, run_number: int) -> str:
    """Unique: case numbers are unique, request numbers unique per grant, run numbers unique."""
    candidate = sepa.sepa_id(f"{d.grant.case_number}-{d.number}-L{run_number}")
    if len(f"{d.grant.case_number}-{d.number}-L{run_number}") > sepa.END_TO_END_MAX or not candidate:
        candidate = f"SHH-L{run_number}-D{d.pk}"
    return candidate


def create_payment_run(*, actor: User, execution_date: dt.date, disbursement_ids=None,
                       today: dt.date | None = None) -> PaymentRun:
    """Put released payments into one SEPA credit transfer file (pain.001), validated against its schema.

    ``disbursement_ids``: the released requests to pay; None takes every released one. If one of them is
    no longer released (someone else ran it meanwhile), nothing is created.
    """
    require(may_run_payments(actor), _("Zahlungsläufe erstellen nur Sachbearbeitung und Anordnungsbefugte."))
    today = today or schedule.today()
    if not isinstance(execution_date, dt.date):
        raise PaymentsError(_("Bitte geben Sie den Ausführungstag an."), field="execution_date")
    if execution_date < today:
        raise PaymentsError(_("Der Ausführungstag darf nicht in der Vergangenheit liegen."), field="execution_date")
    if execution_date > today + relativedelta(months=3):
        raise PaymentsError(_("Der Ausführungstag darf höchstens drei Monate in der Zukunft liegen."),
                            field="execution_date")
    if not schedule.is_target2_business_day(execution_date):
        raise PaymentsError(_("Der %(day)s ist kein Bankarbeitstag (TARGET2): an Wochenenden, Neujahr, Karfreitag, "
                              "Ostermontag, am 1. Mai und an den Weihnachtsfeiertagen werden keine Überweisungen "
                              "ausgeführt. Nächster Bankarbeitstag: %(next)s.")
                            % {"day": _d(execution_date),
                               "next": _d(schedule.next_target2_business_day(execution_date))},
                            field="execution_date")
    ids = None if disbursement_ids is None else sorted({int(i) for i in disbursement_ids})
    if ids is not None and not ids:
        raise PaymentsError(_("Bitte wählen Sie mindestens eine angeordnete Zahlung."), field="disbursements")
    with transaction.atomic():
        qs = (DisbursementRequest.objects.select_for_update(of=("self",))
              .select_related("grant__application__lead").order_by("pk"))
        items = list(qs.filter(pk__in=ids) if ids is not None else qs.filter(state=DisbursementState.RELEASED))
        if not items:
            raise PaymentsError(_("Es gibt keine angeordneten Zahlungen, die noch in keinem Zahlungslauf sind."))
        not_released = [d for d in items if d.state != DisbursementState.RELEASED]
        if ids is not None and len(items) != len(ids) or not_released:
            raise PaymentsError(_("Nicht (mehr) angeordnet oder bereits in einem Zahlungslauf: %(list)s. Es wurde "
                                  "kein Zahlungslauf erstellt; bitte laden Sie die Seite neu.")
                                % {"list": ", ".join(str(d) for d in not_released) or _("unbekannte Zahlungen")},
                                field="disbursements")
        accounts = {m: a for m, a in payout_accounts(d.grant.application.lead_id for d in items).items()
                    if not blocked_iban_reason(a.iban)}
        missing = [d for d in items if d.grant.application.lead_id not in accounts]
        if missing:
            raise PaymentsError(_("Ohne bestätigte (nicht gesperrte) Bankverbindung: %(list)s. Es wurde kein "
                                  "Zahlungslauf erstellt.")
                                % {"list": ", ".join(f"{d} ({d.grant.application.lead.name})" for d in missing)})
        number = (PaymentRun.objects.aggregate(m=Max("number"))["m"] or 0) + 1
        message_id = f"SHH-ZL-{number:06d}-{uuid.uuid4().hex[:12]}"
        transfers = []
        for d in items:
            account = accounts[d.grant.application.lead_id]
            d.bank_account = account
            d.end_to_end_id = end_to_end_id(d, number)
            d.remittance = remittance_text(d)
            transfers.append(sepa.Transfer(creditor_name=account.holder, iban=account.iban, bic=account.bic,
                                           amount=d.amount, end_to_end_id=d.end_to_end_id, remittance=d.remittance))
        xml = sepa.build_pain001(message_id=message_id, execution_date=execution_date, transfers=transfers)
        total = sum((d.amount for d in items), ZERO)
        run = PaymentRun(number=number, execution_date=execution_date, message_id=message_id,
                         sha256=hashlib.sha256(xml).hexdigest(), total=total, count=len(items), prepared_by=actor)
        run.file.save(f"zahlungslauf-{number}.xml", ContentFile(xml), save=False)
        try:
            with transaction.atomic():
                run.save()
                for d in items:
                    source, target = run_transition(d, "add_to_run", actor)
                    d.payment_run = run
                    d.save(update_fields=["state", "payment_run", "bank_account", "end_to_end_id", "remittance"])
                    record(actor=actor, action="disbursement.in_payment_run", obj=d, from_state=source,
                           to_state=target, data={"run": number, "end_to_end_id": d.end_to_end_id,
                                                  "iban": d.bank_account.iban})
        except IntegrityError:
            raise PaymentsError(_("Gleichzeitig wurde ein anderer Zahlungslauf erstellt. Bitte versuchen Sie es "
                                  "noch einmal.")) from None
        record(actor=actor, action="payment_run.created", obj=run, to_state=run.state,
               data={"number": number, "total": str(total), "count": len(items), "sha256": run.sha256,
                     "message_id": message_id})
    return run


def _lock_run(run_id: int) -> PaymentRun:
    try:
        return PaymentRun.objects.select_for_update().get(pk=run_id)
    except PaymentRun.DoesNotExist:
        raise PaymentsError(_("Diesen Zahlungslauf gibt es nicht.")) from None


def confirm_payment_run(*, actor: User, run_id: int, paid_on: dt.date,
                        today: dt.date | None = None) -> PaymentRun:
    """The bank executed the run: every item is paid, the grants' paid amounts grow. A second confirm is harmless.

    Four eyes: a second person — never the one who created the run — confirms it, on or after its execution date.
    """
    require(may_run_payments(actor), _("Zahlungsläufe bestätigen nur Sachbearbeitung und Anordnungsbefugte."))
    today = today or schedule.today()
    with transaction.atomic():
        run = _lock_run(run_id)
        if run.state == PaymentRunState.CONFIRMED:
            return run
        require(run.state == PaymentRunState.EXPORTED, _("Ein stornierter Zahlungslauf kann nicht bestätigt werden."))
        if not isinstance(paid_on, dt.date):
            raise PaymentsError(_("Bitte geben Sie an, wann die Bank den Lauf ausgeführt hat."), field="paid_on")
        require(actor.pk != run.prepared_by_id,
                _("Vier-Augen-Prinzip: Sie haben diesen Zahlungslauf erstellt. Die Ausführung muss eine andere "
                  "Person bestätigen."))
        if paid_on > today:
            raise PaymentsError(_("Das Auszahlungsdatum darf nicht in der Zukunft liegen."), field="paid_on")
        if paid_on < run.execution_date:
            raise PaymentsError(_("Das Auszahlungsdatum liegt vor dem Ausführungstag des Zahlungslaufs (%(d)s). "
                                  "Bestätigen Sie die Ausführung erst, wenn die Bank den Lauf ausgeführt hat.")
                                % {"d": _d(run.execution_date)}, field="paid_on")
        grant_ids = sorted(set(run.items.values_list("grant_id", flat=True)))
        grants = {gid: lock_grant(gid) for gid in grant_ids}
        items = list(run.items.select_for_update(of=("self",)).order_by("pk"))
        source, target = confirm_as_second_person(
            run, actor=actor,
            message=_("Vier-Augen-Prinzip: Sie haben diesen Zahlungslauf erstellt. Die Ausführung muss eine andere "
                      "Person bestätigen."))
        for d in items:
            d_source, d_target = run_transition(d, "mark_paid", actor)
            d.paid_on = paid_on
            d.save(update_fields=["state", "paid_on"])
            Grant.objects.filter(pk=d.grant_id).update(paid_amount=F("paid_amount") + d.amount)
            record(actor=actor, action="disbursement.paid", obj=d, from_state=d_source, to_state=d_target,
                   data={"run": run.number, "paid_on": paid_on.isoformat()})
        for grant in grants.values():
            grant.refresh_from_db(fields=["paid_amount"])
            final_paid = any(d.kind == DisbursementKind.FINAL_PAYMENT and d.grant_id == grant.pk for d in items)
            if (final_paid and grant.state == GrantState.SETTLED and grant.final_amount is not None
                    and grant.paid_amount == grant.final_amount):
                grant.close()
                grant.save(update_fields=["state"])
                record(actor=actor, action="grant.closed", obj=grant, from_state=GrantState.SETTLED,
                       to_state=GrantState.CLOSED)
        record(actor=actor, action="payment_run.confirmed", obj=run, from_state=source, to_state=target,
               data={"paid_on": paid_on.isoformat()})
        for d in items:
            grant = grants[d.grant_id]
            notify(recipients=grantee_addresses(grant.application),
                   subject=lambda d=d, grant=grant: _("Auszahlung erfolgt: %(c)s / %(n)s")
                   % {"c": grant.case_number, "n": d.number},
                   template=MAIL.format("paid"), context={"d": d, "grant": grant, "paid_on": paid_on})
    return run


def cancel_payment_run(*, actor: User, run_id: int, reason: str) -> PaymentRun:
    """The file was not executed (e.g. refused by the bank): the items go back to "released"."""
    require(may_run_payments(actor), _("Zahlungsläufe stornieren nur Sachbearbeitung und Anordnungsbefugte."))
    reason = str(reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie die Stornierung."), field="reason")
    with transaction.atomic():
        run = _lock_run(run_id)
        if run.state == PaymentRunState.CANCELLED:
            return run
        require(run.state == PaymentRunState.EXPORTED,
                _("Ein bestätigter (ausgeführter) Zahlungslauf kann nicht storniert werden."))
        items = list(run.items.select_for_update(of=("self",)).select_related("grant__application").order_by("pk"))
        source, target = run_transition(run, "cancel", actor)
        run.cancel_reason = reason
        run.save(update_fields=["state", "cancel_reason"])
        snapshot = []
        for d in items:
            snapshot.append({"id": d.pk, "case_number": d.grant.case_number, "number": d.number,
                             "amount": str(d.amount), "end_to_end_id": d.end_to_end_id})
            d_source, d_target = run_transition(d, "remove_from_run", actor)
            d.payment_run, d.end_to_end_id, d.bank_account, d.remittance = None, None, None, ""
            d.save(update_fields=["state", "payment_run", "end_to_end_id", "bank_account", "remittance"])
            record(actor=actor, action="disbursement.removed_from_run", obj=d, from_state=d_source,
                   to_state=d_target, reason=reason, data={"run": run.number})
        record(actor=actor, action="payment_run.cancelled", obj=run, from_state=source, to_state=target,
               reason=reason, data={"items": snapshot})
    return run


# ---------------------------------------------------------------- reminders


def remind_unpaid(*, today: dt.date | None = None) -> int:
    """Mail staff about payments released > 3 days ago and not in a run, or in a run unconfirmed > 5 days.

    At most one reminder per request and day (unpaid_reminder_sent_on); safe to run twice.
    Returns the number of requests reminded about.
    """
    today = today or schedule.today()
    now = timezone.now()
    due = (Q(state=DisbursementState.RELEASED, released_at__lt=now - dt.timedelta(days=UNPAID_AFTER_DAYS))
           | Q(state=DisbursementState.IN_PAYMENT_RUN, payment_run__state=PaymentRunState.EXPORTED,
               payment_run__prepared_at__lt=now - dt.timedelta(days=UNCONFIRMED_AFTER_DAYS)))
    with transaction.atomic():
        rows = list(DisbursementRequest.objects.select_for_update(of=("self",), skip_locked=True)
                    .filter(due).filter(Q(unpaid_reminder_sent_on__isnull=True) | Q(unpaid_reminder_sent_on__lt=today))
                    .select_related("grant__application__lead", "payment_run").order_by("released_at", "pk"))
        if not rows:
            return 0
        DisbursementRequest.objects.filter(pk__in=[d.pk for d in rows]).update(unpaid_reminder_sent_on=today)
        notify(recipients=role_addresses("case_worker", "approver"),
               subject=lambda: ngettext("Erinnerung: %(n)d angeordnete Zahlung noch nicht ausgezahlt",
                                        "Erinnerung: %(n)d angeordnete Zahlungen noch nicht ausgezahlt",
                                        len(rows)) % {"n": len(rows)},
               template=MAIL.format("unpaid_reminder"), context={"rows": rows, "today": today})
    return len(rows)

