"""The reads of the open data of funded projects: which grants are public, and what of them.

A grant is published once it is final (appeal period over or waived) and stays published through
the rest of its life (implementation, proof of use, settlement, recovery, closed) with its status.
Drafts, rejected applications and grants that are merely approved or whose notice may still be
appealed are never published. What of a project is shown is the program's choice
(``FundingProgram.open_data_fields``); nothing about people is ever read here.

Every read is a fixed number of queries, however many projects there are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Min, Q

from accounts.enums import MunicipalityKind
from grants.enums import OpenDataField as F
from grants.models import FundingProgram, Topic
from payments.enums import GrantState
from payments.models import Grant

PUBLISHED_STATES = frozenset({
    GrantState.FINAL, GrantState.IN_IMPLEMENTATION, GrantState.PROOF_SUBMITTED, GrantState.SETTLED,
    GrantState.RECOVERY_OPEN, GrantState.CLOSED,
})


@dataclass(frozen=True)
class Place:
    name: str
    official_key: str


@dataclass(frozen=True)
class Project:
    """One funded project as the public may see it; ``fields`` says what its program publishes."""

    fields: frozenset
    case_number: str
    title: str
    program: str
    lead: Place
    partners: tuple
    landkreis: Place | None  # None: a kreisfreie Stadt or Sonderstatusstadt outside any Landkreis
    topics: tuple
    grant_amount: Decimal
    eligible_costs: Decimal
    project_start: dt.date
    project_end: dt.date
    status: str
    status_label: str

    def shows(self, name: str) -> bool:
        return name in self.fields


def _region(municipality) -> Place | None:
    """The Landkreis a municipality belongs to; a Landkreis is its own."""
    if municipality.kind == MunicipalityKind.LANDKREIS:
        return Place(municipality.name, municipality.official_key)
    if municipality.landkreis_id:
        return Place(municipality.landkreis.name, municipality.landkreis.official_key)
    return None


def _published(*, topic: int | None = None, landkreis: str | None = None):
    grants = Grant.objects.filter(state__in=PUBLISHED_STATES)
    if topic is not None:
        grants = grants.filter(application__topics=topic)
    if landkreis:
        # a Landkreis (its members and itself) or a city outside any Landkreis (kreisfreie Stadt)
        grants = grants.filter(Q(application__lead__landkreis__official_key=landkreis)
                               | Q(application__lead__official_key=landkreis,
                                   application__lead__landkreis__isnull=True))
    return grants


def published_projects(*, topic: int | None = None, landkreis: str | None = None) -> list[Project]:
    """The published projects, newest funding period first, optionally of one topic (Topic id) or one
    Landkreis (5-digit key) or kreisfreie Stadt (8-digit key). A filter matches only projects whose
    program publishes that field, so a filter never reveals what the program keeps back. Three queries."""
    grants = (_published(topic=topic, landkreis=landkreis)
              .select_related("application__lead__landkreis", "call__program")
              .prefetch_related("application__partners", "application__topics")
              .order_by("-project_start", "application__case_number", "pk")
              .distinct())
    projects = []
    for grant in grants:
        app, program = grant.application, grant.call.program
        shown = frozenset(program.open_data_fields or ())
        if (topic is not None and F.TOPICS not in shown) or (landkreis and F.LANDKREIS not in shown):
            continue
        projects.append(Project(
            fields=shown, case_number=app.case_number or "", title=app.title, program=program.name,
            lead=Place(app.lead.name, app.lead.official_key),
            partners=tuple(Place(m.name, m.official_key) for m in sorted(app.partners.all(), key=lambda m: m.name)),
            landkreis=_region(app.lead),
            topics=tuple(f"{t.number} {t.name}" for t in sorted(app.topics.all(), key=lambda t: t.number)),
            grant_amount=grant.amount, eligible_costs=grant.eligible_costs,
            project_start=grant.project_start, project_end=grant.project_end,
            status=grant.state, status_label=str(GrantState(grant.state).label)))
    return projects


@dataclass(frozen=True)
class FundsRow:
    label: str
    key: str
    projects: int
    amount: Decimal
    share: Decimal  # of the largest row, 0–100, for the bar length


def _rows(totals: dict, labels: dict) -> list[FundsRow]:
    top = max((amount for amount, _n in totals.values()), default=Decimal("0.00"))
    return [FundsRow(label=labels[key], key=key, projects=n, amount=amount,
                     share=(amount * 100 / top).quantize(Decimal("0.1")) if top else Decimal("0"))
            for key, (amount, n) in totals.items()]


def funds_by_landkreis(projects: list[Project]) -> list[FundsRow]:
    """Granted funds per Landkreis (kreisfreie Städte each on their own), of projects whose program
    publishes both the amount and the Landkreis; sorted by name."""
    totals, labels = defaultdict(lambda: (Decimal("0.00"), 0)), {}
    for p in projects:
        if not (p.shows(F.GRANT_AMOUNT) and p.shows(F.LANDKREIS)):
            continue
        region = p.landkreis or (p.lead if p.shows(F.LEAD) else None)
        if region is None:
            continue
        amount, n = totals[region.official_key]
        totals[region.official_key] = (amount + p.grant_amount, n + 1)
        labels[region.official_key] = region.name
    ordered = dict(sorted(totals.items(), key=lambda kv: labels[kv[0]]))
    return _rows(ordered, labels)


def funds_by_year(projects: list[Project]) -> list[FundsRow]:
    """Granted funds per year in which the projects start, of projects whose program publishes both
    the amount and the funding period; sorted by year."""
    totals = defaultdict(lambda: (Decimal("0.00"), 0))
    for p in projects:
        if p.shows(F.GRANT_AMOUNT) and p.shows(F.PERIOD):
            amount, n = totals[str(p.project_start.year)]
            totals[str(p.project_start.year)] = (amount + p.grant_amount, n + 1)
    ordered = dict(sorted(totals.items()))
    return _rows(ordered, {k: k for k in ordered})


def filter_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(topics, regions) that published projects have, for the filter form; regions are the Landkreise
    and the cities outside any Landkreis, as (official key, name). Four queries."""
    programs = list(FundingProgram.objects.all())
    topics = (Topic.objects.filter(pk__in=_published().values("application__topics"),
                                   program__in=[p.pk for p in programs if p.publishes(F.TOPICS)])
              .order_by("program__name", "number"))
    published = _published().filter(call__program__in=[p.pk for p in programs if p.publishes(F.LANDKREIS)])
    regions = {}
    for name, key, district_name, district_key in published.values_list(
            "application__lead__name", "application__lead__official_key",
            "application__lead__landkreis__name", "application__lead__landkreis__official_key"):
        if district_key:
            regions[district_key] = district_name
        else:  # a Landkreis itself or a kreisfreie Stadt
            regions[key] = name
    return ([(str(t.pk), f"{t.number} {t.name}") for t in topics],
            sorted(regions.items(), key=lambda kv: kv[1]))


@dataclass(frozen=True)
class Span:
    start: dt.date | None  # first project start
    end: dt.date | None  # last project end
    first_final: dt.date | None  # the day the first project was published
    last_final: dt.date | None  # the day a project was last added


def published_span() -> Span:
    """The dates the catalogue states (temporal coverage, issued, modified). One query."""
    span = _published().aggregate(start=Min("project_start"), end=Max("project_end"), first=Min("final_on"),
                                  last=Max("final_on"))
    return Span(span["start"], span["end"], span["first"], span["last"])
