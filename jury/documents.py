"""The ranking list and the minutes of a session: PDF (WeasyPrint), CSV and XLSX."""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone, translation

from foundation.amounts import format_amount_input

from .enums import DecisionOutcome
from .selectors import Ranking

# What a stored session document is served as.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

HEADER = ["Platz", "Aktenzeichen", "Titel", "Antragstellende Kommune", "Gemeinschaftsvorhaben",
          "Bewertungen", "Gesamtbewertung", "Spannweite", "Zuwendung", "Ergebnis", "Gleichstand gelöst durch",
          "Verbleibende Mittel", "Erläuterung"]


def ranking_rows(result: Ranking, outcomes: dict[int, str] | None = None) -> list[list]:
    rows = []
    for r in result.rows:
        outcome = str(DecisionOutcome((outcomes or {}).get(r.application.pk, r.outcome)).label)
        rows.append([r.position or "", r.application.case_number, r.application.title, r.application.lead.name,
                     "ja" if r.joint else "nein", r.n_scores,
                     f"{r.total:.2f}".replace(".", ",") if r.total is not None else "",
                     f"{r.spread:.2f}".replace(".", ",") if r.spread is not None else "",
                     format_amount_input(r.grant), outcome, r.tie_break,
                     format_amount_input(r.budget_left) if r.budget_left is not None else "", r.explanation])
    return rows


def ranking_csv(result: Ranking, outcomes=None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(ranking_rows(result, outcomes))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def ranking_xlsx(result: Ranking, outcomes=None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Rangliste"
    sheet.append(HEADER)
    for r, values in zip(result.rows, ranking_rows(result, outcomes), strict=True):
        values[6] = r.total  # numbers stay numbers in the spreadsheet
        values[7] = r.spread
        values[8] = r.grant
        values[11] = r.budget_left
        sheet.append(values)
    for column in ("G", "H"):
        for cell in sheet[column][1:]:
            cell.number_format = "0.00"
    for column in ("I", "L"):
        for cell in sheet[column][1:]:
            cell.number_format = '#,##0.00 "€"'
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _render(template: str, context: dict) -> bytes:
    from foundation.pdf import render_pdf

    with translation.override("de"):
        return render_pdf(render_to_string(template, {**context, "created": timezone.localtime()}))


def ranking_pdf(result: Ranking, *, session=None, outcomes=None) -> bytes:
    labels = {pk: str(DecisionOutcome(o).label) for pk, o in (outcomes or {}).items()}
    return _render("jury/pdf/ranking.html", {"result": result, "session": session, "outcomes": labels})


def minutes_pdf(session, result: Ranking) -> bytes:
    decisions = {d.application_id: d for d in session.decisions.select_related("decided_by")}
    return _render("jury/pdf/minutes.html", {"session": session, "result": result, "decisions": decisions})
