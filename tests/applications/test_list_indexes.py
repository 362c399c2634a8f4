"""Every filter and sort the lists of applications offer is served by an index (issue 13), checked with EXPLAIN.

The lists: the case workers' list of a call (``applications.selectors.staff_applications``, page and API:
call, state, topic, Landkreis/municipality, every ``STAFF_SORTS`` order), the jury panel's list of a call
(``jury.selectors.panel_applications``, in case-number order) and the applicants' list
(``applications_for_user``: their municipalities, state).

How the proof works. The data is a few thousand applications in bulk (several calls, states, topics,
municipalities, some joint), then ``ANALYZE``. At this size the planner would still rightly read small tables
whole, so a plan's choice says nothing about whether an index *exists*. The test therefore runs
``EXPLAIN`` with ``SET LOCAL enable_seqscan = off``, ``enable_sort = off`` and ``enable_incremental_sort =
off``: these do not forbid a sequential scan or a sort, they make it cost 10^10, so the planner takes any
usable index instead. A ``Seq Scan`` left in the plan means no index can serve that filter; a ``Sort`` or
``Incremental Sort`` left in a sorted list's plan means no index delivers that order for the page (LIMIT
25). That proves the index exists and is usable — which is what a 10,000-case table needs, and what a plan
on a small table cannot show. The data stays small, so the test takes seconds, not the minutes 10,000 cases would.

The search (``applications.selectors.search_applications``, used by the case workers' list and the jury
panel's list) is ``icontains`` over title, case number and lead name: a substring, which no B-tree index
serves. The trigram indexes of migration ``applications/0006_search_trigram_indexes`` serve it; the check
runs the search over every call with plain index scans priced out as well (``enable_indexscan``,
``enable_indexonlyscan``), so that reading a whole table through some unrelated index does not count either:
the only way left without a ``Seq Scan`` is a bitmap scan whose index condition is the search itself. Within
one call of this small data the planner rightly reads the call's few hundred rows through the call's index
and tests the search on them instead (docs/performance.md says when the trigram indexes take over); the
staff list's case with a search checks that no table is read whole and no sort runs.

Not served by an index: the sort by lead name (a column of the joined municipality; the page sorts one call's
rows, the check below asserts at least that no table is read whole).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.enums import MembershipState
from accounts.models import Membership, Municipality
from applications.enums import ApplicationState
from applications.models import Application
from applications.selectors import STAFF_SORTS, applications_for_user, search_applications, staff_applications
from tests.factories import CallFactory, LandkreisFactory, UserFactory
from tests.plans import plan as explain_plan
from tests.services import require_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db]

N_APPLICATIONS, N_MUNICIPALITIES = 3000, 200
STATES = [s for s in ApplicationState.values if s != ApplicationState.DRAFT]


@pytest.fixture
def data():
    require_postgres()
    calls = [CallFactory() for _ in range(4)]
    kreise = [LandkreisFactory(official_key=f"064{31 + k}") for k in range(4)]
    munis = Municipality.objects.bulk_create(
        Municipality(name=f"Gemeinde {i}", kind="gemeinde", landkreis=kreise[i % 4],
                     official_key=f"{kreise[i % 4].official_key}{i + 1:03d}") for i in range(N_MUNICIPALITIES))
    user, now = UserFactory(), timezone.now()
    apps = Application.objects.bulk_create(
        Application(call=calls[i % 4], lead=munis[i % N_MUNICIPALITIES], title=f"Projekt {i}", created_by=user,
                    state=ApplicationState.DRAFT if i % 10 == 0 else STATES[i % len(STATES)],
                    case_number=f"IX-{i:06d}", submitted_at=now - dt.timedelta(minutes=i),
                    total_costs=Decimal(200000 + i), eligible_costs=Decimal(200000 + i),
                    grant_amount=Decimal(100000 + i * 7 % 50000))
        for i in range(N_APPLICATIONS))
    topics = {c.pk: list(c.program.topics.values_list("pk", flat=True)) for c in calls}
    Application.topics.through.objects.bulk_create(
        Application.topics.through(application_id=a.pk, topic_id=topics[a.call_id][a.pk % len(topics[a.call_id])])
        for a in apps)
    Application.partners.through.objects.bulk_create(
        Application.partners.through(application_id=a.pk, municipality_id=munis[(a.pk + 1) % N_MUNICIPALITIES].pk)
        for a in apps[::5])
    applicant = UserFactory(roles=["applicant"])
    Membership.objects.create(user=applicant, municipality=munis[0], state=MembershipState.APPROVED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"call": calls[0], "topic": topics[calls[0].pk][0], "landkreis": kreise[0], "applicant": applicant}


def plan(queryset) -> str:
    """The plan of the page of `queryset` (LIMIT 25), with sequential scans and sorts priced out."""
    return explain_plan(*queryset[:25].query.sql_with_params())


def not_served(queryset, *, sorted_by_index: bool) -> list[str]:
    """What in the plan of `queryset` no index serves: tables read whole, and (if asked) sorts."""
    text = plan(queryset)
    problems = [f"reads {table} whole" for table in re.findall(r"Seq Scan on (\w+)", text)]
    if sorted_by_index and re.search(r"\bSort\b", text):
        problems.append("sorts the rows instead of reading them in the order of an index")
    return problems


def staff_cases(d):
    call = d["call"].pk
    yield "call", staff_applications(call_id=call), True
    yield "call + state", staff_applications(call_id=call, state=ApplicationState.SUBMITTED), True
    yield "call + topic", staff_applications(call_id=call, topic=str(d["topic"])), True
    yield "call + Landkreis", staff_applications(call_id=call, landkreis=str(d["landkreis"].pk)), False
    for order in (o for o in STAFF_SORTS if o != "lead"):
        yield f"call, order {order}", staff_applications(call_id=call, order=order), True
    yield "call, order lead", staff_applications(call_id=call, order="lead"), False
    yield "call + search", staff_applications(call_id=call, q="Gemeinde 17"), True


def jury_cases(d):
    """The jury panel's list of the call (jury.selectors.panel_applications), in case-number order."""
    from jury.models import Panel
    from jury.selectors import panel_applications

    panel = Panel.objects.create(call=d["call"])
    yield "jury panel", panel_applications(panel), True
    yield "jury panel + search", panel_applications(panel, search="Gemeinde 17"), False


def applicant_cases(d):
    own = applications_for_user(d["applicant"])
    yield "applicant", own, False
    yield "applicant + state", own.filter(state=ApplicationState.SUBMITTED), False


def test_every_filter_and_sort_of_the_application_lists_is_served_by_an_index(data):
    problems, checked = [], 0
    for label, queryset, sorted_by_index in [*staff_cases(data), *jury_cases(data), *applicant_cases(data)]:
        checked += 1
        problems += [f"{label}: {p}" for p in not_served(queryset, sorted_by_index=sorted_by_index)]
    assert checked == len(STAFF_SORTS) + 9
    assert problems == [], "add an index (Meta.indexes, named) for:\n" + "\n".join(problems)


def test_the_check_finds_an_unindexed_filter_and_sort(data):
    """Own share has no index: filtering or sorting a call's list by it is reported."""
    by_own_share = Application.objects.filter(own_share__gt=5).order_by("own_share", "pk")
    assert not_served(by_own_share, sorted_by_index=True) == [
        "reads applications_application whole", "sorts the rows instead of reading them in the order of an index"]
    unordered = staff_applications(call_id=data["call"].pk).order_by("own_share", "pk")
    assert not_served(unordered, sorted_by_index=True) == [
        "sorts the rows instead of reading them in the order of an index"]


def bitmap_plan(sql: str, params=None) -> str:
    """The plan of `sql` when every table must be reached through an index condition: sequential scans and
    plain or index-only scans (which can read a whole table through any index) cost 10^10, bitmap scans don't,
    and a bitmap scan needs an index whose condition is the query's own filter."""
    return explain_plan(sql, params, off=("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"))


def test_the_search_is_served_by_the_trigram_indexes(data):
    """Over every call, so no call's index can stand in: the applications are found by a BitmapOr of the
    title's and case number's trigram indexes (and the lead's foreign key index), the leads by the name's
    trigram index. Without migration 0006 both read their table whole. The rows are those of the join."""
    problems = []
    for text in ("projekt 12", "ix-00012", "GEMEINDE 17"):  # a title, a case number, a lead's name
        with CaptureQueriesContext(connection) as queries:
            found = search_applications(Application.objects.order_by(), text)
        (leads,) = queries.captured_queries
        applications, municipalities = bitmap_plan(*found.query.sql_with_params()), bitmap_plan(leads["sql"])
        wanted = ("BitmapOr", "application_title_trgm", "application_case_number_trgm")
        if "Seq Scan" in applications or not all(name in applications for name in wanted):
            problems.append(f"{text}: applications\n{applications}")
        if "Seq Scan" in municipalities or "municipality_name_trgm" not in municipalities:
            problems.append(f"{text}: municipalities\n{municipalities}")
        joined = Application.objects.filter(Q(title__icontains=text) | Q(case_number__icontains=text)
                                            | Q(lead__name__icontains=text))
        assert set(found.values_list("pk", flat=True)) == set(joined.values_list("pk", flat=True)) != set()
    assert problems == [], "\n".join(problems)
