"""The jury session: opening, the chair's decisions, closing, and the documents of closed sessions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.forms import CaseSearchForm
from applications.models import Application
from foundation.files import private_file_response
from foundation.forms import filter_context
from foundation.paging import paginate
from foundation.params import SEARCH_MAX_LENGTH

from .. import selectors, services
from ..documents import CONTENT_TYPES
from ..enums import DecisionOutcome, SessionState
from ..exceptions import JuryError
from ..forms import CloseSessionForm, DecisionForm, OpenSessionForm, add_jury_error
from ..models import Session, SessionDocument
from .ranking import summary, visible_ranking


def _decision_form(application_id: int, decision=None, computed: str = "", data=None) -> DecisionForm:
    initial = {"outcome": decision.outcome if decision else computed,
               "justification": decision.justification if decision else ""}
    return DecisionForm(data, prefix=f"d{application_id}", initial=initial)


@login_required
def session(request, call_id: int):
    panel = selectors.panel_for_call(call_id)
    user = request.user
    if not user.has_perm("jury.view_ranking", panel):
        raise PermissionDenied
    sessions = list(panel.sessions.select_related("closed_by").prefetch_related("documents").order_by("-opened_at"))
    current = next((s for s in sessions if s.state == SessionState.OPEN), None)
    chair = user.has_perm("jury.close_session", panel)
    closed = [s for s in sessions if s.state == SessionState.CLOSED]
    context = {"panel": panel, "call": panel.call, "current": current, "chair": chair, "closed": closed,
               "may_open": current is None and not closed and user.has_perm("jury.open_session", panel),
               "may_download": user.has_perm("jury.download_session_documents", panel),
               "workload": selectors.workload(panel) if user.has_perm("jury.view_workload", panel) else None,
               "open_form": OpenSessionForm(initial={"held_on": timezone.localdate()}),
               "outcome_labels": dict(DecisionOutcome.choices)}
    if current is not None:
        result = visible_ranking(request, panel)
        form = CaseSearchForm(request.GET or None)
        # one page of the list (or of what the search finds), with the decisions recorded for its applications (one
        # form per row of the page, which returns here: same page, same search)
        page = paginate(request, selectors.find_in_ranking(result.rows, call_id=call_id, text=form.text))
        context.update(back=_back_query(request.GET), **filter_context(form, reverse("jury:session", args=[call_id])))
        decisions = {d.application_id: d for d in current.decisions.filter(
            application_id__in=[r.application.pk for r in page])}
        context["result"] = result
        context["summary"] = summary(result)
        context["page"] = page
        context["rows"] = [{"row": r, "decision": decisions.get(r.application.pk),
                            "form": _decision_form(r.application.pk, decisions.get(r.application.pk), r.outcome)
                            if user.has_perm("jury.record_decision", r.application) else None}
                           for r in page]
    return render(request, "jury/session.html", context)


@login_required
@require_POST
def open_session(request, call_id: int):
    panel = selectors.panel_for_call(call_id)
    if not request.user.has_perm("jury.open_session", panel):
        raise PermissionDenied
    form = OpenSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie den Sitzungstag als gültiges Datum an."))
    else:
        try:
            services.open_session(actor=request.user, panel=panel, held_on=form.cleaned_data["held_on"])
        except JuryError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Die Jurysitzung ist eröffnet."))
    return redirect("jury:session", call_id=call_id)


def _chairs_session(request, session_id: int) -> Session:
    session = get_object_or_404(Session.objects.select_related("panel__call"), pk=session_id)
    if not request.user.has_perm("jury.close_session", session.panel):
        raise PermissionDenied
    return session


@login_required
@require_POST
def decide(request, session_id: int, app_id: int):
    session = get_object_or_404(Session.objects.select_related("panel__call"), pk=session_id)
    application = Application.objects.filter(pk=app_id, call_id=session.panel.call_id).first()
    if application is None:
        raise Http404
    if not request.user.has_perm("jury.record_decision", application):
        # An excluded chair must not even learn the application's place: 404 like every door.
        if request.user.has_perm("jury.close_session", session.panel):
            raise Http404
        raise PermissionDenied
    case_number = application.case_number
    form = _decision_form(app_id, data=request.POST)
    decision, error = None, None
    if form.is_valid():
        try:
            decision = services.record_decision(
                actor=request.user, session_id=session.pk, application_id=app_id,
                outcome=form.cleaned_data["outcome"], justification=form.cleaned_data["justification"])
        except JuryError as exc:
            add_jury_error(form, exc)
            error = exc.message
    else:
        error = _("Bitte wählen Sie eine Entscheidung.")
    if request.headers.get("HX-Request"):
        return render(request, "jury/_decision.html", {
            "session": session, "application_id": app_id, "case_number": case_number, "form": form,
            "decision": decision, "outcome_labels": dict(DecisionOutcome.choices), "back": _back_query(request.POST)})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Die Entscheidung wurde festgehalten."))
    back = _back_query(request.POST)
    return redirect(reverse("jury:session", args=[session.panel.call_id]) + (f"?{back}" if back else "")
                    + f"#decision-{app_id}")


def _back_query(params) -> str:
    """The page and search of the session's list a decision form was sent from (``zurueck``, sent with each form;
    on the page itself, the request's own), checked: a page number and a search text of allowed length, nothing
    else, so that a form without JavaScript returns to the row it was sent from."""
    back = QueryDict(params.get("zurueck", "")) if "zurueck" in params else params
    kept = {}
    if back.get("seite", "").isdigit() and len(back["seite"]) <= 6:
        kept["seite"] = back["seite"]
    if back.get("q") and len(back["q"]) <= SEARCH_MAX_LENGTH:
        kept["q"] = back["q"]
    return urlencode(kept)


@login_required
def close(request, session_id: int):
    session = _chairs_session(request, session_id)
    if session.state != SessionState.OPEN:
        messages.info(request, _("Die Sitzung ist bereits geschlossen."))
        return redirect("jury:session", call_id=session.panel.call_id)
    form = CloseSessionForm(request.POST if request.method == "POST" else None, initial={"notes": session.notes})
    if request.method == "POST" and form.is_valid():
        try:
            services.close_session(actor=request.user, session_id=session.pk, notes=form.cleaned_data["notes"])
        except JuryError as exc:
            add_jury_error(form, exc)
        else:
            messages.success(request, _("Die Sitzung ist geschlossen. Die Rangliste und das Protokoll werden "
                                        "erstellt und erscheinen unten zum Herunterladen."))
            return redirect("jury:session", call_id=session.panel.call_id)
    return render(request, "jury/session_close.html", {
        "session": session, "panel": session.panel, "call": session.panel.call, "form": form,
        "n_decisions": session.decisions.count()}, status=400 if request.method == "POST" else 200)




@login_required
def document(request, document_id: int):
    doc = get_object_or_404(SessionDocument.objects.select_related("session__panel__call"), pk=document_id)
    if not request.user.has_perm("jury.download_session_documents", doc.session):
        raise PermissionDenied
    return private_file_response(doc.file, doc.download_name, content_type=CONTENT_TYPES[doc.extension])
