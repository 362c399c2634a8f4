"""The missing grant notices of a call at once (payments.services.notice_runs): a confirmation page, then the
run's page, which refreshes its progress every 2 seconds (htmx) until every notice is stored."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from foundation.permissions import require_perm
from grants.models import Call

from ..exceptions import PaymentsError
from ..selectors import notice_runs as selectors
from ..services import notice_runs as services


@login_required
def start(request, call_pk: int):
    """GET: what would be made, with the confirmation button; POST: start (or show the run still going)."""
    require_perm(request, "payments.render_notices")
    call = get_object_or_404(Call.objects.select_related("program"), pk=call_pk)
    if request.method == "POST":
        try:
            run = services.start_notice_run(actor=request.user, call_id=call.pk)
        except PaymentsError as exc:
            messages.error(request, exc.message)
            return redirect("payments:notice-run-start", call_pk=call.pk)
        return redirect("payments:notice-run", pk=run.pk)
    latest = selectors.notice_runs_of(call.pk).first()
    return render(request, "payments/decisions/notice_run_start.html", {
        "call": call, "waiting": selectors.grants_awaiting_notice(call.pk).count(),
        "latest": latest, "latest_progress": selectors.progress(latest) if latest else None})


@login_required
def detail(request, pk: int):
    require_perm(request, "payments.render_notices")
    run = selectors.notice_run(pk)
    template = "payments/decisions/_notice_run_progress.html" if request.htmx else "payments/decisions/notice_run.html"
    return render(request, template, {"run": run, "progress": selectors.progress(run)})


urlpatterns = [
    path("bewilligung/aufrufe/<int:call_pk>/bescheide-erstellen/", start, name="notice-run-start"),
    path("bewilligung/bescheiderstellung/<int:pk>/", detail, name="notice-run"),
]
