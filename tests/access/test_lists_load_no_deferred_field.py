"""No list loads a column it left out, one row at a time (issue 13: "only the shown columns loaded").

The lists leave columns out (`applications.selectors.without_proposal_texts`; the API lists load only what their
serializer shows, `foundation.api.ShapedReadMixin`). A column left out and then shown is read by a query of its own
for every row (Django's deferred field: `refresh_from_db(fields=[…])`). This renders every GET route of the portal
and the API for each role that may see it, in the world of the access matrix, (plainly and with each filter value
the index sweep lists, tests/access/test_list_plans.py) and fails wherever a request that read a page of rows loaded
a deferred field.
"""

import pytest
from django.db.models import Model

from foundation.paging import Paginator

from .harness import RoleClient
from .test_list_plans import ROLES, requests


@pytest.fixture
def watched(monkeypatch):
    """Pages read and deferred fields loaded, since the last clear()."""
    seen = {"pages": [], "deferred": []}
    page, refresh = Paginator.page, Model.refresh_from_db

    def counted_page(self, number):
        seen["pages"].append(number)
        return page(self, number)

    def counted_refresh(self, using=None, fields=None, from_queryset=None):
        if fields:
            seen["deferred"].append(f"{type(self).__name__}.{','.join(fields)}")
        return refresh(self, using=using, fields=fields, from_queryset=from_queryset)

    monkeypatch.setattr(Paginator, "page", counted_page)
    monkeypatch.setattr(Model, "refresh_from_db", counted_refresh)
    return seen


def test_no_list_loads_a_deferred_field(world, db, watched):
    clients = {role: RoleClient(world, role) for role in ROLES}
    problems, lists = [], set()
    for key, url, query, role, _number in requests(world):  # every list, plainly and with each filter value
        watched["pages"].clear()
        watched["deferred"].clear()
        response = clients[role].client.get(url, query)
        if response.status_code != 200 or not watched["pages"]:
            continue
        lists.add(key)
        if watched["deferred"]:
            problems.append(f"{key} as {role} ({url} {query or ''}): {sorted(set(watched['deferred']))}")
    assert len(lists) > 40, sorted(lists)
    assert not problems, "lists that load a column they left out, row by row:\n" + "\n".join(problems)


def test_the_check_sees_a_deferred_field_loaded(world, db, watched):
    from applications.models import Application

    rows = list(Paginator(Application.objects.order_by("pk").only("id"), 10).page(1))
    assert rows and not watched["deferred"]
    rows[0].title  # noqa: B018  (a left-out column, shown)
    assert watched["deferred"] == ["Application.title"]
