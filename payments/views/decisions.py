"""Pages of the decisions area.

Staff: the calls to decide on, the "Bewilligung" page of a call (budget per year, recommended and
reserve applications with whether they still fit, decisions to confirm), the case page (decision,
grant, notices, timeline) and the steps prepare / confirm / discard / amend, each irreversible step
behind a confirmation page. Municipality: its grants, the grant page with every notice version and
the waiver of appeal. Views parse input and call one service; the rules live in the services.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.rules import is_approver, is_case_worker, is_staff_member
from applications.enums import DECIDABLE_STATES
from applications.financing import figures_for
from applications.forms import CaseSearchForm
from applications.models import Application
from foundation.files import private_pdf_response
from foundation.forms import AmountField, DateInput, KernFormMixin, filter_context
from foundation.paging import paginate
from foundation.permissions import require_perm
from grants.models import Call
from grants.selectors import calls_for_staff

from ..enums import DecisionKind, DecisionState, GrantState, NoticeKind
from ..exceptions import PaymentsError
from ..idempotency import idempotent_page
from ..models import Amendment, Decision
from ..rules import is_grantee
from ..selectors import decisions as selectors
from ..services import decisions as services

# ---------------------------------------------------------------- forms (parse input only)


class PrepareForm(KernFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Entscheidung"), choices=DecisionKind.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": gettext_lazy("Bitte wählen Sie Bewilligung oder Ablehnung.")})
    reasons = forms.CharField(label=gettext_lazy("Begründung"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=gettext_lazy("Pflicht bei einer Ablehnung; sie erscheint im Bescheid."))


class ReasonForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Begründung"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": gettext_lazy("Bitte geben Sie eine Begründung an.")})


class AmendForm(KernFormMixin, forms.Form):
    amount = AmountField(label=gettext_lazy("Neuer Höchstbetrag (Euro)"), required=False,
                         help_text=gettext_lazy("Leer lassen, wenn der Höchstbetrag gleich bleibt."))
    eligible_costs = AmountField(label=gettext_lazy("Neue zuwendungsfähige Ausgaben (Euro)"), required=False,
                                 help_text=gettext_lazy("Nur nötig, wenn der Höchstbetrag über Fördersatz × "
                                                        "bisherige zuwendungsfähige Ausgaben steigen soll."))
    project_end = forms.DateField(label=gettext_lazy("Neues Ende des Bewilligungszeitraums"), required=False,
                                  widget=DateInput(),
                                  help_text=gettext_lazy("Leer lassen, wenn das Ende gleich bleibt."))
    reason = forms.CharField(label=gettext_lazy("Begründung der Änderung"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": gettext_lazy("Bitte begründen Sie die Änderung.")})
    confirm = forms.BooleanField(
        label=gettext_lazy("Mir ist bewusst, dass ein Änderungsbescheid erlassen wird, der nicht zurückgenommen "
                           "werden kann."),
        error_messages={"required": gettext_lazy("Bitte bestätigen Sie, dass der Änderungsbescheid erlassen "
                                                 "werden soll.")})


class GrantFilterForm(CaseSearchForm):
    """The filters of the list of grants (`selectors.grant_list`)."""

    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                              choices=[("", gettext_lazy("alle")), *GrantState.choices])


class WaiveForm(KernFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Wir verzichten auf Rechtsbehelfe gegen diesen Bescheid. Uns ist bewusst, dass der "
                           "Verzicht nicht widerrufen werden kann."),
        error_messages={"required": gettext_lazy("Bitte bestätigen Sie den Verzicht.")})


def _add_error(form: forms.Form, exc: PaymentsError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# ---------------------------------------------------------------- staff


@login_required
def call_list(request):
    require_perm(request, "accounts.view_staff_area")
    calls = calls_for_staff(count_applications=False)  # the page shows no count of applications
    # The counts for the shown rows only; the count and the ids of the page read the calls alone.
    page = paginate(request, calls, shown=selectors.with_decision_counts(calls))
    rows = [{"call": c, "pending": c.pending, "decidable": c.decidable} for c in page]
    return render(request, "payments/decisions/calls.html", {"rows": rows, "page": page})


@login_required
def call_decisions(request, call_pk: int):
    require_perm(request, "accounts.view_staff_area")
    # the budget years once for the overview, the candidates' tranche check and the ranking
    call = get_object_or_404(Call.objects.select_related("program").prefetch_related("budget_years"), pk=call_pk)
    form = CaseSearchForm(request.GET or None)
    # Four lists; each shows its first page with its count, and ?liste=… shows one of them page by page; the search
    # narrows all four.
    lists = selectors.call_decision_lists(call, q=form.text)
    shown = request.GET.get("liste", "")
    if shown and shown not in lists:
        raise Http404("unknown list")
    pages = {key: paginate(request, rows, number=None if key == shown else 1)
             for key, rows in lists.items() if not shown or key == shown}
    return render(request, "payments/decisions/call.html", {
        **filter_context(form, reverse("payments:decisions-call", args=[call.pk]), liste=shown),
        "call": call, "years": selectors.budget_overview(call), "pages": pages, "shown": shown,
        "left": call.total_budget - call.committed, "user_id": request.user.pk,
        "is_approver": is_approver(request.user), "is_case_worker": is_case_worker(request.user),
        "may_render_notices": request.user.has_perm("payments.render_notices")})


def _case_context(request, application: Application, prepare_form=None) -> dict:
    user = request.user
    decisions = list(application.grant_decisions.select_related("prepared_by", "confirmed_by")
                     .order_by("-prepared_at"))
    live = next((d for d in decisions if d.state in (DecisionState.PREPARED, DecisionState.CONFIRMED)), None)
    grant = getattr(application, "grant", None)
    may_prepare = (is_case_worker(user) and application.state in DECIDABLE_STATES and live is None)
    return {
        "application": application, "figures": figures_for(application), "decisions": decisions, "live": live,
        "grant": grant, "commitments": list(grant.commitments.order_by("year")) if grant else [],
        "notices": list(application.notices.order_by("version")),
        "timeline": selectors.case_timeline(application),
        "prepare_form": prepare_form or (PrepareForm(initial={"kind": DecisionKind.APPROVE}) if may_prepare else None),
        "may_prepare": may_prepare,
        "may_confirm": live is not None and user.has_perm("payments.confirm_decision", live),
        "may_discard": live is not None and live.state == DecisionState.PREPARED
        and (is_case_worker(user) or is_approver(user)),
        "may_amend": grant is not None and user.has_perm("payments.prepare_amendment")
        and grant.state in services.AMENDABLE_STATES,
        "amendments": list(grant.amendments.select_related("prepared_by", "confirmed_by")) if grant else [],
        "user_id": user.pk,
    }


def _staff_application(request, app_pk: int) -> Application:
    require_perm(request, "accounts.view_staff_area")
    return get_object_or_404(
        Application.objects.select_related("call__program", "lead__landkreis")
        .prefetch_related("cost_lines", "third_party"), pk=app_pk, case_number__isnull=False)


@login_required
def case(request, app_pk: int):
    application = _staff_application(request, app_pk)
    return render(request, "payments/decisions/case.html", _case_context(request, application))


@login_required
@require_POST
@idempotent_page("payments.decision.prepare")
def prepare(request, app_pk: int):
    application = _staff_application(request, app_pk)
    if not is_case_worker(request.user):
        raise PermissionDenied
    form = PrepareForm(request.POST)
    if form.is_valid():
        try:
            services.prepare_decision(actor=request.user, application_id=application.pk,
                                      kind=form.cleaned_data["kind"], reasons=form.cleaned_data["reasons"])
        except PaymentsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Die Entscheidung ist vorbereitet. Eine zweite Person mit der Rolle "
                                        "„Bewilligung/Anordnung“ muss sie bestätigen."))
            return redirect("payments:decision-case", app_pk=application.pk)
    return render(request, "payments/decisions/case.html", _case_context(request, application, prepare_form=form),
                  status=400)


def _staff_decision(request, pk: int) -> Decision:
    require_perm(request, "accounts.view_staff_area")
    return get_object_or_404(Decision.objects.select_related("application__lead", "application__call",
                                                             "prepared_by", "confirmed_by"), pk=pk)


@login_required
@idempotent_page("payments.decision.confirm")
def confirm(request, pk: int):
    decision = _staff_decision(request, pk)
    if not is_approver(request.user):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        try:
            services.confirm_decision(actor=request.user, decision_id=decision.pk)
        except PaymentsError as exc:
            error = exc.message
        else:
            messages.success(request, _("Die Entscheidung ist bestätigt. Der Bescheid wird erstellt."))
            return redirect("payments:decision-case", app_pk=decision.application_id)
    if decision.state != DecisionState.PREPARED and error is None:
        messages.info(request, _("Diese Entscheidung ist nicht mehr zu bestätigen (%(state)s).")
                      % {"state": decision.get_state_display()})
        return redirect("payments:decision-case", app_pk=decision.application_id)
    by_year = sorted((int(y), a) for y, a in decision.years.items())
    return render(request, "payments/decisions/confirm.html", {
        "decision": decision, "application": decision.application, "by_year": by_year, "error": error,
        "same_person": decision.prepared_by_id == request.user.pk}, status=400 if error else 200)


@login_required
def discard(request, pk: int):
    decision = _staff_decision(request, pk)
    if not (is_case_worker(request.user) or is_approver(request.user)):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.discard_decision(actor=request.user, decision_id=decision.pk, reason=form.cleaned_data["reason"])
        except PaymentsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Die Entscheidung wurde verworfen."))
            return redirect("payments:decision-case", app_pk=decision.application_id)
    return render(request, "payments/decisions/discard.html", {
        "decision": decision, "application": decision.application, "form": form},
        status=400 if request.method == "POST" else 200)


@login_required
@idempotent_page("payments.amendment.prepare")
def amend(request, grant_pk: int):
    """Prepare a change (first person); an approver confirms it on the amendment page (second person)."""
    require_perm(request, "accounts.view_staff_area")
    if not request.user.has_perm("payments.prepare_amendment"):
        raise PermissionDenied
    grant = get_object_or_404(selectors.visible_grants(request.user).select_related("call__program"), pk=grant_pk)
    form = AmendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.prepare_amendment(actor=request.user, grant_id=grant.pk, reason=data["reason"],
                                                   amount=data["amount"], project_end=data["project_end"],
                                                   eligible_costs=data["eligible_costs"])
        except PaymentsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Die Änderung ist vorbereitet. Eine zweite Person mit der Rolle "
                                        "„Bewilligung/Anordnung“ muss sie bestätigen; erst dann wird der "
                                        "Änderungsbescheid erlassen."))
            return redirect("payments:amendment", pk=amendment.pk)
    return render(request, "payments/decisions/amend.html", {
        "grant": grant, "application": grant.application, "form": form,
        "commitments": list(grant.commitments.order_by("year"))},
        status=400 if request.method == "POST" else 200)


@login_required
@idempotent_page("payments.amendment.confirm")
def amendment(request, pk: int):
    """A prepared change: the approver (not the preparer) confirms it, or it is discarded with a reason."""
    require_perm(request, "accounts.view_staff_area")
    item = get_object_or_404(Amendment.objects.select_related("grant__application", "prepared_by", "confirmed_by"),
                             pk=pk)
    discard_form = ReasonForm(request.POST if request.POST.get("action") == "discard" else None)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "discard":
                if not discard_form.is_valid():
                    raise PaymentsError(_("Bitte begründen Sie das Verwerfen."))
                services.discard_amendment(actor=request.user, amendment_id=item.pk,
                                           reason=discard_form.cleaned_data["reason"])
                messages.success(request, _("Die Änderung ist verworfen."))
            else:
                if not request.user.has_perm("payments.confirm_amendment", item):
                    raise PermissionDenied
                services.confirm_amendment(actor=request.user, amendment_id=item.pk)
                messages.success(request, _("Die Änderung ist bestätigt. Der Änderungsbescheid wird erstellt."))
        except PaymentsError as exc:
            error = exc.message
        else:
            return redirect("payments:decision-case", app_pk=item.grant.application_id)
    return render(request, "payments/decisions/amendment.html", {
        "amendment": item, "grant": item.grant, "application": item.grant.application, "error": error,
        "discard_form": discard_form}, status=400 if error else 200)


# ---------------------------------------------------------------- municipality (and staff)


@login_required
def grant_list(request):
    """The grants the user sees, searched (?q=) and filtered by state (?state=); a filter that is not valid is shown
    at its field and not applied."""
    form = GrantFilterForm(request.GET or None)
    page = paginate(request, selectors.grant_list(request.user, **form.filters()))
    rejections = (selectors.visible_notices(request.user).filter(kind=NoticeKind.REJECTION)
                  .order_by("-issued_on", "-pk")[:50]) if not is_staff_member(request.user) else []
    return render(request, "payments/decisions/grants.html", {
        "page": page, "rejections": rejections, **filter_context(form, reverse("payments:grants"))})


@login_required
def grant_detail(request, pk: int):
    grant = get_object_or_404(selectors.visible_grants(request.user).select_related("call__program"), pk=pk)
    return render(request, "payments/decisions/grant.html", {
        "grant": grant, "application": grant.application, "commitments": list(grant.commitments.order_by("year")),
        "notices": list(grant.application.notices.order_by("version")),
        "proofs": list(grant.proofs.order_by("due_on", "pk")),
        "may_waive": grant.state == GrantState.NOTICE_ISSUED and is_grantee(request.user, grant),
        "is_staff": is_staff_member(request.user)})


@login_required
def waive(request, pk: int):
    grant = get_object_or_404(selectors.visible_grants(request.user), pk=pk)
    if not is_grantee(request.user, grant):
        raise PermissionDenied
    form = WaiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.waive_appeal(actor=request.user, grant_id=grant.pk)
        except PaymentsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Sie haben auf Rechtsbehelfe verzichtet. Der Bescheid ist bestandskräftig; "
                                        "die Zuwendung kann abgerufen werden."))
            return redirect("payments:grant", pk=grant.pk)
    if grant.state != GrantState.NOTICE_ISSUED and request.method != "POST":
        messages.info(request, _("Für diesen Bescheid ist kein Rechtsbehelfsverzicht (mehr) möglich."))
        return redirect("payments:grant", pk=grant.pk)
    return render(request, "payments/decisions/waive.html", {"grant": grant, "application": grant.application,
                                                             "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def notice_download(request, pk: int):
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    return private_pdf_response(notice.file, notice.download_name)


urlpatterns = [
    path("", grant_list, name="grants"),
    path("<int:pk>/", grant_detail, name="grant"),
    path("<int:pk>/rechtsbehelfsverzicht/", waive, name="grant-waive"),
    path("bescheide/<int:pk>/", notice_download, name="notice-download"),
    path("bewilligung/", call_list, name="decisions"),
    path("bewilligung/aufrufe/<int:call_pk>/", call_decisions, name="decisions-call"),
    path("bewilligung/antraege/<int:app_pk>/", case, name="decision-case"),
    path("bewilligung/antraege/<int:app_pk>/vorbereiten/", prepare, name="decision-prepare"),
    path("bewilligung/entscheidungen/<int:pk>/bestaetigen/", confirm, name="decision-confirm"),
    path("bewilligung/entscheidungen/<int:pk>/verwerfen/", discard, name="decision-discard"),
    path("bewilligung/zuwendungen/<int:grant_pk>/aendern/", amend, name="grant-amend"),
    path("bewilligung/aenderungen/<int:pk>/", amendment, name="amendment"),
]
