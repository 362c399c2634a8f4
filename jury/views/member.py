"""The jury member's pages: workspace, declaration of (no) conflict of interest, scoring."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.rules import is_jury_member, is_staff_member
from applications.enums import EVALUATION_STATES
from applications.financing import figures_for, plan_matrix
from applications.models import Application
from foundation.files import private_pdf_response
from foundation.forms import filter_context
from foundation.paging import paginate

from .. import selectors, services
from ..enums import Declaration, SheetState
from ..exceptions import JuryError
from ..forms import DeclarationForm, ScoreForm, WorkspaceFilterForm, add_jury_error, format_points

STATUS = {
    "closed": (gettext_lazy("Bewertung abgeschlossen"), "info"),
    "pending": (gettext_lazy("Erklärung ausstehend"), "warning"),
    "todo": (gettext_lazy("zu bewerten"), "info"),
    "draft": (gettext_lazy("Entwurf gespeichert"), "info"),
    "submitted": (gettext_lazy("abgegeben"), "success"),
}


def _sheet(assignment):
    """The assignment's score sheet, or None (the reverse one-to-one raises when there is none)."""
    return getattr(assignment, "sheet", None)


def _status(assignment) -> str:
    if assignment.declaration == Declaration.PENDING:
        return "pending"
    sheet = _sheet(assignment)
    if sheet is None:
        return "todo"
    return "submitted" if sheet.state == SheetState.SUBMITTED else "draft"


def _target(assignment) -> str:
    name = "jury:declare" if assignment.declaration == Declaration.PENDING else "jury:score"
    return redirect(name, app_id=assignment.application_id)


@login_required
def workspace(request):
    user = request.user
    staff = is_staff_member(user)
    if not (is_jury_member(user) or staff):
        raise PermissionDenied
    # One block per panel (a member sits on a few) with its counts, and one paginated list of everything
    # assigned to the member across them.
    calls, closed_panels = [], set()
    progress = selectors.member_progress(user)
    for panel in selectors.member_panels(user):
        closed = panel.closed_session_id is not None
        if closed:
            closed_panels.add(panel.pk)
        counts = progress.get(panel.pk, {"total": 0, "done": 0, "open": 0})
        calls.append({"panel": panel, "call": panel.call, "done": counts["done"], "open": counts["open"],
                      "total": counts["total"],
                      "closed": closed, "is_chair": panel.chair_id == user.pk})
    form = WorkspaceFilterForm(request.GET or None)
    page = paginate(request, selectors.member_workspace_rows(user, **form.filters()))
    items = []
    for assignment in page:
        status = _status(assignment)
        if assignment.member.panel_id in closed_panels and status != "submitted":
            status = "closed"  # the closed session froze the whole evaluation: nothing is open any more
        label, variant = STATUS[status]
        items.append({"assignment": assignment, "application": assignment.application, "status": status,
                      "call": assignment.member.panel.call, "label": label, "variant": variant})
    # Staff see every panel, to reach its management page (panels are set up in the admin): one per call,
    # a few calls a year, so the list is not paginated (and `seite` stays the member's list).
    staff_panels = selectors.visible_panels(user) if staff else None
    return render(request, "jury/workspace.html", {
        "calls": calls, "items": items, "page": page, "staff_panels": staff_panels,
        **filter_context(form, reverse("jury:workspace")),
        "may_manage": user.has_perm("jury.manage_panel")})


@login_required
def declare(request, app_id: int):
    try:
        assignment = selectors.assignment_for_declaration(request.user, app_id)
    except Http404:
        # Already declared: go on to the scores (404 there, too, when excluded or not assigned).
        assignment = selectors.assignment_for_scoring(request.user, app_id)
        return _target(assignment)
    if not assignment.assigned:
        raise Http404
    if services.closed_session(assignment.member.panel_id) is not None:
        messages.info(request, _("Die Jurysitzung ist geschlossen; die Bewertung dieses Aufrufs ist abgeschlossen."))
        return redirect("jury:workspace")
    application = assignment.application
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare(user=request.user, application_id=application.pk, conflict=form.conflict,
                             reason=form.cleaned_data["reason"])
        except JuryError as exc:
            add_jury_error(form, exc)
        else:
            if form.conflict:
                messages.info(request, _("Sie haben sich für den Antrag %(c)s für befangen erklärt und sind von "
                                         "seiner Bewertung ausgeschlossen.") % {"c": application.case_number})
                return redirect("jury:workspace")
            messages.success(request, _("Ihre Erklärung wurde gespeichert. Sie können den Antrag jetzt bewerten."))
            return redirect("jury:score", app_id=application.pk)
    return render(request, "jury/declare.html", {
        "assignment": assignment, "application": application, "partners": list(application.partners.all()),
        "form": form}, status=400 if request.method == "POST" else 200)


def _next_open(user, current):
    """The member's next assignment (in case-number order, wrapping) whose sheet is not submitted."""
    assignments = list(selectors.member_assignments(user, current.member.panel.call_id))
    index = next((i for i, a in enumerate(assignments) if a.pk == current.pk), -1)
    for assignment in assignments[index + 1:] + assignments[:max(index, 0)]:
        sheet = _sheet(assignment)
        if sheet is None or sheet.state != SheetState.SUBMITTED:
            return assignment
    return None


@login_required
def score(request, app_id: int):
    assignment = selectors.assignment_for_scoring(request.user, app_id)
    if assignment.declaration == Declaration.PENDING:
        return redirect("jury:declare", app_id=app_id)
    application = assignment.application
    sheet = _sheet(assignment)
    criteria = list(assignment.member.panel.call.program.criteria.order_by("order", "pk"))
    scores = {s.criterion_id: s for s in sheet.scores.all()} if sheet else {}
    form = ScoreForm(request.POST if request.method == "POST" else None, criteria=criteria, scores=scores)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_scores(user=request.user, application_id=application.pk, values=form.values(),
                                 submit=form.action == ScoreForm.SUBMIT)
        except JuryError as exc:
            add_jury_error(form, exc)
        else:
            if form.action == ScoreForm.SUBMIT:
                messages.success(request, _("Ihre Bewertung ist abgegeben."))
                return redirect("jury:score", app_id=application.pk)
            messages.success(request, _("Ihr Entwurf wurde gespeichert."))
            if form.action == ScoreForm.NEXT:
                following = _next_open(request.user, assignment)
                if following is None:
                    messages.info(request, _("Es gibt keinen weiteren offenen Antrag."))
                    return redirect("jury:workspace")
                return _target(following)
            return redirect("jury:score", app_id=application.pk)
    closed = services.closed_session(assignment.member.panel_id) is not None
    frozen = closed or (sheet is not None and (sheet.state == SheetState.SUBMITTED or sheet.final))
    rows = []
    for criterion, value_field, comment_field in form.rows():
        saved = scores.get(criterion.pk)
        rows.append({"criterion": criterion, "value_field": value_field, "comment_field": comment_field,
                     "saved": saved, "points": format_points(saved.value) if saved else "",
                     "needs_comment": saved is not None and services.needs_comment(saved.value, criterion)
                     and not saved.comment})
    cost_lines = list(application.cost_lines.all())
    return render(request, "jury/score.html", {
        "assignment": assignment, "application": application, "sheet": sheet, "frozen": frozen, "closed": closed,
        "form": form,
        "rows": rows, "figures": figures_for(application), "partners": list(application.partners.all()),
        "topics": list(application.topics.all()), "plan": plan_matrix(cost_lines), "cost_lines": cost_lines,
        "third_party": list(application.third_party.all()),
        "attachments": list(application.attachments.all())
        if request.user.has_perm("jury.view_application_documents", application) else []},
        status=400 if request.method == "POST" else 200)


@login_required
def attachment(request, app_id: int, attachment_id: int):
    """An attachment of an application, for the members assigned to score it (`jury.view_application_documents`);
    404 for excluded members, members not assigned, members of other panels and everyone else."""
    application = get_object_or_404(Application, pk=app_id, state__in=EVALUATION_STATES)
    if not request.user.has_perm("jury.view_application_documents", application):
        raise Http404
    document = get_object_or_404(application.attachments, pk=attachment_id)
    return private_pdf_response(document.file, document.original_name)


@login_required
def sheets(request, app_id: int):
    """Everyone's sheets of one application (`jury.view_scores_of_application`: the ministry, and the chair
    once declared free of conflict with their own sheet submitted); 404 for anyone else."""
    application = get_object_or_404(Application.objects.select_related("lead"), pk=app_id,
                                    state__in=EVALUATION_STATES)
    sheets = list(selectors.sheets_visible_to(request.user, application))
    criteria = list(application.call.program.criteria.order_by("order", "pk"))
    rows = [{"sheet": sheet, "scores": [next((s for s in sheet.scores.all() if s.criterion_id == c.pk), None)
                                         for c in criteria]} for sheet in sheets]
    return render(request, "jury/sheets.html", {"application": application, "criteria": criteria, "rows": rows})
