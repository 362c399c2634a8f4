"""The ranking list of a call: live, what-if (staff only, nothing saved) and downloads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from applications.forms import CaseSearchForm
from downloads.views import request_and_show
from foundation.exports import download
from foundation.forms import filter_context
from foundation.paging import page_number_of, paginate

from .. import documents, selectors
from ..enums import DecisionOutcome
from ..forms import WhatIfForm


def visible_ranking(request, panel, *, budget=None):
    """The list as this user may see it (`jury.view_ranking`): the recorded result once the session is
    closed; rows the user may not see (`jury.view_ranking_row`) are left out."""
    if not request.user.has_perm("jury.view_ranking", panel):
        raise PermissionDenied
    return selectors.result_for(panel=panel, viewer=request.user, budget=budget)


def summary(result) -> dict:
    """Budget left in total and per budget year after the recommended applications."""
    last = next((r for r in reversed(result.rows) if r.position is not None), None)
    years_left = last.years_left if last is not None else dict(result.year_budgets)
    return {"left": result.budget - result.committed,
            "years": [(year, amount, years_left.get(year, amount))
                      for year, amount in sorted(result.year_budgets.items())]}


@login_required
def ranking(request, call_id: int):
    panel = selectors.panel_for_call(call_id)
    staff = request.user.has_perm("jury.calculate_what_if", panel)
    what_if_form = None
    budget = None
    if staff:
        what_if_form = WhatIfForm(request.GET if "budget" in request.GET else None)
        if what_if_form.is_bound and what_if_form.is_valid():
            budget = what_if_form.cleaned_data["budget"]
    result = visible_ranking(request, panel, budget=budget)
    form = CaseSearchForm(request.GET or None)
    # One page of rows (with a search, of the rows it finds, each keeping its place); the budget line is named
    # above the list with the page of the whole list it falls on, and marked below its row.
    page = paginate(request, selectors.find_in_ranking(result.rows, call_id=panel.call_id, text=form.text))
    cutoff = result.cutoff_index
    return render(request, "jury/ranking.html", {
        "panel": panel, "call": panel.call, "result": result, "summary": summary(result), "page": page,
        "cutoff_row": result.rows[cutoff] if cutoff is not None else None,
        "cutoff_page": page_number_of(cutoff, per_page=page.paginator.per_page) if cutoff is not None else None,
        "what_if_form": what_if_form, "staff": staff, "outcome_labels": dict(DecisionOutcome.choices),
        **filter_context(form, reverse("jury:ranking", args=[call_id]),
                         budget=request.GET.get("budget", "") if budget is not None else "")})


@login_required
def ranking_csv(request, call_id: int):
    """The current list as CSV, streamed row by row from the (cached) ranking."""
    panel = selectors.panel_for_call(call_id)
    rows = visible_ranking(request, panel).rows  # the permission is asked before the answer starts
    return download("csv", filename=f"Rangliste-Aufruf-{panel.call_id}", columns=documents.ranking_columns(),
                    rows=rows)


def _request_document(request, call_id: int, kind: str):
    """The live list as a document made in the background (jury.downloads): requested here, fetched from
    „Meine Dokumente“ when ready; who may have it is the maker's permission (request_download)."""
    panel = selectors.panel_for_call(call_id)
    return request_and_show(request, kind=kind, params={"call_id": panel.call_id},
                            back=reverse("jury:ranking", args=[call_id]))


@login_required
@require_POST
def ranking_xlsx(request, call_id: int):
    return _request_document(request, call_id, "jury.ranking_xlsx")


@login_required
@require_POST
def ranking_pdf(request, call_id: int):
    return _request_document(request, call_id, "jury.ranking_pdf")
