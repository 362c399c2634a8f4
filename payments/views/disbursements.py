"""Pages of disbursements: the municipality's requests and bank account; the ministry's check, release and runs.

Views are thin: a form parses the input, one service decides (payments.services.disbursements), errors
come back as form errors. Objects are looked up within what the person may see, so a guessed id is a 404.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.models import Municipality
from accounts.rules import is_staff_member
from accounts.selectors import approved_municipality_ids
from applications.forms import CaseSearchForm
from audit.selectors import timeline_for
from foundation.amounts import format_amount_input, format_decimal
from foundation.files import private_file_response
from foundation.forms import AmountField, DateInput, FilterForm, KernFormMixin, filter_context
from foundation.paging import paginate
from foundation.params import SEARCH_MAX_LENGTH
from foundation.permissions import require_perm

from .. import schedule
from ..enums import PAYABLE_STATES, DisbursementState, PaymentRunState
from ..exceptions import PaymentsError
from ..idempotency import idempotent_page, not_done
from ..models import BankAccount, DisbursementRequest, Grant, PaymentRun
from ..rules import (
    can_reject_disbursement,
    may_request_disbursement,
    may_run_payments,
)
from ..selectors import disbursements as selectors
from ..services import disbursements as services

RECENT_CHANGE_DAYS = 30


# ---------------------------------------------------------------- forms (parse only)


def add_error(form: forms.BaseForm, error: PaymentsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


class DisbursementForm(KernFormMixin, forms.Form):
    amount = AmountField(label=gettext_lazy("Betrag in Euro"),
                         help_text=gettext_lazy("z. B. 12.500,00 – höchstens der noch abrufbare Betrag"))
    needed_on = forms.DateField(label=gettext_lazy("Benötigt zum"), widget=DateInput(),
                                help_text=gettext_lazy("Fälligkeit der Zahlungen, für die das Geld bestimmt ist"))
    purpose = forms.CharField(label=gettext_lazy("Wofür wird das Geld benötigt?"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    own_spending = AmountField(label=gettext_lazy("Bisher verausgabte Eigenmittel in Euro"), initial="0,00",
                               required=False, allow_zero=True,
                               help_text=gettext_lazy("Ihr Eigenanteil, den Sie für das Projekt bereits "
                                                      "ausgegeben haben (anteilige Inanspruchnahme)"))


class BankAccountForm(KernFormMixin, forms.Form):
    holder = forms.CharField(label=gettext_lazy("Kontoinhaber"), max_length=70)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=50,
                           help_text=gettext_lazy("Deutsche IBAN: 22 Zeichen, z. B. DE02 5001 0517 0137 0750 30"),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    bic = forms.CharField(label=gettext_lazy("BIC"), max_length=20, required=False,
                          widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class ReasonForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Begründung"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": gettext_lazy("Bitte geben Sie eine Begründung an.")})


class BankAccountSearchForm(FilterForm):
    q = forms.CharField(label=gettext_lazy("Suche"), required=False, max_length=SEARCH_MAX_LENGTH,
                        help_text=gettext_lazy("Name der Kommune oder IBAN"))


class RunSearchForm(CaseSearchForm):
    """A run's payments: by case, title or municipality, or by the End-to-End-ID a bank's message names."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].help_text = gettext_lazy("Aktenzeichen, Titel, Kommune oder End-to-End-ID")


class RunCreateForm(KernFormMixin, forms.Form):
    execution_date = forms.DateField(label=gettext_lazy("Ausführungstag"), widget=DateInput())


class RunConfirmForm(KernFormMixin, forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Von der Bank ausgeführt am"), widget=DateInput())
    confirm = forms.BooleanField(
        label=gettext_lazy("Ich bestätige, dass die Bank diesen Zahlungslauf vollständig ausgeführt hat."),
        error_messages={"required": gettext_lazy("Bitte bestätigen Sie die Ausführung durch die Bank.")})


class RunCancelForm(ReasonForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("Die Datei wurde nicht ausgeführt (nicht übergeben oder von der Bank zurückgewiesen)."),
        error_messages={"required": gettext_lazy("Bitte bestätigen Sie, dass die Datei nicht ausgeführt wurde.")})


# ---------------------------------------------------------------- scoping


def _visible_grant(request, grant_id: int) -> Grant:
    grant = get_object_or_404(Grant.objects.select_related("application__lead", "call"), pk=grant_id)
    if not selectors.seen_by(request.user, grant.application.lead_id):
        raise Http404
    return grant


def _visible_municipality(request, municipality_id: int) -> Municipality:
    municipality = get_object_or_404(Municipality, pk=municipality_id)
    if not selectors.seen_by(request.user, municipality.pk):
        raise Http404
    return municipality


def _recently_changed():
    since = timezone.now() - dt.timedelta(days=RECENT_CHANGE_DAYS)
    return Exists(BankAccount.objects.filter(municipality_id=OuterRef("grant__application__lead_id"),
                                             replaced_at__gte=since))


# ---------------------------------------------------------------- municipality


@login_required
def grants(request):
    """Entry page of a municipality: its grants with what can still be requested."""
    form = CaseSearchForm(request.GET or None)
    page = paginate(request, selectors.payable_grants_for(request.user, q=form.text))
    return render(request, "payments/disbursements/grants.html", {
        "grants": page, "page": page, **filter_context(form, reverse("payments:disbursement-grants"))})


@login_required
@idempotent_page("payments.disbursement.request")
def grant_disbursements(request, grant_id: int):
    grant = _visible_grant(request, grant_id)
    may_request = bool(may_request_disbursement(request.user, grant))
    form = DisbursementForm(request.POST or None) if may_request else None
    today = schedule.today()
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                d = services.request_disbursement(
                    actor=request.user, grant_id=grant.pk, amount=data["amount"], purpose=data["purpose"],
                    needed_on=data["needed_on"], own_spending=data["own_spending"] or 0)
            except PaymentsError as exc:
                add_error(form, exc)
            else:
                messages.success(request, _("Ihr Mittelabruf Nr. %(n)d über %(a)s ist eingegangen. Die Sachbearbeitung "
                                            "prüft ihn.") % {"n": d.number, "a": format_amount_input(d.amount) + " €"})
                return redirect("payments:grant-disbursements", grant_id=grant.pk)
        grant.refresh_from_db()
    rows = list(grant.disbursements.select_related("payment_run").order_by("-number"))
    return render(request, "payments/disbursements/grant.html", {
        "grant": grant, "rows": rows, "form": form, "may_request": may_request,
        "window_end": services.window_end(grant, today), "today": today,
        "payable": grant.state in PAYABLE_STATES,
        "account": selectors.current_bank_account(grant.application.lead_id),
        "is_staff": bool(is_staff_member(request.user))})


@login_required
def bank_accounts(request):
    """Members: their municipalities' payout accounts. Staff: every municipality with an account, recent first."""
    staff = bool(is_staff_member(request.user))
    qs = BankAccount.objects.filter(replaced_at__isnull=True).select_related("municipality", "prepared_by")
    if not staff:
        ids = approved_municipality_ids(request.user)
        municipalities = list(Municipality.objects.filter(pk__in=ids).order_by("name"))
        if len(municipalities) == 1:
            return redirect("payments:bank-account", municipality_id=municipalities[0].pk)
        page = paginate(request, municipalities)
        current = {a.municipality_id: a for a in qs.filter(municipality_id__in=[m.pk for m in page])}
        rows = [{"municipality": m, "account": current.get(m.pk)} for m in page]
        form = None
    else:
        form = BankAccountSearchForm(request.GET or None)
        since = timezone.now() - dt.timedelta(days=RECENT_CHANGE_DAYS)
        qs = selectors.search_bank_accounts(qs, form.text)
        page = paginate(request, qs.annotate(changed=Exists(BankAccount.objects.filter(
            municipality_id=OuterRef("municipality_id"), replaced_at__gte=since))).order_by("-prepared_at", "-pk"))
        rows = [{"municipality": a.municipality, "account": a, "changed": a.changed} for a in page]
    return render(request, "payments/disbursements/bank_accounts.html", {
        "rows": rows, "page": page, "is_staff": staff, **filter_context(form, reverse("payments:bank-accounts"))})


@login_required
def bank_account(request, municipality_id: int):
    municipality = _visible_municipality(request, municipality_id)
    member = municipality.pk in approved_municipality_ids(request.user)
    history = list(BankAccount.objects.filter(municipality=municipality).select_related("prepared_by")
                   .order_by("-prepared_at", "-pk"))
    current = next((a for a in history if a.replaced_at is None), None)
    form = None
    if member:
        initial = {"holder": current.holder, "iban": current.iban, "bic": current.bic} if current else {
            "holder": municipality.name[:70]}
        form = BankAccountForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                account = services.change_bank_account(actor=request.user, municipality_id=municipality.pk,
                                                       holder=data["holder"], iban=data["iban"], bic=data["bic"])
            except PaymentsError as exc:
                add_error(form, exc)
            else:
                if current is not None and account.pk == current.pk:
                    messages.info(request, _("Die Bankverbindung ist unverändert."))
                else:
                    messages.success(request, _("Die Bankverbindung wurde gespeichert. Sobald das Ministerium sie "
                                                "bestätigt hat, gehen künftige Auszahlungen an %(iban)s.")
                                     % {"iban": account.iban})
                return redirect("payments:bank-account", municipality_id=municipality.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "payments/disbursements/bank_account.html", {
        "municipality": municipality, "current": current, "history": [a for a in history if a is not current],
        "form": form})


@login_required
@require_POST
def bank_account_confirm(request, pk: int):
    """Staff confirm a new or changed account as the second person; from then on money goes to it."""
    account = get_object_or_404(BankAccount, pk=pk)
    if not request.user.has_perm("payments.confirm_bank_account", account):
        raise PermissionDenied
    try:
        services.confirm_bank_account(actor=request.user, account_id=account.pk)
    except PaymentsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Bankverbindung %(iban)s ist bestätigt; Auszahlungen gehen ab jetzt an sie.")
                         % {"iban": account.iban})
    return redirect("payments:bank-account", municipality_id=account.municipality_id)


# ---------------------------------------------------------------- staff: check and release


@login_required
def queue(request):
    require_perm(request, "accounts.view_staff_area")
    # Three lists; each shows its first page with its count, and ?liste=… shows one of them page by page.
    states = {"pruefen": DisbursementState.REQUESTED, "anordnen": DisbursementState.CHECKED,
              "angeordnet": DisbursementState.RELEASED}
    shown = request.GET.get("liste", "")
    if shown and shown not in states:
        raise Http404("unknown list")
    form = CaseSearchForm(request.GET or None)
    user = request.user
    pages = {}
    for key, state in states.items():
        if shown and key != shown:
            continue
        rows = selectors.disbursements_for_staff(related=selectors.QUEUE_PAGE_RELATED, state=state, q=form.text)
        pages[key] = page = paginate(request, rows, number=None if key == shown else 1,
                                     shown=rows.annotate(bank_changed=_recently_changed()))
        for d in page:
            d.may_check = user.has_perm("payments.check_disbursement", d)
            d.may_release = user.has_perm("payments.release_disbursement", d)
            d.own_check = d.state == DisbursementState.CHECKED and d.checked_by_id == user.pk
    return render(request, "payments/disbursements/queue.html", {
        "pages": pages, "shown": shown, "may_run": bool(may_run_payments(user)),
        **filter_context(form, reverse("payments:disbursement-queue"), liste=shown)})


def _staff_disbursement(request, pk: int) -> DisbursementRequest:
    require_perm(request, "accounts.view_staff_area")
    return get_object_or_404(selectors.disbursements_for_staff().annotate(bank_changed=_recently_changed()), pk=pk)


@login_required
def detail(request, pk: int, reject_form=None):
    d = _staff_disbursement(request, pk)
    user = request.user
    grant = d.grant
    return render(request, "payments/disbursements/detail.html", {
        "d": d, "grant": grant, "timeline": timeline_for(d),
        "account": d.bank_account or selectors.current_bank_account(grant.application.lead_id),
        "may_check": user.has_perm("payments.check_disbursement", d),
        "may_release": user.has_perm("payments.release_disbursement", d),
        "own_check": d.state == DisbursementState.CHECKED and d.checked_by_id == user.pk,
        "may_reject": d.state in (DisbursementState.REQUESTED, DisbursementState.CHECKED)
        and can_reject_disbursement(d, user),
        "reject_form": reject_form or ReasonForm()})


def _act(request, pk: int, fn, success: str):
    d = _staff_disbursement(request, pk)
    try:
        fn(actor=request.user, disbursement_id=d.pk)
    except PaymentsError as exc:
        messages.error(request, exc.message)
        return not_done(redirect("payments:disbursement", pk=d.pk))
    messages.success(request, success % {"d": str(d)})
    return redirect("payments:disbursement", pk=d.pk)


@login_required
@require_POST
@idempotent_page("payments.disbursement.check")
def check(request, pk: int):
    return _act(request, pk, services.check_disbursement,
                _("Mittelabruf %(d)s ist sachlich richtig gezeichnet. Eine andere Person ordnet die Auszahlung an."))


@login_required
@require_POST
@idempotent_page("payments.disbursement.release")
def release(request, pk: int):
    return _act(request, pk, services.release_disbursement,
                _("Die Auszahlung für %(d)s ist angeordnet; sie geht in den nächsten Zahlungslauf."))


@login_required
@require_POST
def reject(request, pk: int):
    d = _staff_disbursement(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.reject_disbursement(actor=request.user, disbursement_id=d.pk, reason=form.cleaned_data["reason"])
        except PaymentsError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Mittelabruf %(d)s wurde abgelehnt; der Betrag ist wieder abrufbar.")
                             % {"d": str(d)})
            return redirect("payments:disbursement", pk=d.pk)
    return detail(request, pk, reject_form=form)


# ---------------------------------------------------------------- staff: payment runs


@login_required
def runs(request):
    require_perm(request, "accounts.view_staff_area")
    page = paginate(request, selectors.runs_for_staff())
    return render(request, "payments/disbursements/runs.html", {
        "runs": page, "page": page, "may_run": bool(may_run_payments(request.user)),
        "n_released": DisbursementRequest.objects.filter(state=DisbursementState.RELEASED).count()})


@login_required
@idempotent_page("payments.payment_run.create")
def run_create(request):
    require_perm(request, "payments.run_payments")
    next_day = schedule.next_target2_business_day(schedule.today() + dt.timedelta(days=1))
    form = RunCreateForm(request.POST or None, initial={"execution_date": next_day})
    released = list(selectors.disbursements_for_staff(state=DisbursementState.RELEASED)
                    .annotate(bank_changed=_recently_changed()))
    accounts = selectors.payout_accounts(d.grant.application.lead_id for d in released)
    chosen = None
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("disbursements") if v.isdigit() and len(v) < 19}
        if not chosen:
            form.add_error(None, _("Bitte wählen Sie mindestens eine angeordnete Zahlung."))
        elif form.is_valid():
            try:
                run = services.create_payment_run(actor=request.user, execution_date=form.cleaned_data[
                    "execution_date"], disbursement_ids=chosen)
            except PaymentsError as exc:
                add_error(form, exc)
            else:
                messages.success(request, ngettext(
                    "Zahlungslauf %(n)d mit %(c)s Zahlung wurde erstellt. Laden Sie die SEPA-Datei herunter und "
                    "übergeben Sie sie der Bank.",
                    "Zahlungslauf %(n)d mit %(c)s Zahlungen wurde erstellt. Laden Sie die SEPA-Datei herunter und "
                    "übergeben Sie sie der Bank.", run.count) % {"n": run.number, "c": format_decimal(run.count, 0)})
                return redirect("payments:payment-run", pk=run.pk)
    for d in released:
        d.account = accounts.get(d.grant.application.lead_id)
        d.chosen = chosen is None or d.pk in chosen
    return render(request, "payments/disbursements/run_create.html", {
        "form": form, "released": released, "total": sum((d.amount for d in released), 0)})


def _run(request, pk: int) -> PaymentRun:
    require_perm(request, "accounts.view_staff_area")
    return get_object_or_404(selectors.runs_for_staff(), pk=pk)


@login_required
def run_detail(request, pk: int):
    run = _run(request, pk)
    form = RunSearchForm(request.GET or None)
    items = paginate(request, selectors.disbursements_for_staff(
        related=("grant__application__lead", "bank_account"), payment_run=run.pk, q=form.text))
    cancelled_items = None
    if run.state == PaymentRunState.CANCELLED:
        # the payments a cancelled run held, from its audit entry: as many as the run had, so page by page too
        entry = timeline_for(run).filter(action="payment_run.cancelled").last()
        cancelled_items = paginate(request, (entry.data or {}).get("items", []) if entry else [])
    return render(request, "payments/disbursements/run.html", {
        "run": run, "items": items, "page": items, "cancelled_items": cancelled_items, "timeline": timeline_for(run),
        **filter_context(form, reverse("payments:payment-run", args=[run.pk])),
        "may_run": bool(may_run_payments(request.user)), "exported": run.state == PaymentRunState.EXPORTED})


@login_required
def run_file(request, pk: int):
    run = _run(request, pk)
    return private_file_response(run.file, run.download_name,
                                 content_type="application/xml")


@login_required
@idempotent_page("payments.payment_run.confirm")
def run_confirm(request, pk: int):
    require_perm(request, "payments.run_payments")
    run = _run(request, pk)
    if run.state != PaymentRunState.EXPORTED:
        messages.info(request, _("Dieser Zahlungslauf ist bereits %(s)s.") % {"s": run.get_state_display()})
        return redirect("payments:payment-run", pk=run.pk)
    form = RunConfirmForm(request.POST or None, initial={"paid_on": run.execution_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_payment_run(actor=request.user, run_id=run.pk, paid_on=form.cleaned_data["paid_on"])
        except PaymentsError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Zahlungslauf %(n)d ist als ausgeführt bestätigt; alle Zahlungen sind als "
                                        "ausgezahlt verbucht.") % {"n": run.number})
            return redirect("payments:payment-run", pk=run.pk)
    return render(request, "payments/disbursements/run_confirm.html", {"run": run, "form": form})


@login_required
def run_cancel(request, pk: int):
    require_perm(request, "payments.run_payments")
    run = _run(request, pk)
    if run.state != PaymentRunState.EXPORTED:
        messages.info(request, _("Dieser Zahlungslauf ist bereits %(s)s.") % {"s": run.get_state_display()})
        return redirect("payments:payment-run", pk=run.pk)
    form = RunCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_payment_run(actor=request.user, run_id=run.pk, reason=form.cleaned_data["reason"])
        except PaymentsError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Zahlungslauf %(n)d ist storniert; seine Zahlungen sind wieder angeordnet und "
                                        "gehen in den nächsten Lauf.") % {"n": run.number})
            return redirect("payments:payment-run", pk=run.pk)
    return render(request, "payments/disbursements/run_cancel.html", {"run": run, "form": form})


urlpatterns = [
    path("mittelabrufe/", grants, name="disbursement-grants"),
    path("mittelabrufe/zuwendung/<int:grant_id>/", grant_disbursements, name="grant-disbursements"),
    path("bankverbindungen/", bank_accounts, name="bank-accounts"),
    path("bankverbindungen/<int:municipality_id>/", bank_account, name="bank-account"),
    path("bankverbindungen/konto/<int:pk>/bestaetigen/", bank_account_confirm, name="bank-account-confirm"),
    path("auszahlung/mittelabrufe/", queue, name="disbursement-queue"),
    path("auszahlung/mittelabrufe/<int:pk>/", detail, name="disbursement"),
    path("auszahlung/mittelabrufe/<int:pk>/pruefen/", check, name="disbursement-check"),
    path("auszahlung/mittelabrufe/<int:pk>/anordnen/", release, name="disbursement-release"),
    path("auszahlung/mittelabrufe/<int:pk>/ablehnen/", reject, name="disbursement-reject"),
    path("auszahlung/zahlungslaeufe/", runs, name="payment-runs"),
    path("auszahlung/zahlungslaeufe/neu/", run_create, name="payment-run-create"),
    path("auszahlung/zahlungslaeufe/<int:pk>/", run_detail, name="payment-run"),
    path("auszahlung/zahlungslaeufe/<int:pk>/datei/", run_file, name="payment-run-file"),
    path("auszahlung/zahlungslaeufe/<int:pk>/bestaetigen/", run_confirm, name="payment-run-confirm"),
    path("auszahlung/zahlungslaeufe/<int:pk>/stornieren/", run_cancel, name="payment-run-cancel"),
]
