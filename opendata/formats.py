"""The two files of the open data: CSV (through the one writer, foundation/exports.py) and JSON.

Both carry only the fields the project's program publishes. Their names are stable (they are the
dataset's schema, documented in docs/integration.md) and do not change with the page language.
"""

from __future__ import annotations

import json

from django.conf import settings

from foundation.exports import DATE, MONEY, TEXT, Column
from grants.enums import OpenDataField as F

from .selectors import Project

LICENSE_URI = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
LICENSE_NAME = "Datenlizenz Deutschland – Namensnennung – Version 2.0"


def _keys(places) -> str:
    return ", ".join(p.official_key for p in places)


def _names(places) -> str:
    return ", ".join(p.name for p in places)


# (field the program switches, CSV column name, kind, value of a project)
_CSV = [
    (F.CASE_NUMBER, "case_number", TEXT, lambda p: p.case_number),
    (F.TITLE, "title", TEXT, lambda p: p.title),
    (None, "program", TEXT, lambda p: p.program),
    (F.LEAD, "lead_name", TEXT, lambda p: p.lead.name),
    (F.LEAD, "lead_ags", TEXT, lambda p: p.lead.official_key),
    (F.PARTNERS, "partner_names", TEXT, lambda p: _names(p.partners)),
    (F.PARTNERS, "partner_ags", TEXT, lambda p: _keys(p.partners)),
    (F.LANDKREIS, "landkreis_name", TEXT, lambda p: p.landkreis.name if p.landkreis else ""),
    (F.LANDKREIS, "landkreis_key", TEXT, lambda p: p.landkreis.official_key if p.landkreis else ""),
    (F.TOPICS, "topics", TEXT, lambda p: "; ".join(p.topics)),
    (F.GRANT_AMOUNT, "grant_amount", MONEY, lambda p: p.grant_amount),
    (F.ELIGIBLE_COSTS, "eligible_costs", MONEY, lambda p: p.eligible_costs),
    (F.PERIOD, "project_start", DATE, lambda p: p.project_start),
    (F.PERIOD, "project_end", DATE, lambda p: p.project_end),
    (F.STATUS, "status", TEXT, lambda p: p.status_label),
]


def shown_fields(projects) -> set[str]:
    """The fields at least one of the projects publishes (the columns of the table and the CSV); asked of
    the database for the published projects (selectors.PublishedProjects), read off a plain list."""
    if hasattr(projects, "shown_fields"):
        return projects.shown_fields()
    return set().union(*(p.fields for p in projects)) if projects else set()


def csv_columns(projects: list[Project]) -> list[Column]:
    """The CSV columns: a column appears when some program publishes its field; a project whose
    program does not publish it has an empty cell there."""
    shown = shown_fields(projects)

    def value(switch, get):
        return lambda p: get(p) if switch is None or p.shows(switch) else None

    return [Column(name, kind, value(switch, get)) for switch, name, kind, get in _CSV
            if switch is None or switch in shown]


def _place(place):
    return {"name": place.name, "official_key": place.official_key} if place else None


def project_json(p: Project) -> dict:
    """One project as JSON: only the keys its program publishes (amounts as decimal strings, dates ISO)."""
    data = {}
    if p.shows(F.CASE_NUMBER):
        data["case_number"] = p.case_number
    if p.shows(F.TITLE):
        data["title"] = p.title
    data["program"] = p.program
    if p.shows(F.LEAD):
        data["lead"] = _place(p.lead)
    if p.shows(F.PARTNERS):
        data["partners"] = [_place(m) for m in p.partners]
    if p.shows(F.LANDKREIS):
        data["landkreis"] = _place(p.landkreis)
    if p.shows(F.TOPICS):
        data["topics"] = list(p.topics)
    if p.shows(F.GRANT_AMOUNT):
        data["grant_amount"] = f"{p.grant_amount:.2f}"
    if p.shows(F.ELIGIBLE_COSTS):
        data["eligible_costs"] = f"{p.eligible_costs:.2f}"
    if p.shows(F.PERIOD):
        data["project_start"] = p.project_start.isoformat()
        data["project_end"] = p.project_end.isoformat()
    if p.shows(F.STATUS):
        data["status"] = p.status
        data["status_label"] = p.status_label
    return data


def dataset_title() -> str:
    """The data set's title, in the JSON file and in the catalogue."""
    return f"Geförderte Projekte – {settings.PORTAL['short_name']}"


def dataset_json(projects, *, publisher: str, generated):
    """The JSON file, written piece by piece (one project at a time) so that it is streamed: the
    projects are read in chunks, never all at once."""
    head = {
        "title": dataset_title(),
        "publisher": publisher,
        "license": LICENSE_URI,
        "license_name": LICENSE_NAME,
        "generated": generated.isoformat(timespec="seconds"),
        "count": len(projects),
    }
    yield json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "projects": ['
    for i, project in enumerate(projects):
        yield ("," if i else "") + "\n  " + json.dumps(project_json(project), ensure_ascii=False)
    yield "\n ]\n}\n"
