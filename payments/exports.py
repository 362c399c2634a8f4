"""CSV and XLSX exports of grants, payments and recoveries for the ministry.

The columns are declared here; the writing (German CSV, typed XLSX, the formula guard) is
foundation.exports, the one writer every spreadsheet goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from foundation.choices import choice_label
from foundation.exports import DATE, INT, MONEY, TEXT, Column, download
from foundation.params import id_or_404
from grants.models import Call

from .selectors import dashboard as selectors


@dataclass(frozen=True)
class Export:
    kind: str
    sheet: str
    columns: tuple[Column, ...]
    rows: Callable[[QuerySet[Call]], QuerySet]


def _topic(g) -> str:
    return f"{g.topic_number} {g.topic_name}" if g.topic_number is not None else ""


EXPORTS = {
    "grants": Export("grants", "Zuwendungen", (
        Column(_("Aktenzeichen"), TEXT, lambda g: g.application.case_number),
        Column(_("Kommune"), TEXT, lambda g: g.application.lead.name),
        Column(_("Landkreis"), TEXT, lambda g: g.landkreis_name),
        Column(_("Titel"), TEXT, lambda g: g.application.title),
        Column(_("Themenbereich"), TEXT, _topic),
        Column(_("Status"), TEXT, lambda g: choice_label(g, "state")),
        Column(_("Zuwendungsfähige Ausgaben"), MONEY, lambda g: g.eligible_costs),
        Column(_("Höchstbetrag"), MONEY, lambda g: g.amount),
        Column(_("Abgerufen"), MONEY, lambda g: g.requested_amount),
        Column(_("Ausgezahlt"), MONEY, lambda g: g.paid_sum),
        Column(_("Endgültige Zuwendung"), MONEY, lambda g: g.final_amount),
        Column(_("Zurückgezahlt"), MONEY, lambda g: g.recovered_sum),
    ), selectors.grants_for_export),
    "payments": Export("payments", "Auszahlungen", (
        Column(_("Datum"), DATE, lambda d: d.paid_on),
        Column(_("Aktenzeichen"), TEXT, lambda d: d.grant.application.case_number),
        Column(_("Kommune"), TEXT, lambda d: d.grant.application.lead.name),
        Column(_("Art"), TEXT, lambda d: choice_label(d, "kind")),
        Column(_("Betrag"), MONEY, lambda d: d.amount),
        Column(_("EndToEndId"), TEXT, lambda d: d.end_to_end_id),
        Column(_("Zahlungslauf"), INT, lambda d: d.payment_run.number if d.payment_run_id else None),
    ), selectors.payments_for_export),
    "recoveries": Export("recoveries", "Rückforderungen", (
        Column(_("Aktenzeichen"), TEXT, lambda r: r.grant.application.case_number),
        Column(_("Erstattungsbetrag"), MONEY, lambda r: r.principal),
        Column(_("Gezahlte Zinsen"), MONEY, lambda r: r.paid_interest),
        Column(_("Gezahlter Erstattungsbetrag"), MONEY, lambda r: r.paid_principal),
        Column(_("Offen"), MONEY, lambda r: r.outstanding),
        Column(_("Status"), TEXT, lambda r: choice_label(r, "state")),
        Column(_("Zahlungsfrist"), DATE, lambda r: r.due_on),
    ), selectors.recoveries_for_export),
}


FILENAMES = {"grants": "Zuwendungen", "payments": "Auszahlungen", "recoveries": "Rückforderungen"}


def response(kind: str, fmt: str, calls: QuerySet[Call], *, suffix: str = ""):
    """The download as an HTTP response: CSV streamed, XLSX built in memory."""
    export = EXPORTS[kind]
    return download(fmt, filename=f"{FILENAMES[kind]}{suffix}", columns=export.columns,
                    rows=export.rows(calls).iterator(chunk_size=500), sheet=export.sheet)


def export_scope(params) -> tuple:
    """(calls, filename suffix) from ?call=ID or ?program=ID; a bad or unknown id gives 404."""
    if params.get("call"):
        call = selectors.call_for_dashboard(id_or_404(params["call"]))
        return Call.objects.filter(pk=call.pk), f"-Aufruf-{call.pk}"
    if params.get("program"):
        program = selectors.program_for_dashboard(id_or_404(params["program"]))
        return Call.objects.filter(program=program), f"-Programm-{program.pk}"
    return Call.objects.all(), ""
