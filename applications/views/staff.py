"""The ministry's workspace for the formal check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.enums import MunicipalityKind
from accounts.models import Municipality
from accounts.rules import is_case_worker
from foundation.exports import download
from foundation.paging import PARAM, paginate
from foundation.permissions import require_perm
from grants.models import Call
from grants.selectors import calls_for_staff

from .. import selectors, services
from ..checklist import checklist
from ..enums import ApplicationState
from ..exceptions import ApplicationError
from ..exports import CALL_APPLICATIONS
from ..financing import figures_for
from ..forms import FormalCheckForm, StaffFilterForm


@login_required
def call_list(request):
    require_perm(request, "accounts.view_staff_area")
    page = paginate(request, calls_for_staff())
    return render(request, "applications/staff/calls.html", {"calls": page, "page": page})


def _filter_form(request, call):
    form = StaffFilterForm(request.GET or None)
    form.fields["state"].choices = [("", _("alle"))] + [
        c for c in ApplicationState.choices if c[0] != ApplicationState.DRAFT]
    form.fields["topic"].choices = [("", _("alle"))] + [(str(t.pk), str(t)) for t in call.program.topics.all()]
    form.fields["landkreis"].choices = [("", _("alle"))] + [
        (str(m.pk), m.name) for m in Municipality.objects.filter(
            kind__in=[MunicipalityKind.LANDKREIS, MunicipalityKind.KREISFREIE_STADT]).order_by("name")]
    return form, form.filters()


@login_required
def call_applications(request, call_pk: int):
    require_perm(request, "accounts.view_staff_area")
    call = get_object_or_404(Call.objects.select_related("program"), pk=call_pk)
    form, filters = _filter_form(request, call)
    qs = selectors.staff_applications(call_id=call.pk, **filters)
    page = paginate(request, qs)
    query = request.GET.copy()
    query.pop(PARAM, None)
    return render(request, "applications/staff/call_applications.html", {
        "call": call, "form": form, "page": page, "query": query.urlencode()})


@login_required
def call_applications_csv(request, call_pk: int):
    require_perm(request, "accounts.view_staff_area")
    call = get_object_or_404(Call.objects.select_related("program"), pk=call_pk)
    _form, filters = _filter_form(request, call)
    qs = selectors.staff_applications(call_id=call.pk, **filters)
    return download("csv", filename=f"Anträge-Aufruf-{call.pk}", columns=CALL_APPLICATIONS,
                    rows=qs.iterator(chunk_size=500))


def _check_page(request, application, form, *, status=200):
    return render(request, "applications/staff/formal_check.html", {
        "application": application, "form": form, "items": form.items,
        "attachments": application.attachments.all(), "figures": figures_for(application)}, status=status)


def _check_form(application, data=None):
    items = checklist(application)
    form = FormalCheckForm(data, items=items, auto_id="check-%s")
    form.items = items
    return form


@login_required
@require_POST
def formal_check(request, pk: int, step: str):
    """Start the formal check, or decide it (the step is the button). On any error the page is shown
    again with the case worker's text and ticks and the error at its field (status 400)."""
    if not is_case_worker(request.user):
        raise PermissionDenied
    application = selectors.application_detail(request.user, pk)
    if step == "start":
        try:
            services.start_formal_check(actor=request.user, application_id=application.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Die Formalprüfung wurde begonnen."))
        return redirect("applications:detail", pk=application.pk)
    if step not in ("return", "eligible", "ineligible"):
        raise PermissionDenied
    form = _check_form(application, request.POST)
    if form.is_valid() and form.require_for(step):
        data = form.cleaned_data
        try:
            if step == "return":
                services.return_for_revision(actor=request.user, application_id=application.pk,
                                             reason=data["reason"], deadline=data["deadline"],
                                             confirmed=form.confirmed())
                messages.success(request, _("Der Antrag wurde zur Nachbesserung zurückgegeben."))
            else:
                services.decide_eligibility(actor=request.user, application_id=application.pk,
                                            eligible=step == "eligible", reason=data["reason"],
                                            confirmed=form.confirmed())
                messages.success(request, _("Das Ergebnis der Formalprüfung wurde gespeichert."))
        except ApplicationError as exc:
            if exc.field in ("reason", "deadline"):
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            return redirect("applications:detail", pk=application.pk)
    return _check_page(request, application, form, status=400)


@login_required
def formal_check_form(request, pk: int):
    if not is_case_worker(request.user):
        raise PermissionDenied
    application = selectors.application_detail(request.user, pk)
    if application.state != ApplicationState.IN_FORMAL_CHECK:
        messages.info(request, _("Dieser Antrag ist nicht in der Formalprüfung."))
        return redirect("applications:detail", pk=application.pk)
    return _check_page(request, application, _check_form(application))
