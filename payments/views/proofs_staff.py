"""Staff pages of the proofs area: check queue, settlement (four-eyes), recoveries and base rates.

Irreversible steps take two POSTs: the first shows what will happen ("Bitte bestätigen"), the second
(with confirmed=1) does it.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.forms import CaseSearchForm
from foundation.forms import filter_context
from foundation.paging import paginate

from ..enums import DecisionState, ProofState, RecoveryState, SettlementOutcome
from ..exceptions import PaymentsError
from ..idempotency import idempotent_page
from ..models import BaseRate, Grant
from ..proofs_forms import (
    AcceptForm,
    BaseRateForm,
    CorrectRateForm,
    InterestDateForm,
    PrepareSettlementForm,
    ReasonForm,
    RecoveryPaymentForm,
    ReturnForm,
    add_payments_error,
)
from ..rules import (
    is_money_staff,
    may_check_proof,
    may_confirm_settlement,
    may_maintain_base_rates,
    may_manage_recovery,
    may_prepare_settlement,
    may_waive_interest,
)
from ..selectors import proofs as selectors
from ..services import proofs as services
from ..services import proofs_recovery as recovery_services
from ..services import proofs_settlement as settlement_services


def may_check(user) -> bool:
    return bool(may_check_proof(user))


def may_manage(user) -> bool:
    return bool(may_manage_recovery(user))


def _require(allowed) -> None:
    if not allowed:
        raise PermissionDenied


def _confirmed(request) -> bool:
    return request.POST.get("confirmed") == "1"


# ---------------------------------------------------------------- proofs


QUEUE_VIEWS = {"eingereicht": "submitted", "ueberfaellig": "overdue", "alle": "all"}


@login_required
def proof_queue(request):
    _require(is_money_staff(request.user))
    view = request.GET.get("ansicht", "eingereicht")
    view = view if view in QUEUE_VIEWS else "eingereicht"
    form = CaseSearchForm(request.GET or None)
    q = form.text
    proofs = paginate(request, selectors.proof_queue(view=QUEUE_VIEWS[view], related=selectors.QUEUE_PAGE_RELATED,
                                                     q=q))
    return render(request, "payments/proofs/queue.html", {
        "proofs": proofs, "page": proofs, "view": view, "today": timezone.localdate(),
        "views": [("eingereicht", _("Zu prüfen")), ("ueberfaellig", _("Überfällig")), ("alle", _("Alle"))],
        **filter_context(form, reverse("payments:proof-queue"), ansicht=view)})


@login_required
def proof_check(request, pk: int):
    """The check page: the proof with accept and return forms; each asks for confirmation first."""
    _require(may_check_proof(request.user))
    proof = selectors.proof_for_user(request.user, pk)
    accept_form, return_form = AcceptForm(prefix="accept"), ReturnForm(prefix="return")
    step, status = None, 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "accept":
            accept_form = AcceptForm(request.POST, prefix="accept")
            form, perform = accept_form, lambda cd: services.accept_proof(
                actor=request.user, proof_id=proof.pk, note=cd["note"])
            done = _("Der Nachweis ist geprüft und angenommen.")
        elif decision == "return":
            return_form = ReturnForm(request.POST, prefix="return")
            form, perform = return_form, lambda cd: services.return_proof(
                actor=request.user, proof_id=proof.pk, reason=cd["reason"])
            done = _("Der Nachweis wurde zur Ergänzung zurückgegeben.")
        else:
            raise Http404
        if form.is_valid():
            if _confirmed(request):
                try:
                    perform(form.cleaned_data)
                except PaymentsError as exc:
                    add_payments_error(form, exc)
                else:
                    messages.success(request, done)
                    return redirect("payments:proof-queue")
            else:
                step = decision
        status = 400 if form.errors else 200
    lines = list(proof.cost_lines.all())
    return render(request, "payments/proofs/check.html", {
        "proof": proof, "grant": proof.grant, "lines": lines, "figures": services.proof_figures(proof, lines),
        "accept_form": accept_form, "return_form": return_form, "step": step,
        "checkable": proof.state == ProofState.SUBMITTED}, status=status)


# ---------------------------------------------------------------- settlement


CONFIRMED_LIST, RECENT = "bestaetigt", 10


@login_required
def settlement_list(request):
    _require(is_money_staff(request.user))
    form = CaseSearchForm(request.GET or None)
    q = form.text
    confirmed = selectors.confirmed_settlements(q=q)
    # Two lists: the work list page by page and the newest confirmed settlements, all of them page by page
    # under ?liste=bestaetigt (each grant's page keeps its own); the search narrows both.
    shown = CONFIRMED_LIST if request.GET.get("liste") == CONFIRMED_LIST else ""
    context = {"shown": shown, "confirmed_key": CONFIRMED_LIST,
               **filter_context(form, reverse("payments:settlements"), liste=shown)}
    if shown:
        return render(request, "payments/proofs/settlements.html",
                      {**context, "confirmed": paginate(request, confirmed)})
    page = paginate(request, selectors.settlement_worklist(q=q))
    ready = []
    for grant in page:
        live = grant.live_settlements[0] if grant.live_settlements else None
        ready.append({"grant": grant, "settlement": live})
    return render(request, "payments/proofs/settlements.html", {
        **context, "ready": ready, "page": page, "confirmed": paginate(request, confirmed, per_page=RECENT, number=1)})


@login_required
@idempotent_page("payments.settlement.prepare")
def settlement_prepare(request, grant_id: int):
    _require(may_prepare_settlement(request.user))
    grant = get_object_or_404(Grant.objects.select_related("application__lead", "call__program"), pk=grant_id)
    problems = settlement_services.settlement_blockers(grant)
    figures = None
    if settlement_services.accepted_final_proof(grant) is not None:
        figures = settlement_services.settlement_preview(grant)
    live = grant.settlements.filter(state=DecisionState.PREPARED).first()
    form = PrepareSettlementForm(request.POST if request.method == "POST" else None)
    step, status = False, 200
    if request.method == "POST":
        if form.is_valid():
            cd = form.cleaned_data
            if _confirmed(request):
                try:
                    settlement = settlement_services.prepare_settlement(
                        actor=request.user, grant_id=grant.pk, ineffective_from=cd["ineffective_from"],
                        note=cd["note"])
                except PaymentsError as exc:
                    add_payments_error(form, exc)
                else:
                    messages.success(request, _("Die Schlussabrechnung ist vorbereitet. Eine anordnungsbefugte "
                                                "Person muss sie bestätigen."))
                    return redirect("payments:settlement-detail", pk=settlement.pk)
            elif figures and figures.outcome == SettlementOutcome.RECOVERY and not cd["ineffective_from"]:
                form.add_error("ineffective_from", _("Bitte geben Sie an, seit wann der Bescheid unwirksam ist "
                                                     "(Beginn der Verzinsung)."))
            else:
                step = True
        status = 400 if form.errors else 200
    return render(request, "payments/proofs/settlement_prepare.html", {
        "grant": grant, "figures": figures, "problems": problems, "form": form, "step": step, "live": live,
        "recovery": figures is not None and figures.outcome == SettlementOutcome.RECOVERY,
        "outcome_labels": dict(SettlementOutcome.choices)}, status=status)


def _settlement(pk: int):
    settlement = selectors.settlements().select_related("grant__call__program").filter(pk=pk).first()
    if settlement is None:
        raise Http404
    return settlement


@login_required
def settlement_detail(request, pk: int):
    _require(is_money_staff(request.user))
    settlement = _settlement(pk)
    user = request.user
    recovery = getattr(settlement, "recovery", None) if settlement.state == DecisionState.CONFIRMED else None
    return render(request, "payments/proofs/settlement_detail.html", {
        "settlement": settlement, "grant": settlement.grant, "recovery": recovery,
        "may_confirm": user.has_perm("payments.confirm_settlement", settlement),
        "own": user.pk == settlement.prepared_by_id,
        "may_discard": settlement.state == DecisionState.PREPARED and may_prepare_settlement(user)})


@login_required
@idempotent_page("payments.settlement.confirm")
def settlement_confirm(request, pk: int):
    """The approver's confirmation page (four-eyes); POST confirms."""
    _require(may_confirm_settlement(request.user))
    settlement = _settlement(pk)
    error = None
    if request.method == "POST":
        try:
            settlement_services.confirm_settlement(actor=request.user, settlement_id=settlement.pk)
        except PaymentsError as exc:
            error = exc.message
        else:
            messages.success(request, {
                SettlementOutcome.FINAL_PAYMENT: _("Bestätigt. Die Schlusszahlung ist angelegt; sie wird wie jeder "
                                                   "Mittelabruf sachlich richtig gezeichnet und von einer zweiten "
                                                   "Person angeordnet."),
                SettlementOutcome.BALANCED: _("Bestätigt. Die Zuwendung ist abgeschlossen."),
                SettlementOutcome.RECOVERY: _("Bestätigt. Die Rückforderung ist eröffnet; der Rückforderungsbescheid "
                                              "wird erstellt."),
            }[settlement.outcome])
            return redirect("payments:settlement-detail", pk=settlement.pk)
    return render(request, "payments/proofs/settlement_confirm.html", {
        "settlement": settlement, "grant": settlement.grant, "error": error,
        "own": request.user.pk == settlement.prepared_by_id}, status=400 if error else 200)


@login_required
def settlement_discard(request, pk: int):
    _require(may_prepare_settlement(request.user))
    settlement = _settlement(pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            settlement_services.discard_settlement(actor=request.user, settlement_id=settlement.pk,
                                                   reason=form.cleaned_data["reason"])
        except PaymentsError as exc:
            add_payments_error(form, exc)
        else:
            messages.success(request, _("Die Schlussabrechnung wurde verworfen."))
            return redirect("payments:settlement-prepare", grant_id=settlement.grant_id)
    return render(request, "payments/proofs/settlement_discard.html", {
        "settlement": settlement, "grant": settlement.grant, "form": form},
        status=400 if form.errors else 200)


# ---------------------------------------------------------------- recoveries


def _position(recovery, rates, on=None):
    try:
        return recovery_services.recovery_position(recovery, on=on, rates=rates), ""
    except PaymentsError as exc:
        return None, exc.message


@login_required
def recovery_list(request):
    _require(may_manage_recovery(request.user))
    state = request.GET.get("status", RecoveryState.OPEN)
    state = state if state in (*RecoveryState.values, "alle") else RecoveryState.OPEN
    rates = recovery_services.base_rate_table()
    today = timezone.localdate()
    form = CaseSearchForm(request.GET or None)
    q = form.text
    rows = []
    page = paginate(request, selectors.recoveries(state=None if state == "alle" else state, q=q))
    for recovery in page:
        current, error = _position(recovery, rates)
        rows.append({"recovery": recovery, "position": current, "error": error,
                     "paid": recovery.paid_principal + recovery.paid_interest,
                     "overdue": recovery.state == RecoveryState.OPEN and recovery.due_on < today})
    return render(request, "payments/proofs/recoveries.html", {
        "rows": rows, "page": page, "state": state, "today": today,
        **filter_context(form, reverse("payments:recoveries"), status=state),
        "states": [(RecoveryState.OPEN, _("Offen")), (RecoveryState.PAID, _("Beglichen")), ("alle", _("Alle"))]})


@login_required
def recovery_detail(request, pk: int):
    _require(may_manage_recovery(request.user))
    recovery = selectors.recovery_detail(pk)
    date_form = InterestDateForm(request.GET or None)
    on = date_form.cleaned_data.get("am") if date_form.is_valid() else None
    if on is not None and on < recovery.interest_from:
        on = recovery.interest_from
    current, error = _position(recovery, recovery_services.base_rate_table(), on=on)
    return render(request, "payments/proofs/recovery_detail.html", {
        "recovery": recovery, "grant": recovery.grant, "position": current, "error": error,
        "date_form": date_form, "notice": recovery_services.recovery_notice(recovery),
        "today": timezone.localdate(), "may_waive": may_waive_interest(request.user)
        and recovery.state == RecoveryState.OPEN and not recovery.interest_waived})


@login_required
@idempotent_page("payments.recovery.payment")
def recovery_payment(request, pk: int):
    """Record a received payment: first POST shows the split (interest first), the second records it."""
    _require(may_manage_recovery(request.user))
    recovery = selectors.recovery_detail(pk)
    form = RecoveryPaymentForm(request.POST if request.method == "POST" else None,
                               initial={"received_on": timezone.localdate()})
    split, status = None, 200
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            if _confirmed(request):
                payment = recovery_services.record_recovery_payment(
                    actor=request.user, recovery_id=recovery.pk, received_on=cd["received_on"], amount=cd["amount"])
            else:
                split = recovery_services.preview_recovery_payment(
                    recovery=recovery, received_on=cd["received_on"], amount=cd["amount"])
        except PaymentsError as exc:
            add_payments_error(form, exc)
        else:
            if split is None:
                recovery.refresh_from_db()
                messages.success(request, _("Der Zahlungseingang von %(a)s wurde erfasst (Zinsen %(i)s, "
                                            "Erstattungsbetrag %(p)s).") % {
                    "a": _eur(payment.amount), "i": _eur(payment.to_interest), "p": _eur(payment.to_principal)})
                if recovery.state == RecoveryState.PAID:
                    messages.success(request, _("Die Rückforderung ist vollständig beglichen; die Zuwendung ist "
                                                "abgeschlossen."))
                return redirect("payments:recovery-detail", pk=recovery.pk)
    if form.errors:
        status = 400
    return render(request, "payments/proofs/recovery_payment.html", {
        "recovery": recovery, "grant": recovery.grant, "form": form, "split": split}, status=status)


def _eur(value) -> str:
    from foundation.amounts import format_eur

    return format_eur(value)


@login_required
def recovery_waive(request, pk: int):
    _require(may_waive_interest(request.user))
    recovery = selectors.recovery_detail(pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_services.waive_interest(actor=request.user, recovery_id=recovery.pk,
                                             reason=form.cleaned_data["reason"])
        except PaymentsError as exc:
            add_payments_error(form, exc)
        else:
            messages.success(request, _("Auf die Zinsen wurde verzichtet."))
            return redirect("payments:recovery-detail", pk=recovery.pk)
    current, error = _position(recovery, recovery_services.base_rate_table())
    return render(request, "payments/proofs/recovery_waive.html", {
        "recovery": recovery, "grant": recovery.grant, "form": form, "position": current, "error": error},
        status=400 if form.errors else 200)


# ---------------------------------------------------------------- base rates


@login_required
def base_rates(request):
    _require(may_maintain_base_rates(request.user))
    form = BaseRateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_services.add_base_rate(actor=request.user, valid_from=form.cleaned_data["valid_from"],
                                            rate=form.cleaned_data["rate"])
        except PaymentsError as exc:
            add_payments_error(form, exc)
        else:
            messages.success(request, _("Der Basiszinssatz wurde erfasst."))
            return redirect("payments:base-rates")
    rates = list(BaseRate.objects.select_related("created_by").order_by("-valid_from"))
    return render(request, "payments/proofs/base_rates.html", {
        "rates": rates, "form": form, "next_reset": _next_missing(rates)}, status=400 if form.errors else 200)


def _next_missing(rates) -> dt.date | None:
    from ..interest import next_reset

    if not rates:
        return None
    following = next_reset(rates[0].valid_from)
    return following if following <= timezone.localdate() else None


@login_required
def base_rate_correct(request, pk: int):
    _require(may_maintain_base_rates(request.user))
    base_rate = get_object_or_404(BaseRate, pk=pk)
    form = CorrectRateForm(request.POST if request.method == "POST" else None, initial={
        "rate": str(base_rate.rate).replace(".", ",")})
    if request.method == "POST" and form.is_valid():
        try:
            recovery_services.correct_base_rate(actor=request.user, base_rate_id=base_rate.pk,
                                                rate=form.cleaned_data["rate"], reason=form.cleaned_data["reason"])
        except PaymentsError as exc:
            add_payments_error(form, exc)
        else:
            messages.success(request, _("Der Basiszinssatz wurde korrigiert."))
            return redirect("payments:base-rates")
    return render(request, "payments/proofs/base_rate_correct.html", {"base_rate": base_rate, "form": form},
                  status=400 if form.errors else 200)


urlpatterns = [
    path("sachbearbeitung/nachweise/", proof_queue, name="proof-queue"),
    path("sachbearbeitung/nachweise/<int:pk>/", proof_check, name="proof-check"),
    path("sachbearbeitung/schlussabrechnungen/", settlement_list, name="settlements"),
    path("sachbearbeitung/zuwendungen/<int:grant_id>/schlussabrechnung/", settlement_prepare,
         name="settlement-prepare"),
    path("sachbearbeitung/schlussabrechnungen/<int:pk>/", settlement_detail, name="settlement-detail"),
    path("sachbearbeitung/schlussabrechnungen/<int:pk>/bestaetigen/", settlement_confirm, name="settlement-confirm"),
    path("sachbearbeitung/schlussabrechnungen/<int:pk>/verwerfen/", settlement_discard, name="settlement-discard"),
    path("sachbearbeitung/rueckforderungen/", recovery_list, name="recoveries"),
    path("sachbearbeitung/rueckforderungen/<int:pk>/", recovery_detail, name="recovery-detail"),
    path("sachbearbeitung/rueckforderungen/<int:pk>/zahlung/", recovery_payment, name="recovery-payment"),
    path("sachbearbeitung/rueckforderungen/<int:pk>/zinsverzicht/", recovery_waive, name="recovery-waive"),
    path("sachbearbeitung/basiszinssaetze/", base_rates, name="base-rates"),
    path("sachbearbeitung/basiszinssaetze/<int:pk>/korrigieren/", base_rate_correct, name="base-rate-correct"),
]
