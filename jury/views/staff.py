"""The case workers' page of a call's jury: workload, assignments, exclusions, reopening."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from applications.enums import ApplicationState
from applications.models import Application
from foundation.amounts import format_decimal
from foundation.paging import paginate

from .. import domain, selectors, services
from ..enums import SheetState
from ..exceptions import JuryError
from ..forms import AssignForm, AutoAssignForm, PanelFilterForm, ReopenForm
from ..models import Assignment, ScoreSheet


def _panel(request, call_id: int, *, manage: bool = False):
    panel = selectors.panel_for_call(call_id)
    if not request.user.has_perm("jury.manage_panel" if manage else "jury.view_panel", panel):
        raise PermissionDenied
    return panel


def _assign_form(panel, data=None, *, shown_members=None):
    """The single assignment; `shown_members` (the page's members, already read) writes the member select
    without reading the members again. What is sent is checked against the panel's members."""
    form = AssignForm(
        data, members=panel.members.select_related("user").order_by("user__last_name", "user__email"),
        applications=Application.objects.filter(call_id=panel.call_id, state=ApplicationState.IN_EVALUATION))
    if shown_members is not None:
        field = form.fields["member"]
        field.choices = [("", field.empty_label), *((m.pk, field.label_from_instance(m)) for m in shown_members)]
    return form


# What the page's links and forms carry back after an action: the page of the list and its filters.
BACK = ("seite", "q", "mitglied")


def _back(request, call_id: int):
    """The panel page as the case worker left it (the list's page and filters travel as hidden fields)."""
    query = QueryDict(mutable=True)
    for key in BACK:
        value = request.POST.get(key, "")
        if value and len(value) <= 200:
            query[key] = value
    url = reverse("jury:panel", kwargs={"call_id": call_id})
    return redirect(f"{url}?{query.urlencode()}" if query else url)


@login_required
def panel(request, call_id: int):
    """Workload per member (one row per member of the panel), and the applications with their assignments
    and exclusions one page at a time, searchable and filtered to one member. The page has one form for
    its row actions (unassign, reopen with the one reason field), not one per sheet."""
    panel = _panel(request, call_id)
    members = list(selectors.workload(panel))
    for member in members:
        member.n_open = member.n_assigned - member.n_done
    filters = PanelFilterForm(request.GET or None, members=members)
    search, member_id = "", None
    if filters.is_valid():
        search, member_id = filters.cleaned_data["q"].strip(), filters.cleaned_data["mitglied"]
    page = paginate(request, selectors.panel_applications(panel, search=search, member_id=member_id))
    applications = []
    for application in page:
        assigned, excluded = [], []
        for row in application.panel_rows:
            sheet = getattr(row, "sheet", None)
            if row.excluded:
                excluded.append(row)
            elif row.assigned:
                assigned.append({"assignment": row, "sheet": sheet, "name": row.member.user.display_name,
                                 "submitted": sheet is not None and sheet.state == SheetState.SUBMITTED})
        applications.append({"application": application, "assigned": assigned, "excluded": excluded,
                             "short": application.state == ApplicationState.IN_EVALUATION
                             and domain.too_few_scorers(panel, len(assigned))})
    n_eligible = Application.objects.filter(call_id=panel.call_id, state=ApplicationState.ELIGIBLE).count()
    return render(request, "jury/panel.html", {
        "panel": panel, "call": panel.call, "members": members, "applications": applications, "page": page,
        "filters": filters, "back": {key: request.GET.get(key, "") for key in BACK},
        "may_manage": request.user.has_perm("jury.manage_panel", panel),
        "assign_form": _assign_form(panel, shown_members=members), "reopen_form": ReopenForm(),
        "auto_form": AutoAssignForm(initial={"per_application": panel.min_scorers}), "n_eligible": n_eligible})


@login_required
@require_POST
def start(request, call_id: int):
    panel = _panel(request, call_id, manage=True)
    try:
        n = services.start_evaluation(actor=request.user, panel=panel)
    except JuryError as exc:
        messages.error(request, exc.message)
    else:
        if n:
            messages.success(request, ngettext("%(n)s Antrag ist jetzt in der Bewertung der Jury.",
                                               "%(n)s Anträge sind jetzt in der Bewertung der Jury.", n)
                             % {"n": format_decimal(n, 0)})
        else:
            messages.info(request, _("Es gibt keine formal zulässigen Anträge, die noch nicht in der Bewertung sind."))
    return redirect("jury:panel", call_id=call_id)


@login_required
@require_POST
def auto_assign(request, call_id: int):
    panel = _panel(request, call_id, manage=True)
    form = AutoAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie eine Zahl zwischen 1 und 50 an."))
        return redirect("jury:panel", call_id=call_id)
    try:
        summary = services.auto_assign(actor=request.user, panel=panel,
                                       per_application=form.cleaned_data["per_application"])
    except JuryError as exc:
        messages.error(request, exc.message)
        return redirect("jury:panel", call_id=call_id)
    created = summary["created"]
    messages.success(request, ngettext("%(n)s Zuweisung angelegt.", "%(n)s Zuweisungen angelegt.", created)
                     % {"n": format_decimal(created, 0)})
    if summary["short"]:
        short = Application.objects.filter(pk__in=summary["short"]).order_by("case_number")
        messages.warning(request, _("Zu wenige mögliche Bewertende (ohne Befangene) für: %(list)s. Bitte nehmen "
                                    "Sie weitere Mitglieder in die Jury auf.")
                         % {"list": "; ".join(f"{a.case_number} {a.title}" for a in short)})
    return redirect("jury:panel", call_id=call_id)


@login_required
@require_POST
def assign(request, call_id: int):
    panel = _panel(request, call_id, manage=True)
    form = _assign_form(panel, request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie ein Mitglied dieser Jury und geben Sie das Aktenzeichen eines "
                                  "Antrags in der Bewertung an."))
        return _back(request, call_id)
    member, application = form.cleaned_data["member"], form.cleaned_data["application"]
    try:
        services.assign(actor=request.user, member=member, application_id=application.pk)
    except JuryError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(m)s bewertet jetzt %(c)s.")
                         % {"m": member.user.display_name, "c": application.case_number})
    return _back(request, call_id)


@login_required
@require_POST
def unassign(request, call_id: int, assignment_id: int):
    panel = _panel(request, call_id, manage=True)
    assignment = get_object_or_404(Assignment, pk=assignment_id, member__panel=panel)
    try:
        services.unassign(actor=request.user, assignment_id=assignment.pk)
    except JuryError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Zuweisung wurde aufgehoben."))
    return _back(request, call_id)


@login_required
@require_POST
def reopen(request, call_id: int, sheet_id: int):
    panel = _panel(request, call_id, manage=True)
    sheet = get_object_or_404(ScoreSheet, pk=sheet_id, assignment__member__panel=panel)
    form = ReopenForm(request.POST)
    form.is_valid()
    try:
        services.reopen_scores(actor=request.user, sheet_id=sheet.pk, reason=form.cleaned_data.get("reason", ""))
    except JuryError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Bewertung wurde wieder geöffnet; das Mitglied kann sie überarbeiten."))
    return _back(request, call_id)
