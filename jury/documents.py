"""The ranking list and the minutes of a session: PDF (WeasyPrint), CSV and XLSX."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from foundation.exports import CONTENT_TYPES as SPREADSHEET_TYPES
from foundation.exports import INT, MONEY, NUMBER, TEXT, Column, csv_bytes, xlsx_bytes

from .enums import ExclusionKind
from .selectors import Ranking

# What a stored session document is served as.
CONTENT_TYPES = {"pdf": "application/pdf", **SPREADSHEET_TYPES}


def ranking_columns() -> tuple[Column, ...]:
    """The ranking list's columns; "Ergebnis" is the jury's recorded decision once the session is closed."""
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
        Column("Ergebnis", TEXT, lambda r: r.final_outcome_label),
        Column("Gleichstand gelöst durch", TEXT, lambda r: r.tie_break),
        Column("Verbleibende Mittel", MONEY, lambda r: r.budget_left),
        Column("Erläuterung", TEXT, lambda r: r.explanation),
    )


def ranking_csv(result: Ranking) -> bytes:
    return csv_bytes(ranking_columns(), result.rows)


def ranking_xlsx(result: Ranking) -> bytes:
    return xlsx_bytes("Rangliste", ranking_columns(), result.rows)


def _render(template: str, context: dict) -> bytes:
    from foundation.pdf import render_pdf, sender

    with translation.override("de"):
        return render_pdf(render_to_string(template, {**context, "created": timezone.localtime(),
                                                      "sender": sender()}))


def criterion_columns(result: Ranking) -> list[dict]:
    """The criteria as narrow columns: "K1", "K2", … with a legend (name and weight) below the table."""
    return [{"short": f"K{i}", "name": c.name, "weight": c.weight, "pk": c.pk}
            for i, c in enumerate(result.criteria, 1)]


def ranking_pdf(result: Ranking) -> bytes:
    return _render("jury/pdf/ranking.html", {"result": result, "session": result.session,
                                             "columns": criterion_columns(result)})


def minutes_pdf(result: Ranking) -> bytes:
    """The minutes of a closed session, from the same snapshot as its ranking list."""
    kinds = dict(ExclusionKind.choices)
    conflicts = [{**c, "kind_label": kinds.get(c.get("kind"), c.get("kind"))} for c in result.conflicts]
    return _render("jury/pdf/minutes.html", {"session": result.session, "result": result, "conflicts": conflicts})
