"""The ranking list and the minutes of a session: PDF (WeasyPrint), CSV and XLSX."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from foundation.exports import CONTENT_TYPES as SPREADSHEET_TYPES
from foundation.exports import INT, MONEY, NUMBER, TEXT, Column, csv_bytes, xlsx_bytes

from .enums import DecisionOutcome
from .selectors import Ranking

# What a stored session document is served as.
CONTENT_TYPES = {"pdf": "application/pdf", **SPREADSHEET_TYPES}


def ranking_columns(outcomes: dict[int, str] | None = None) -> tuple[Column, ...]:
    """The ranking list's columns; `outcomes` (application id → outcome) are the jury's recorded decisions."""

    def outcome(r):
        return str(DecisionOutcome((outcomes or {}).get(r.application.pk, r.outcome)).label)

    return (
        Column("Platz", INT, lambda r: r.position),
        Column("Aktenzeichen", TEXT, lambda r: r.application.case_number),
        Column("Titel", TEXT, lambda r: r.application.title),
        Column("Antragstellende Kommune", TEXT, lambda r: r.application.lead.name),
        Column("Gemeinschaftsvorhaben", TEXT, lambda r: "ja" if r.joint else "nein"),
        Column("Bewertungen", INT, lambda r: r.n_scores),
        Column("Gesamtbewertung", NUMBER, lambda r: r.total),
        Column("Spannweite", NUMBER, lambda r: r.spread),
        Column("Zuwendung", MONEY, lambda r: r.grant),
        Column("Ergebnis", TEXT, outcome),
        Column("Gleichstand gelöst durch", TEXT, lambda r: r.tie_break),
        Column("Verbleibende Mittel", MONEY, lambda r: r.budget_left),
        Column("Erläuterung", TEXT, lambda r: r.explanation),
    )


def ranking_csv(result: Ranking, outcomes=None) -> bytes:
    return csv_bytes(ranking_columns(outcomes), result.rows)


def ranking_xlsx(result: Ranking, outcomes=None) -> bytes:
    return xlsx_bytes("Rangliste", ranking_columns(outcomes), result.rows)


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
