"""The ministry's money dashboard: per call and per program, cases needing action, exports.

Staff only (accounts.rules.is_staff_member); anyone else gets 403, like the other staff pages.
Everything is read through payments.selectors.dashboard in a constant number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, re_path
from django.utils.translation import gettext_lazy as _

from foundation.params import id_or_404
from foundation.permissions import require_perm
from grants.models import Call

from .. import exports
from ..selectors import dashboard as selectors

EXPORT_KINDS = (("grants", _("Zuwendungen")), ("payments", _("Auszahlungen")), ("recoveries", _("Rückforderungen")))


def export_scope(params) -> tuple:
    """(calls, filename suffix) from ?call=ID or ?program=ID; a bad or unknown id gives 404."""
    if params.get("call"):
        call = selectors.call_for_dashboard(id_or_404(params["call"]))
        return Call.objects.filter(pk=call.pk), f"-Aufruf-{call.pk}"
    if params.get("program"):
        program = selectors.program_for_dashboard(id_or_404(params["program"]))
        return Call.objects.filter(program=program), f"-Programm-{program.pk}"
    return Call.objects.all(), ""


@login_required
def index(request):
    require_perm(request, "payments.view_dashboard")
    calls = list(selectors.dashboard_calls())
    programs = {}
    for call in calls:
        programs.setdefault(call.program, []).append(selectors.CallRow(
            call=call, budget=call.total_budget, committed=call.committed, paid=call.paid_sum,
            recovered=call.recovered_sum))
    return render(request, "payments/dashboard/index.html", {
        "programs": list(programs.items()),
        "export_kinds": EXPORT_KINDS,
        "n_actions": sum(len(g.items) for g in selectors.cases_needing_action(calls=Call.objects.all())),
    })


@login_required
def call_dashboard(request, call_pk: int):
    require_perm(request, "payments.view_dashboard")
    call = selectors.call_for_dashboard(call_pk)
    calls = Call.objects.filter(pk=call.pk)
    return render(request, "payments/dashboard/overview.html", {
        "call": call, "program": call.program, "overview": selectors.money_overview(calls=calls),
        "actions": selectors.cases_needing_action(calls=calls), "scope": f"call={call.pk}",
        "export_kinds": EXPORT_KINDS,
    })


@login_required
def program_dashboard(request, program_pk: int):
    require_perm(request, "payments.view_dashboard")
    program = selectors.program_for_dashboard(program_pk)
    calls = Call.objects.filter(program=program)
    return render(request, "payments/dashboard/overview.html", {
        "program": program, "overview": selectors.money_overview(calls=calls, per_call=True),
        "actions": selectors.cases_needing_action(calls=calls), "scope": f"program={program.pk}",
        "export_kinds": EXPORT_KINDS,
    })


@login_required
def needing_action(request):
    """All cases needing action, or with ?kind=… only that kind (the start page's counts link here)."""
    require_perm(request, "payments.view_dashboard")
    kind = request.GET.get("kind", "")
    labels = dict(selectors.ALL_ACTION_KINDS)
    if kind and kind not in labels:
        raise Http404("unknown kind")
    return render(request, "payments/dashboard/actions.html", {
        "actions": selectors.cases_needing_action(calls=Call.objects.all(), kinds=(kind,) if kind else None),
        "kind_label": labels.get(kind, "")})


@login_required
def export(request, kind: str, fmt: str):
    require_perm(request, "payments.view_dashboard")
    calls, suffix = export_scope(request.GET)
    return exports.response(kind, fmt, calls, suffix=suffix)


urlpatterns = [
    path("uebersicht/", index, name="dashboard"),
    path("uebersicht/aufrufe/<int:call_pk>/", call_dashboard, name="dashboard-call"),
    path("uebersicht/programme/<int:program_pk>/", program_dashboard, name="dashboard-program"),
    path("uebersicht/handlungsbedarf/", needing_action, name="dashboard-actions"),
    re_path(r"^uebersicht/export/(?P<kind>grants|payments|recoveries)\.(?P<fmt>csv|xlsx)$", export,
            name="dashboard-export"),
]
