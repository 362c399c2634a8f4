"""No list reads the proposal's long texts (issue 13: "only the shown columns loaded").

A real proposal's four texts (summary, objectives, benefit, transferability) are several kilobytes that a list
row never shows; every list reads its applications through `applications.selectors.without_proposal_texts`.
This renders every GET route of the portal and the API (tests/access/routes.py) for each role that may see it
in the world of the access matrix and, wherever a page of rows was read (`foundation.paging.Paginator.page`,
behind `paginate()` and the API's pagination), fails if any query of that request selected one of the texts. A
new list that joins applications without leaving them out fails here without anyone naming it.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from foundation.paging import Paginator

from .harness import RoleClient, readable_routes
from .world import APPLICANT, APPROVER, CASE_WORKER, CHAIR, JUROR

ROLES = (APPLICANT, JUROR, CHAIR, CASE_WORKER, APPROVER)
# "summary" is also a column of the programme; the other three are the application's alone, and the texts are
# left out together
_ONLY_APPLICATIONS = "|".join(name for name in Application.PROPOSAL_TEXTS if name != "summary")
TEXT_COLUMN = re.compile(rf'\."({_ONLY_APPLICATIONS})"')


@pytest.fixture
def pages_read(monkeypatch):
    read = []
    original = Paginator.page

    def page(self, number):
        read.append(number)
        return original(self, number)

    monkeypatch.setattr(Paginator, "page", page)
    return read


def test_no_list_reads_the_proposal_texts(world, db, pages_read):
    clients = {role: RoleClient(world, role) for role in ROLES}
    problems, lists = [], set()
    for route, url, roles in readable_routes(world, ROLES):
        key = route.key
        for role in roles:
            pages_read.clear()
            with CaptureQueriesContext(connection) as ctx:
                response = clients[role].request("get", url)
            if response.status_code != 200 or not pages_read:
                continue
            lists.add(key)
            problems += [f"{key} as {role} ({url}): {q['sql'][:160]}…" for q in ctx.captured_queries
                         if TEXT_COLUMN.search(q["sql"])]
    assert len(lists) > 40, sorted(lists)
    assert not problems, "lists that read the proposal texts (without_proposal_texts):\n" + "\n".join(problems)


def test_the_check_sees_a_list_that_reads_them_and_one_that_does_not(world, db, pages_read):
    from applications.selectors import without_proposal_texts

    for rows, reads in ((Application.objects.order_by("pk"), True),
                        (without_proposal_texts(Application.objects.order_by("pk")), False)):
        with CaptureQueriesContext(connection) as ctx:
            list(Paginator(rows, 10).page(1))
        assert any(TEXT_COLUMN.search(q["sql"]) for q in ctx.captured_queries) is reads
    assert pages_read == [1, 1]
