"""The ministry's money dashboard: per call and per program, cases needing action, exports.

Staff only (accounts.rules.is_staff_member); anyone else gets 403, like the other staff pages.
Everything is read through payments.selectors.dashboard in a constant number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from downloads.views import request_and_show
from foundation.permissions import require_perm
from grants.models import Call

from .. import exports
from ..exports import export_scope
from ..selectors import dashboard as selectors

EXPORT_KINDS = (("grants", _("Zuwendungen")), ("payments", _("Auszahlungen")), ("recoveries", _("Rückforderungen")))


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
def export(request, kind: str):
    """CSV, streamed row by row."""
    require_perm(request, "payments.view_dashboard")
    calls, suffix = export_scope(request.GET)
    return exports.response(kind, "csv", calls, suffix=suffix)


@login_required
@require_POST
def export_xlsx(request, kind: str):
    """The workbook is made in the background (payments.downloads): requested here, fetched when ready."""
    require_perm(request, "payments.view_dashboard")
    export_scope(request.GET)  # the scope is in the form's action (?call=ID); an unknown one is a 404 here
    params = {"kind": kind, **{k: request.GET[k] for k in ("call", "program") if request.GET.get(k)}}
    return request_and_show(request, kind="payments.dashboard_xlsx", params=params, back=reverse("payments:dashboard"))


urlpatterns = [
    path("uebersicht/", index, name="dashboard"),
    path("uebersicht/aufrufe/<int:call_pk>/", call_dashboard, name="dashboard-call"),
    path("uebersicht/programme/<int:program_pk>/", program_dashboard, name="dashboard-program"),
    path("uebersicht/handlungsbedarf/", needing_action, name="dashboard-actions"),
    re_path(r"^uebersicht/export/(?P<kind>grants|payments|recoveries)\.csv$", export, name="dashboard-export"),
    re_path(r"^uebersicht/export/(?P<kind>grants|payments|recoveries)\.xlsx$", export_xlsx,
            name="dashboard-export-xlsx"),
]
