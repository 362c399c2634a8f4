"""The notices (Bescheide) as PDF: grant notice, amendment notice and rejection notice.

Each notice is rendered from one dict of figures; the same dict (made JSON-safe) is stored with the
notice, so the stored figures are exactly the figures the document shows. WeasyPrint is imported
lazily (foundation.pdf.render_pdf); the text is German whatever the active language.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation

from applications.models import CostLine
from foundation.amounts import ZERO
from foundation.pdf import court_for, recipient, render_pdf, sender

from .enums import ProofKind
from .models import Decision, Grant
from .schedule import proof_due_dates, today

GENERAL_CONDITIONS = "ANBest-GK"


def jsonable(value):
    """Decimals and dates as strings, recursively: what Notice.figures stores."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _letter(application, case_worker) -> dict:
    """Sender, recipient (the lead municipality's postal address) and competent court: settings, not templates."""
    name = case_worker.display_name if case_worker is not None else ""
    the_sender = sender(case_worker=name)
    return {"authority": the_sender["authority"], "sender": the_sender, "recipient": recipient(application.lead),
            "court": court_for(application.lead.official_key)}


def _proofs(grant: Grant) -> list[dict]:
    return [{"kind": kind, "label": "Verwendungsnachweis" if kind == ProofKind.FINAL else "Zwischennachweis",
             "year": year, "due_on": due_on}
            for kind, year, due_on in proof_due_dates(
                project_start=grant.project_start, project_end=grant.project_end,
                interim_months=grant.interim_proof_months, final_months=grant.final_proof_months)]


def _plan(grant: Grant) -> tuple[list[dict], list[dict]]:
    lines = list(grant.application.cost_lines.all())  # in plan order (_load)
    commitments = {c.year: c.amount for c in grant.commitments.all()}
    years = sorted({line.budget_year for line in lines} | set(commitments))
    by_year = []
    for year in years:
        year_lines = [line for line in lines if line.budget_year == year]
        by_year.append({
            "year": year,
            "total": sum((line.amount for line in year_lines), ZERO),
            "eligible": sum((line.amount for line in year_lines if line.eligible), ZERO),
            "grant": commitments.get(year, ZERO),
        })
    cost_lines = [{"year": line.budget_year, "category": str(line.get_category_display()),
                   "description": line.description, "amount": line.amount, "eligible": line.eligible}
                  for line in lines]
    return by_year, cost_lines


def _grant_figures(grant: Grant, issued_on: dt.date) -> dict:
    application = grant.application
    program = grant.call.program
    by_year, cost_lines = _plan(grant)
    return {
        "case_number": application.case_number,
        "issued_on": issued_on,
        **_letter(application, grant.decision.prepared_by if grant.decision_id else None),
        "program": program.name,
        "legal_basis": program.legal_basis,
        "applied_on": timezone.localdate(application.submitted_at) if application.submitted_at else None,
        "title": application.title,
        "summary": application.summary,
        "funding_type": "Anteilfinanzierung",
        "funding_rate": grant.funding_rate,
        "eligible_costs": grant.eligible_costs,
        "amount": grant.amount,
        "project_start": grant.project_start,
        "project_end": grant.project_end,
        "years": by_year,
        "cost_lines": cost_lines,
        "grant_total": sum((row["grant"] for row in by_year), ZERO),
        "general_conditions": GENERAL_CONDITIONS,
        "general_conditions_edition": grant.general_conditions_edition,
        "disbursement_window_months": grant.disbursement_window_months,
        "retained_amount": grant.retained_amount,
        "retained_percent": program.retained_instalment_percent,
        "proofs": _proofs(grant),
        "appeal_period_months": grant.appeal_period_months,
    }


def _load(grant: Grant | int) -> Grant:
    """The grant (or the grant of this id) with everything a notice shows, in three queries."""
    plan = Prefetch("application__cost_lines", queryset=CostLine.objects.order_by("budget_year", "position", "pk"))
    return (Grant.objects.select_related("application__lead", "call__program", "decision__prepared_by")
            .prefetch_related("commitments", plan).get(pk=getattr(grant, "pk", grant)))


def _render(template: str, figures: dict) -> str:
    with translation.override("de"):
        return render_to_string(template, {"f": figures})


# ---------------------------------------------------------------- grant notice


def grant_notice_html(grant: Grant, *, issued_on: dt.date | None = None) -> str:
    """The HTML WeasyPrint renders for the Zuwendungsbescheid (for the benchmark's floor, too)."""
    return _render("payments/decisions/pdf/grant_notice.html", _grant_figures(_load(grant), issued_on or today()))


def grant_notice_pdf(grant: Grant | int, *, issued_on: dt.date) -> tuple[bytes, dict]:
    figures = _grant_figures(_load(grant), issued_on)
    html = _render("payments/decisions/pdf/grant_notice.html", figures)
    return render_pdf(html), {"kind": "grant", **jsonable(figures)}


# ---------------------------------------------------------------- amendment notice


def amendment_notice_pdf(grant: Grant, *, issued_on: dt.date, amendment: int, reason: str, old_amount: str,
                         old_project_end: str, old_eligible_costs: str | None = None) -> tuple[bytes, dict]:
    grant = _load(grant)
    figures = _grant_figures(grant, issued_on)
    first = grant.notices.filter(kind="grant").order_by("version").first()
    figures.update({
        "amendment": amendment,
        "reason": reason,
        "old_amount": Decimal(old_amount),
        "old_project_end": dt.date.fromisoformat(old_project_end),
        "old_eligible_costs": Decimal(old_eligible_costs) if old_eligible_costs else grant.eligible_costs,
        "original_issued_on": first.issued_on if first else grant.notice_issued_on,
        "original_version": first.version if first else None,
    })
    html = _render("payments/decisions/pdf/amendment_notice.html", figures)
    return render_pdf(html), {"kind": "amendment", **jsonable(figures)}


# ---------------------------------------------------------------- rejection notice


def rejection_notice_pdf(decision: Decision, *, issued_on: dt.date) -> tuple[bytes, dict]:
    decision = Decision.objects.select_related("application__lead", "application__call__program", "prepared_by").get(
        pk=decision.pk)
    application = decision.application
    program = application.call.program
    eligible = (application.cost_lines.filter(eligible=True).aggregate(s=Sum("amount"))["s"] or ZERO)
    figures = {
        "case_number": application.case_number,
        "issued_on": issued_on,
        **_letter(application, decision.prepared_by),
        "program": program.name,
        "applied_on": timezone.localdate(application.submitted_at) if application.submitted_at else None,
        "title": application.title,
        "requested_grant": application.grant_amount,
        "eligible_costs": eligible,
        "reasons": decision.reasons,
        "appeal_period_months": program.appeal_period_months,
    }
    html = _render("payments/decisions/pdf/rejection_notice.html", figures)
    return render_pdf(html), {"kind": "rejection", **jsonable(figures)}
