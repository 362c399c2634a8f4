"""Pages of the applying municipality: list, create, edit, attachments, submit, withdraw."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import approved_municipalities
from accounts.trust import session_trust_level
from foundation.forms import filter_context
from foundation.paging import paginate
from grants.selectors import open_calls

from .. import rules as app_rules
from .. import selectors, services
from ..enums import ApplicationState
from ..exceptions import ApplicationError
from ..financing import Line, compute_figures, figures_for
from ..forms import (
    ApplicantFilterForm,
    ApplicationForm,
    AttachmentForm,
    CostLineFormSet,
    NewApplicationForm,
    ReasonForm,
    ThirdPartyFormSet,
)


@login_required
def application_list(request):
    """The applications of the user's municipalities, searched (?q=) and filtered by state (?state=…; the start
    page's counts link here). A filter that is not valid is shown at its field and not applied. Staff without a
    municipality are sent to the staff list."""
    user = request.user
    if user.has_perm("accounts.view_staff_area") and not user.has_perm("accounts.act_for_municipality"):
        return redirect("applications:staff-calls")
    form = ApplicantFilterForm(request.GET or None)
    page = paginate(request, selectors.applications_for_user(user, **form.filters()))
    return render(request, "applications/list.html", {
        "applications": page, "page": page, **filter_context(form, reverse("applications:list"))})


@login_required
def application_create(request):
    municipalities = approved_municipalities(request.user)
    if not municipalities.exists():
        messages.info(request, _("Bitte beantragen Sie zuerst die Mitgliedschaft für Ihre Kommune."))
        return redirect("accounts:memberships")
    wanted = request.GET.get("call", "")  # "Online beantragen" on a call's public page
    form = NewApplicationForm(request.POST or None, calls=open_calls(), municipalities=municipalities,
                              initial={"call": wanted} if wanted.isdigit() and len(wanted) < 10 else None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.create_application(
                actor=request.user, call=form.cleaned_data["call"], lead=form.cleaned_data["lead"],
                title=form.cleaned_data["title"], trust_level=session_trust_level(request))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Der Antragsentwurf wurde angelegt."))
            return redirect("applications:edit", pk=application.pk)
    return render(request, "applications/create.html", {"form": form})


def _visible(request, pk):
    return selectors.application_detail(request.user, pk)


@login_required
def application_detail(request, pk: int):
    application = _visible(request, pk)
    user = request.user
    context = {
        "application": application,
        "figures": figures_for(application),
        "timeline": selectors.application_timeline(application),
        "can_edit": app_rules.may_edit(user, application),
        "can_withdraw": app_rules.may_withdraw(user, application),
        "can_check": app_rules.may_check(user, application),
        "can_receipt": app_rules.may_download_receipt(user, application),
        "attachment_form": AttachmentForm(),
        "problems": services.submission_problems(application)
        if application.state in (ApplicationState.DRAFT, ApplicationState.RETURNED) else [],
    }
    return render(request, "applications/detail.html", context)


def _formset_rows(formset):
    """(form, cleaned_data) of the valid, not deleted rows of a bound formset, in order."""
    rows = []
    for form in formset.forms:
        if not form.has_changed() or not form.is_valid() or form.cleaned_data.get("DELETE"):
            continue
        rows.append((form, form.cleaned_data))
    return rows


def _formset_lines(formset):
    return [data for _form, data in _formset_rows(formset)]


_ROW_ERROR = re.compile(r"^(cost_lines|third_party)\[(\d+)\]\.(\w+)$")


def _add_service_error(exc: ApplicationError, *, form, cost_rows, third_rows) -> None:
    """Show a service's error at the field it names (a date, a cost line's year), else above the form."""
    field = exc.field or ""
    if field in form.fields:
        form.add_error(field, exc.message)
        return
    match = _ROW_ERROR.match(field)
    if match:
        rows = cost_rows if match[1] == "cost_lines" else third_rows
        index, name = int(match[2]), match[3]
        if index < len(rows) and name in rows[index][0].fields:
            rows[index][0].add_error(name, exc.message)
            return
    form.add_error(None, exc.message)


@login_required
def application_edit(request, pk: int):
    application = _visible(request, pk)
    if not app_rules.may_edit(request.user, application):
        raise PermissionDenied
    if request.method == "POST":
        form = ApplicationForm(request.POST, application=application)
        costs = CostLineFormSet(request.POST, prefix="costs")
        third = ThirdPartyFormSet(request.POST, prefix="third")
        if form.is_valid() and costs.is_valid() and third.is_valid():
            data = form.cleaned_data
            cost_rows, third_rows = _formset_rows(costs), _formset_rows(third)
            try:
                services.update_application(
                    actor=request.user, application_id=application.pk,
                    data={k: data[k] for k in ("title", "summary", "objectives", "benefit", "transferability",
                                               "start_date", "end_date", "declaration_not_started",
                                               "declaration_own_share")},
                    topic_ids=[t.pk for t in data["topics"]], partner_ids=[p.pk for p in data["partners"]],
                    cost_lines=[services.CostLineInput(r["category"], r["description"], r["budget_year"],
                                                       r["amount"], r["eligible"]) for _f, r in cost_rows],
                    third_party=[services.ThirdPartyInput(r["source"], r["amount"]) for _f, r in third_rows],
                )
            except ApplicationError as exc:
                _add_service_error(exc, form=form, cost_rows=cost_rows, third_rows=third_rows)
            else:
                messages.success(request, _("Ihre Angaben wurden gespeichert."))
                if request.POST.get("action") == "more":
                    return redirect("applications:edit", pk=application.pk)
                return redirect("applications:detail", pk=application.pk)
        messages.error(request, _("Die Angaben wurden nicht gespeichert. Bitte prüfen Sie die markierten Felder."))
        status = 400
    else:
        form = ApplicationForm(application=application, initial={
            "title": application.title, "summary": application.summary, "objectives": application.objectives,
            "benefit": application.benefit, "transferability": application.transferability,
            "start_date": application.start_date, "end_date": application.end_date,
            "declaration_not_started": application.declaration_not_started,
            "declaration_own_share": application.declaration_own_share,
            "topics": list(application.topics.all()), "partners": list(application.partners.all()),
        })
        costs = CostLineFormSet(prefix="costs", initial=[
            {"category": c.category, "description": c.description, "budget_year": c.budget_year,
             "amount": c.amount, "eligible": c.eligible} for c in application.cost_lines.all()])
        third = ThirdPartyFormSet(prefix="third", initial=[
            {"source": t.source, "amount": t.amount} for t in application.third_party.all()])
        status = 200
    return render(request, "applications/edit.html", {
        "application": application, "form": form, "costs": costs, "third": third,
        "figures": figures_for(application)}, status=status)


def _live_rows(formset, row_label):
    """The rows the live figures count, and what is wrong with the others, per field.

    A typed value that is not valid (an amount parse_amount refuses: "abc", "1e30", "-5") is named at
    its field and the row is not counted; a row that is merely incomplete is listed as pending.
    """
    counted, invalid, pending = [], [], []
    for n, form in enumerate(formset.forms, start=1):
        if not form.has_changed():
            continue
        valid = form.is_valid()
        if form.cleaned_data.get("DELETE"):
            continue
        if valid:
            counted.append(form.cleaned_data)
            continue
        missing = []
        for name, errors in form.errors.as_data().items():
            if name not in form.fields:
                continue
            bound = form[name]
            if all(e.code == "required" for e in errors):
                missing.append(str(bound.label))
                continue
            invalid.append({"id": bound.auto_id, "label": f"{row_label} {n}: {bound.label}",
                            "messages": [m for e in errors for m in e.messages]})
        if missing and not any(e["id"].startswith(f"id_{form.prefix}-") for e in invalid):
            pending.append(_("%(row)s %(n)d wird noch nicht berechnet, es fehlt: %(fields)s.")
                           % {"row": row_label, "n": n, "fields": ", ".join(missing)})
    return counted, invalid, pending


@login_required
@require_POST
def application_calculate(request, pk: int):
    """htmx: the figures for the financing plan as typed, without saving anything.

    Amounts are read by the form's AmountField (foundation.amounts.parse_amount); an invalid input is
    reported at its field (the figures partial lists it, static/js/live-figures.js marks the field)
    and never counted as 0.
    """
    application = _visible(request, pk)
    costs = CostLineFormSet(request.POST, prefix="costs")
    third = ThirdPartyFormSet(request.POST, prefix="third")
    cost_rows, cost_invalid, cost_pending = _live_rows(costs, _("Ausgabe"))
    third_rows, third_invalid, third_pending = _live_rows(third, _("Drittmittel"))
    program = application.call.program
    figures = compute_figures(
        rate=program.funding_rate, min_grant=program.min_grant, max_grant=program.max_grant,
        lines=[Line(budget_year=r["budget_year"], amount=r["amount"], eligible=r["eligible"]) for r in cost_rows],
        third_party=[r["amount"] for r in third_rows])
    return render(request, "applications/_figures.html", {
        "figures": figures, "application": application, "live": True,
        "input_errors": cost_invalid + third_invalid, "pending": cost_pending + third_pending})


@login_required
@require_POST
def attachment_upload(request, pk: int):
    application = _visible(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(actor=request.user, application_id=application.pk,
                                    kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Die Anlage wurde hochgeladen."))
    else:
        messages.error(request, _("Bitte wählen Sie die Art der Anlage und eine PDF-Datei."))
    return redirect("applications:detail", pk=application.pk)


@login_required
@require_POST
def attachment_remove(request, pk: int, attachment_pk: int):
    application = _visible(request, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    try:
        services.remove_attachment(actor=request.user, attachment_id=attachment.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Anlage wurde entfernt."))
    return redirect("applications:detail", pk=application.pk)


def _confirm(request, pk, *, action, template, perform, success):
    application = _visible(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(application, form.cleaned_data.get("reason", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
        return redirect("applications:detail", pk=application.pk)
    return render(request, template, {
        "application": application, "form": form, "action": action, "figures": figures_for(application),
        "problems": services.submission_problems(application)
        if application.state in (ApplicationState.DRAFT, ApplicationState.RETURNED) else []})


@login_required
def application_submit(request, pk: int):
    return _confirm(request, pk, action="submit", template="applications/confirm_submit.html",
                    perform=lambda a, r: services.submit_application(actor=request.user, application_id=a.pk),
                    success=_("Ihr Antrag wurde eingereicht. Die Eingangsbestätigung wird erstellt."))


@login_required
def application_resubmit(request, pk: int):
    return _confirm(request, pk, action="resubmit", template="applications/confirm_submit.html",
                    perform=lambda a, r: services.resubmit_application(actor=request.user, application_id=a.pk),
                    success=_("Ihr überarbeiteter Antrag wurde nachgereicht."))


@login_required
def application_withdraw(request, pk: int):
    return _confirm(request, pk, action="withdraw", template="applications/confirm_withdraw.html",
                    perform=lambda a, r: services.withdraw_application(actor=request.user, application_id=a.pk,
                                                                       reason=r),
                    success=_("Der Antrag wurde zurückgezogen."))
