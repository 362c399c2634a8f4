"""The ministry's workspace for the formal check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.enums import MunicipalityKind
from accounts.models import Municipality
from accounts.rules import is_case_worker
from foundation.exports import download
from foundation.permissions import require_perm
from grants.models import Call
from grants.selectors import calls_for_staff

from .. import selectors, services
from ..enums import ApplicationState
from ..exceptions import ApplicationError
from ..exports import CALL_APPLICATIONS
from ..forms import ReasonForm, ReturnForm, StaffFilterForm


@login_required
def call_list(request):
    require_perm(request, "accounts.view_staff_area")
    return render(request, "applications/staff/calls.html", {"calls": calls_for_staff()})


def _filter_form(request, call):
    form = StaffFilterForm(request.GET or None)
    form.fields["state"].choices = [("", _("alle"))] + [
        c for c in ApplicationState.choices if c[0] != ApplicationState.DRAFT]
    form.fields["topic"].choices = [("", _("alle"))] + [(str(t.pk), str(t)) for t in call.program.topics.all()]
    form.fields["landkreis"].choices = [("", _("alle"))] + [
        (str(m.pk), m.name) for m in Municipality.objects.filter(
            kind__in=[MunicipalityKind.LANDKREIS, MunicipalityKind.KREISFREIE_STADT]).order_by("name")]
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters


@login_required
def call_applications(request, call_pk: int):
    require_perm(request, "accounts.view_staff_area")
    call = get_object_or_404(Call.objects.select_related("program"), pk=call_pk)
    form, filters = _filter_form(request, call)
    qs = selectors.staff_applications(call_id=call.pk, **filters)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
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


@login_required
@require_POST
def formal_check(request, pk: int, step: str):
    if not is_case_worker(request.user):
        raise PermissionDenied
    application = selectors.application_detail(request.user, pk)
    try:
        if step == "start":
            services.start_formal_check(actor=request.user, application_id=application.pk)
            messages.success(request, _("Die Formalprüfung wurde begonnen."))
        elif step == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Bitte geben Sie an, was nachzubessern ist, und eine gültige Frist."))
            services.return_for_revision(actor=request.user, application_id=application.pk,
                                         reason=form.cleaned_data["reason"], deadline=form.cleaned_data["deadline"])
            messages.success(request, _("Der Antrag wurde zur Nachbesserung zurückgegeben."))
        elif step in ("eligible", "ineligible"):
            form = ReasonForm(request.POST)
            form.is_valid()
            services.decide_eligibility(actor=request.user, application_id=application.pk,
                                        eligible=step == "eligible", reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("Das Ergebnis der Formalprüfung wurde gespeichert."))
        else:
            raise PermissionDenied
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("applications:detail", pk=application.pk)


@login_required
def formal_check_form(request, pk: int):
    if not is_case_worker(request.user):
        raise PermissionDenied
    application = selectors.application_detail(request.user, pk)
    if application.state != ApplicationState.IN_FORMAL_CHECK:
        messages.info(request, _("Dieser Antrag ist nicht in der Formalprüfung."))
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/staff/formal_check.html", {
        "application": application, "return_form": ReturnForm(auto_id="return-%s"),
        "reason_form": ReasonForm(auto_id="eligible-%s")})
