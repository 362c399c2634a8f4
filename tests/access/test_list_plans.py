"""Every filter and sort a list offers is served by an index (issue 13), for every list of the portal and the API.

tests/applications/test_list_indexes.py proves it in depth for the lists of applications; this test sweeps every
other list without anyone naming it, the way tests/access/test_lists_read_no_proposal_texts.py does:

* Every GET route of the portal and the API (tests/access/routes.py) is rendered for each role the access table
  lets see it, in the world of the access matrix, once plainly and once per filter value in ``VARIANTS``.
* Wherever a page of rows is read (``foundation.paging.Paginator``, behind ``paginate()`` and the API's
  pagination), the page's query (the ids of its rows: the list's filter and order) and its ``COUNT(*)`` are
  explained, also where the list is empty in this world (a role without rows of its own), with sequential scans
  and sorts priced out (``enable_seqscan``, ``enable_sort``, ``enable_incremental_sort`` off, tests/plans.py: they
  then cost 10^10, so the planner takes any usable index instead — see tests/applications/test_list_indexes.py for
  why this proves an index exists and is usable although the world's tables are small).
* A ``Seq Scan`` of a table that grows with the cases means no index serves the list's filter; a ``Sort`` in a
  page's plan means no index gives its order. Tables that do not grow with the cases (``BOUNDED``) may be read
  whole, and a list that shows the rows of one owner (one user, one municipality's members, one jury member)
  may sort those few rows (``SMALL_SORTS``, with the reason).
* Every query parameter a list reads on a plain request must have its values in ``VARIANTS`` or be named in
  ``NOT_FILTERS``: a list that gains a filter fails here until its values are listed (and served). A filter read
  only when it is given is not seen that way; such lists are listed in ``VARIANTS`` by hand.
"""

import contextlib
import re

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from applications.enums import ApplicationState
from applications.forms import StaffFilterForm
from applications.selectors import STAFF_SORTS
from foundation.paging import Paginator
from payments.enums import DecisionState, DisbursementState, GrantState, RecoveryState
from payments.views.proofs_staff import CONFIRMED_LIST
from tests.plans import plan as explain_plan
from tests.services import require_postgres

from .harness import RoleClient, readable_routes
from .world import APPLICANT, APPROVER, CASE_WORKER, CHAIR, JUROR, OWN

pytestmark = [pytest.mark.postgres]

ROLES = (APPLICANT, JUROR, CHAIR, CASE_WORKER, APPROVER)
PAGING = {"seite", "page", "format"}

# Tables whose rows do not grow with the cases: reading them whole, or sorting them, costs what a page costs.
BOUNDED = {
    "grants_fundingprogram": "a handful of programmes",
    "grants_call": "a few calls a year",
    "accounts_municipality": "Hessen's municipalities, about 450",
    "jury_panel": "one panel per call",
    "jury_panelmember": "a few members per panel",
    "jury_session": "a few sessions per panel",
    "payments_bankaccount": "one current account per municipality, and its few earlier ones",
}


def _owner(*roles):
    return lambda role, query: role in roles


def _given(**params):
    """The request gives these parameters (``...``: with any value)."""
    return lambda role, query: all(k in query and v in (..., query[k]) for k, v in params.items())


# Lists whose page may sort its rows although a growing table is read, with the reason: they show the rows of one
# owner (found through an index) or a handful of rows, sorted by a column no index of the list's table has (often
# a column of a joined table).
SMALL_SORTS = {
    "applications:list": (_owner(APPLICANT), "the applications of the user's municipalities, newest change first"),
    "api-application-list": (_owner(APPLICANT), "the applications of the user's municipalities"),
    "api-membership-list": (_owner(*ROLES), "the user's own memberships"),
    "api-payments-grant-list": (_owner(APPLICANT), "the grants of the user's municipalities"),
    "payments:grants": (_owner(APPLICANT), "the grants of the user's municipalities"),
    "api-payments-notice-list": (_owner(APPLICANT), "the notices of the user's municipalities"),
    "api-payments-proof-list": (_owner(APPLICANT), "the proofs of the user's municipalities, by due date"),
    "api-jury-assignment-list": (_owner(*ROLES), "the user's own assignments, by the applications' case numbers"),
    "jury:workspace": (_owner(*ROLES), "the user's own assignments, by call and the applications' case numbers"),
    "api-jury-panel-assignments": (_owner(CASE_WORKER, APPROVER),
                                   "one panel's assignments (about three per application), by the applications' "
                                   "case numbers"),
    "api-jury-session-decisions": (_owner(JUROR, CHAIR, CASE_WORKER, APPROVER),
                                   "one jury session's decisions (at most one per application of the call in "
                                   "evaluation), by the applications' case numbers"),
    "api-downloads-list": (_owner(*ROLES), "the user's own documents, kept for a week"),
    "downloads:list": (_owner(*ROLES), "the user's own documents, kept for a week"),
    "api-staff-outbox-list": (_owner(CASE_WORKER, APPROVER), "only the stuck messages, found through the state"),
    "outbox:stuck": (_owner(CASE_WORKER, APPROVER), "only the stuck messages, found through the state"),
    "api-staff-application-list": (_given(ordering="lead"), "one call's applications by the lead's name "
                                   "(tests/applications/test_list_indexes.py)"),
    "applications:staff-call": (_given(order="lead"), "one call's applications by the lead's name"),
    "api-staff-payments-disbursement-list": (_given(grant=...), "one grant's requests"),
}

# Query parameters a list reads that do not choose its rows.
NOT_FILTERS = {
    "budget": "the ranking's what-if budget (the ranking is not a query of rows, see docs/jury.md)",
    "on": "the day interest is computed for (the recoveries' amounts, not their rows)",
}


def _world_pk(kind):
    return lambda world: world.objects[kind][OWN]


def _topic(world):
    from grants.models import Topic

    return Topic.objects.filter(program__calls=world.objects["call"][OWN]).values_list("pk", flat=True).first()


def _member(world):
    from jury.models import PanelMember

    return PanelMember.objects.filter(panel=world.objects["panel"][OWN]).values_list("pk", flat=True).first()


def _landkreis(world):
    from accounts.models import Municipality

    return Municipality.objects.get(pk=world.objects["municipality"][OWN]).landkreis_id


def _each(param, values):
    return [{param: value} for value in values]


# Filter values per list: each dict is one request (a value may be a function of the world).
VARIANTS = {
    "applications:list": [*_each("state", ApplicationState.values), {"q": "Projekt"},
                          {"q": "Projekt", "state": ApplicationState.DRAFT}],
    "api-application-list": [*_each("state", ApplicationState.values), {"search": "Projekt"}],
    "applications:staff-call": [*_each("state", ["submitted", "eligible", "in_evaluation"]),
                                *_each("order", [o for o, _label in StaffFilterForm.base_fields["order"].choices]),
                                {"topic": _topic}, {"landkreis": _landkreis}, {"q": "Projekt"},
                                *_each("joint", ["joint", "single"])],
    "api-staff-application-list": [{"call": _world_pk("call")},
                                   *({"call": _world_pk("call"), "ordering": o} for o in STAFF_SORTS),
                                   *({"call": _world_pk("call"), **more} for more in (
                                       {"state": "submitted"}, {"topic": _topic}, {"landkreis": _landkreis},
                                       {"search": "Projekt"}, {"joint": "joint"}, {"joint": "single"}))],
    "api-municipality-list": [{"mine": "true"}, {"search": "Gemeinde"}],
    "api-membership-review-list": [{"search": "Gemeinde"}, {"search": "jo gemeinde"}],
    "accounts:membership-review": [{"q": "Gemeinde"}],
    "api-jury-assignment-list": [{"panel": _world_pk("panel")}, {"state": "open"}, {"state": "submitted"},
                                 {"search": "Projekt"}],
    "jury:workspace": [{"zeigen": "offen"}, {"zeigen": "abgegeben"}, {"q": "Projekt"}],
    "jury:panel": [{"mitglied": _member}, {"q": "Projekt"}],
    "api-jury-panel-assignments": [{"member": _member}, {"search": "Projekt"}],
    "api-payments-bank-account-list": [{"municipality": _world_pk("municipality")}, {"search": "Gemeinde"},
                                       {"search": "DE12"}],
    "payments:bank-accounts": [{"q": "Gemeinde"}, {"q": "de12 5001"}],
    "api-payments-grant-list": [*_each("state", GrantState.values), {"search": "Projekt"}],
    "payments:grants": [*_each("state", GrantState.values), {"q": "Projekt"}, {"q": "Projekt", "state": "final"}],
    "api-payments-decision-list": [{"application": _world_pk("draft")}, {"call": _world_pk("call")},
                                   *_each("state", DecisionState.values), {"search": "Projekt"},
                                   {"call": _world_pk("call"), "search": "Projekt"}],
    "api-payments-disbursement-list": [{"grant": _world_pk("grant")}, {"search": "Projekt"}],
    "api-payments-proof-list": [{"search": "Projekt"}],
    "payments:disbursement-grants": [{"q": "Projekt"}],
    "api-staff-payments-disbursement-list": [{"grant": _world_pk("grant")}, *_each("state", DisbursementState.values),
                                             {"search": "Projekt"}, {"search": "Projekt", "state": "requested"},
                                             {"payment_run": _world_pk("payment_run")},
                                             {"payment_run": _world_pk("payment_run"), "search": "Projekt"}],
    "payments:payment-run": [{"q": "Projekt"}],
    "api-staff-payments-notice-run-list": [{"call": _world_pk("call")}],
    "api-staff-payments-proof-list": [*_each("view", ["submitted", "overdue", "all"]),
                                      *({"view": v, "search": "Projekt"} for v in ("submitted", "overdue", "all"))],
    "api-staff-payments-recovery-list": [*_each("state", RecoveryState.values), {"search": "Projekt"},
                                         {"search": "Projekt", "state": "open"}],
    "api-staff-payments-settlement-list": [{"search": "Projekt"}],
    # (its lists "empfohlen" and "nachrueckliste" are rows of the cached ranking, not a query)
    "payments:decisions-call": [*_each("liste", ["offen", "entschieden"]), {"q": "Projekt"},
                                *({"liste": v, "q": "Projekt"} for v in ("offen", "entschieden"))],
    "payments:disbursement-queue": [*_each("liste", ["pruefen", "anordnen", "angeordnet"]), {"q": "Projekt"},
                                    {"q": "Projekt", "liste": "angeordnet"}],
    "payments:proof-queue": [*_each("ansicht", ["eingereicht", "ueberfaellig", "alle"]),
                             *({"ansicht": v, "q": "Projekt"} for v in ("eingereicht", "ueberfaellig", "alle"))],
    "payments:proofs": [{"offen": "1"}, {"q": "Projekt"}, {"q": "Projekt", "offen": "1"}],
    "payments:recoveries": [*_each("status", RecoveryState.values), {"q": "Projekt"},
                            {"q": "Projekt", "status": "alle"}],
    "payments:settlements": [{"liste": CONFIRMED_LIST}, {"q": "Projekt"}, {"q": "Projekt", "liste": CONFIRMED_LIST}],
}


@pytest.fixture
def reads(monkeypatch):
    """The page queries and counts of one request, and the query parameters it read."""
    seen = {"plans": [], "keys": set()}
    original_page = Paginator.page

    def page(self, number):
        result = original_page(self, number)
        if isinstance(self.object_list, QuerySet):
            # The count as Django asks it and the page's query (the ids of its rows: the list's filter and order),
            # also for a list that is empty here, where Django reads no page.
            with CaptureQueriesContext(connection) as ctx:
                self.object_list.count()
            seen["plans"] += [("count", q["sql"], None) for q in ctx.captured_queries]
            bottom = (result.number - 1) * self.per_page
            with contextlib.suppress(EmptyResultSet):  # a list empty by its filter reads nothing
                seen["plans"].append(("page", *self.object_list[bottom:bottom + self.per_page]
                                      .values_list("pk", flat=True).query.sql_with_params()))
        return result

    monkeypatch.setattr(Paginator, "page", page)
    for name in ("get", "__getitem__", "getlist", "__contains__"):
        def reading(self, key, *args, _original=getattr(QueryDict, name), **kwargs):
            seen["keys"].add(key)
            return _original(self, key, *args, **kwargs)
        monkeypatch.setattr(QueryDict, name, reading)
    return seen


SCANNED = re.compile(r"(?<!Bitmap Index )Scan(?: Backward)?(?: using \w+)? on (\w+)")  # tables, not indexes


def not_served(kind: str, sql: str, params, *, sorts_allowed: bool) -> list[str]:
    """What no index serves in the plan of a page's query or its count: growing tables read whole and (a page of
    a growing table) a sort."""
    plan = explain_plan(sql, params)
    problems = [f"{kind} reads {table} whole" for table in re.findall(r"Seq Scan on (\w+)", plan)
                if table not in BOUNDED]
    growing = set(SCANNED.findall(plan)) - set(BOUNDED)
    if kind == "page" and growing and not sorts_allowed and re.search(r"\bSort\b", plan):
        problems.append("page sorts its rows instead of reading them in the order of an index")
    return problems


def requests(world):
    """(route, URL, query, role, variant number: 0 plain, 1… the route's VARIANTS) of every list request."""
    for route, url, roles in readable_routes(world, ROLES):
        for number, variant in enumerate([{}, *VARIANTS.get(route.key, ())]):
            query = {k: v(world) if callable(v) else v for k, v in variant.items()}
            for role in roles:
                yield route.key, url, query, role, number


def test_every_filter_and_sort_of_every_list_is_served_by_an_index(world, db, reads):
    require_postgres()  # EXPLAIN with priced-out scans is PostgreSQL's
    clients = {role: RoleClient(world, role) for role in ROLES}
    problems, unlisted, lists, variants = [], set(), set(), set()
    for key, url, query, role, number in requests(world):
        reads["plans"].clear()
        reads["keys"].clear()
        response = clients[role].client.get(url, query)
        if response.status_code != 200 or not reads["plans"]:
            continue
        lists.add(key)
        variants.add((key, number))
        unlisted |= {(key, k) for k in reads["keys"] - PAGING - set(NOT_FILTERS)
                     if not any(k in variant for variant in VARIANTS.get(key, ()))}
        small = SMALL_SORTS.get(key)
        allowed = small is not None and small[0](role, query)
        for kind, sql, params in reads["plans"]:
            problems += [f"{key} {query or ''}: {p}" for p in not_served(kind, sql, params, sorts_allowed=allowed)]
    assert len(lists) > 40, sorted(lists)
    unread = [(key, VARIANTS[key][n - 1]) for key in VARIANTS for n in range(1, len(VARIANTS[key]) + 1)
              if (key, n) not in variants]
    assert not unread, f"filter values that read no page (a 4xx, or no such list): {unread}"
    assert not unlisted, f"list filters without values in VARIANTS: {sorted(unlisted)}"
    assert not problems, "add an index (Meta.indexes, named) for:\n" + "\n".join(sorted(set(problems)))


def test_the_check_finds_an_unindexed_filter_and_sort(db):
    """The paid amount of a grant has no index: a list filtered and sorted by it is reported, the staff's list of
    grants (newest first, ``grant_created``) is not."""
    require_postgres()
    from payments.models import Grant

    def problems(queryset):
        return not_served("page", *queryset.values_list("pk", flat=True)[:25].query.sql_with_params(),
                          sorts_allowed=False)

    assert problems(Grant.objects.filter(paid_amount__gt=5).order_by("paid_amount", "pk")) == [
        "page reads payments_grant whole", "page sorts its rows instead of reading them in the order of an index"]
    assert problems(Grant.objects.order_by("-created_at", "-pk")) == []
