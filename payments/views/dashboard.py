"""The ministry's money dashboard: per call and per program, cases needing action, exports.

Staff only (accounts.rules.is_staff_member); anyone else gets 403, like the other staff pages.
Everything is read through payments.selectors.dashboard in a constant number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, re_path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from downloads.views import request_and_show
from foundation.paging import paginate
from foundation.permissions import require_perm
from grants.models import Call

from .. import exports
from ..exports import export_scope
from ..selectors import dashboard as selectors


def _windowed(groups, *, page=None) -> list[dict]:
    """Each group with its count and the rows shown: the oldest few (selectors.WINDOW), or (one kind asked for)
    one page."""
    return [{"kind": g.kind, "label": g.label, "count": page.paginator.count if page is not None else g.count,
             "page": page, "shown": page.object_list if page is not None else g.items,
             "more": page is None and g.count > len(g.items)} for g in groups]


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
        "n_actions": sum(g.count for g in selectors.cases_needing_action(calls=Call.objects.all())),
    })


@login_required
def call_dashboard(request, call_pk: int):
    require_perm(request, "payments.view_dashboard")
    call = selectors.call_for_dashboard(call_pk)
    calls = Call.objects.filter(pk=call.pk)
    return render(request, "payments/dashboard/overview.html", {
        "call": call, "program": call.program, "overview": selectors.money_overview(calls=calls),
        "actions": _windowed(selectors.cases_needing_action(calls=calls)), "scope": f"call={call.pk}",
        "export_kinds": EXPORT_KINDS,
    })


@login_required
def program_dashboard(request, program_pk: int):
    require_perm(request, "payments.view_dashboard")
    program = selectors.program_for_dashboard(program_pk)
    calls = Call.objects.filter(program=program)
    return render(request, "payments/dashboard/overview.html", {
        "program": program, "overview": selectors.money_overview(calls=calls, per_call=True),
        "actions": _windowed(selectors.cases_needing_action(calls=calls)), "scope": f"program={program.pk}",
        "export_kinds": EXPORT_KINDS,
    })


@login_required
def needing_action(request):
    """All cases needing action: per kind its count and the oldest few; with ?kind=… that kind, one page at a
    time (the start page's counts link here). ?call=ID or ?program=ID keeps to a call's or program's cases
    (the dashboards of a call and a program link here)."""
    require_perm(request, "payments.view_dashboard")
    kind = request.GET.get("kind", "")
    labels = dict(selectors.ALL_ACTION_KINDS)
    if kind and kind not in labels:
        raise Http404("unknown kind")
    calls, _suffix = export_scope(request.GET)
    if kind:  # that kind, one page at a time: only the page's rows are read
        page = paginate(request, selectors.case_rows(calls=calls, kind=kind))
        page.object_list = selectors.action_items(kind, page.object_list)
        groups = [selectors.ActionGroup(kind=kind, label=str(labels[kind]), items=page.object_list)]
    else:
        page, groups = None, selectors.cases_needing_action(calls=calls)
    scope = urlencode({key: request.GET[key] for key in ("call", "program") if request.GET.get(key)})
    return render(request, "payments/dashboard/actions.html", {
        "actions": _windowed(groups, page=page), "kind_label": labels.get(kind, ""), "scope": scope})


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
