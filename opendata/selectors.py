"""The reads of the open data of funded projects: which grants are public, and what of them.

A grant is published once it is final (appeal period over or waived) and stays published through
the rest of its life (implementation, proof of use, settlement, recovery, closed) with its status.
Drafts, rejected applications and grants that are merely approved or whose notice may still be
appealed are never published. What of a project is shown is the program's choice
(``FundingProgram.open_data_fields``); nothing about people is ever read here.

Every read is a fixed number of queries, however many projects there are; the list is built only for the
rows shown (a page of the page or the API) and the charts are sums in the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import translation

from accounts.enums import MunicipalityKind
from accounts.models import Municipality
from applications.models import Application
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


def _published(*, topic: int | None = None, landkreis: str | None = None, programs: dict | None = None):
    """The published grants; a filter keeps only the grants whose program publishes the field filtered by,
    so that a filter never reveals what a program keeps back."""
    grants = Grant.objects.filter(state__in=PUBLISHED_STATES)
    if programs is None and (topic is not None or landkreis):
        programs = all_programs()
    if topic is not None:
        grants = grants.filter(
            Exists(Application.topics.through.objects.filter(application_id=OuterRef("application_id"),
                                                             topic_id=topic)),
            call__program__in=_publishing(programs, F.TOPICS))
    if landkreis:
        # a Landkreis (its members and itself) or a city outside any Landkreis (kreisfreie Stadt)
        grants = grants.filter(Q(application__lead__landkreis__official_key=landkreis)
                               | Q(application__lead__official_key=landkreis,
                                   application__lead__landkreis__isnull=True),
                               call__program__in=_publishing(programs, F.LANDKREIS))
    return grants


def _publishing(programs: dict, *fields) -> list[int]:
    """The ids of the programs that publish every one of ``fields``."""
    return [p.pk for p in programs.values() if all(p.publishes(f) for f in fields)]


def all_programs() -> dict[int, FundingProgram]:
    """Every program with what it publishes, by id (one query, shared by the reads of one page)."""
    return {p.pk: p for p in FundingProgram.objects.only("pk", "name", "open_data_fields")}


class PublishedProjects(Sequence):
    """The published projects, newest funding period first, as a lazy sequence: ``len()`` is one COUNT,
    a slice (a page) builds only its projects, iteration goes through the grants in chunks. So the page and
    the API cost the same few queries and the same time whatever the number of projects."""

    ORDER = ("-project_start", "application__case_number", "pk")
    CHUNK = 500

    def __init__(self, grants, programs: dict, *, language: str | None = None):
        self.grants = grants
        self.language = language  # the status words in this language (the files: German), else the request's
        self._programs = programs
        self._groups = None

    def by_program_and_year(self) -> list[dict]:
        """Count and sum of the grants per program and starting year: one query that gives the length,
        the fields shown and the funds per year (a few rows, however many projects)."""
        if self._groups is None:
            self._groups = list(self.grants.order_by().annotate(year=ExtractYear("project_start"))
                                .values("call__program", "year").annotate(total=Sum("amount"), n=Count("pk"))
                                .order_by("year"))
        return self._groups

    def __len__(self) -> int:
        return sum(g["n"] for g in self.by_program_and_year())

    def count(self) -> int:  # for Django's Paginator
        return len(self)

    def __eq__(self, other):
        return list(self) == list(other)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._build(self._rows()[index])
        return self._build(self._rows()[index:index + 1])[0] if index >= 0 else list(self)[index]

    def __iter__(self):
        rows = self._rows()
        for start in range(0, len(self), self.CHUNK):
            yield from self._build(rows[start:start + self.CHUNK])

    def programs(self) -> dict[int, FundingProgram]:
        return self._programs

    def shown_fields(self) -> set[str]:
        """The fields that at least one of the projects publishes."""
        programs = self.programs()
        return set().union(*(programs[g["call__program"]].open_data_fields or ()
                             for g in self.by_program_and_year()))

    def _rows(self):
        return (self.grants.select_related("application__lead__landkreis")
                .only("pk", "state", "amount", "eligible_costs", "project_start", "project_end",
                      "application__case_number", "application__title", "application__lead__name",
                      "application__lead__official_key", "application__lead__kind",
                      "application__lead__landkreis__name", "application__lead__landkreis__official_key")
                .annotate(program_pk=models.F("call__program"))
                .prefetch_related(Prefetch("application__partners", queryset=Municipality.objects.only(
                    "pk", "name", "official_key").order_by("name")),
                    Prefetch("application__topics", queryset=Topic.objects.only("pk", "number", "name")
                             .order_by("number")))
                .order_by(*self.ORDER))

    def _build(self, grants) -> list[Project]:
        if self.language:
            with translation.override(self.language):
                return self._build_rows(grants)
        return self._build_rows(grants)

    def _build_rows(self, grants) -> list[Project]:
        programs = self.programs()
        projects = []
        for grant in grants:
            app, program = grant.application, programs[grant.program_pk]
            projects.append(Project(
                fields=frozenset(program.open_data_fields or ()), case_number=app.case_number or "",
                title=app.title, program=program.name, lead=Place(app.lead.name, app.lead.official_key),
                partners=tuple(Place(m.name, m.official_key) for m in app.partners.all()),
                landkreis=_region(app.lead), topics=tuple(f"{t.number} {t.name}" for t in app.topics.all()),
                grant_amount=grant.amount, eligible_costs=grant.eligible_costs,
                project_start=grant.project_start, project_end=grant.project_end,
                status=grant.state, status_label=str(GrantState(grant.state).label)))
        return projects


def published_projects(*, topic: int | None = None, landkreis: str | None = None, language: str | None = None,
                       programs: dict | None = None) -> PublishedProjects:
    """The published projects, newest funding period first, optionally of one topic (Topic id) or one
    Landkreis (5-digit key) or kreisfreie Stadt (8-digit key). A filter matches only projects whose
    program publishes that field, so a filter never reveals what the program keeps back. ``language``
    fixes the language of the status words (the files and the API are German); ``programs`` (from
    ``all_programs()``) saves the query for them when the caller has them already."""
    programs = all_programs() if programs is None else programs
    return PublishedProjects(_published(topic=topic, landkreis=landkreis, programs=programs), programs,
                             language=language)


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


def funds_by_landkreis(projects: PublishedProjects) -> list[FundsRow]:
    """Granted funds per Landkreis (kreisfreie Städte each on their own), of projects whose program
    publishes both the amount and the Landkreis; sorted by name. One query, grouped by lead municipality
    and program in the database (at most a row per municipality and program, however many projects)."""
    programs = projects.programs()
    groups = (projects.grants.filter(call__program__in=_publishing(programs, F.GRANT_AMOUNT, F.LANDKREIS))
              .order_by()
              .values("call__program_id", "application__lead__kind", "application__lead__name",
                      "application__lead__official_key", "application__lead__landkreis__name",
                      "application__lead__landkreis__official_key")
              .annotate(total=Sum("amount"), n=Count("pk")))
    totals, labels = defaultdict(lambda: (Decimal("0.00"), 0)), {}
    for g in groups:
        if g["application__lead__kind"] == MunicipalityKind.LANDKREIS:
            region = (g["application__lead__official_key"], g["application__lead__name"])
        elif g["application__lead__landkreis__official_key"]:
            region = (g["application__lead__landkreis__official_key"], g["application__lead__landkreis__name"])
        elif programs[g["call__program_id"]].publishes(F.LEAD):
            region = (g["application__lead__official_key"], g["application__lead__name"])
        else:
            continue
        amount, n = totals[region[0]]
        totals[region[0]] = (amount + g["total"], n + g["n"])
        labels[region[0]] = region[1]
    ordered = dict(sorted(totals.items(), key=lambda kv: labels[kv[0]]))
    return _rows(ordered, labels)


def funds_by_year(projects: PublishedProjects) -> list[FundsRow]:
    """Granted funds per year in which the projects start, of projects whose program publishes both
    the amount and the funding period; sorted by year. From the per-program and year sums of the list."""
    publishing = set(_publishing(projects.programs(), F.GRANT_AMOUNT, F.PERIOD))
    totals = defaultdict(lambda: (Decimal("0.00"), 0))
    for g in projects.by_program_and_year():
        if g["call__program"] in publishing:
            amount, n = totals[str(g["year"])]
            totals[str(g["year"])] = (amount + g["total"], n + g["n"])
    return _rows(dict(totals), {k: k for k in totals})


def filter_choices(programs: dict | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(topics, regions) that published projects have, for the filter form; regions are the Landkreise
    and the cities outside any Landkreis, as (official key, name). Two queries (three without ``programs``)."""
    programs = all_programs() if programs is None else programs
    topics = (Topic.objects.filter(pk__in=_published().values("application__topics"),
                                   program__in=_publishing(programs, F.TOPICS))
              .order_by("program__name", "number"))
    published = _published().filter(call__program__in=_publishing(programs, F.LANDKREIS))
    regions = {}
    for name, key, district_name, district_key in published.order_by().values_list(
            "application__lead__name", "application__lead__official_key",
            "application__lead__landkreis__name", "application__lead__landkreis__official_key").distinct():
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
