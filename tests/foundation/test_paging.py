"""foundation.paging and {% pagination %}: one page of rows, `seite` in the links, the other filters kept."""

import re

import pytest
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.db.models import Count
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import Municipality
from foundation.paging import Paginator, page_number_of, paginate
from tests.factories import LandkreisFactory, MunicipalityFactory


def _render(url: str, rows, per_page=2) -> tuple:
    request = RequestFactory().get(url)
    page = paginate(request, rows, per_page=per_page)
    html = Template("{% load paging %}{% pagination page %}").render(Context({"request": request, "page": page}))
    return page, html


def test_one_page_of_rows_and_links_that_keep_the_filters():
    page, html = _render("/liste/?status=offen&seite=2&q=M%C3%BChle", list(range(7)))
    assert list(page) == [2, 3]
    assert 'aria-label="Seitennavigation"' in html
    assert "Seite 2 von 4" in html and "7 Einträge" in html
    assert re.search(r'aria-current="page" href="\?status=offen&amp;seite=2&amp;q=M%C3%BChle"', html)
    assert 'rel="prev" href="?status=offen&amp;seite=1&amp;q=M%C3%BChle"' in html
    assert 'rel="next" href="?status=offen&amp;seite=3&amp;q=M%C3%BChle"' in html


def test_a_mangled_or_too_large_page_number_gives_a_page_not_an_error():
    assert list(_render("/?seite=abc", list(range(5)))[0]) == [0, 1]
    assert list(_render("/?seite=99", list(range(5)))[0]) == [4]


def test_a_single_page_shows_the_count_but_no_links_and_an_empty_list_nothing():
    _page, html = _render("/", [1])
    assert "Seite 1 von 1" in html and "1 Eintrag" in html and "<a" not in html
    assert _render("/", [])[1].strip() == ""


def test_many_pages_are_elided_around_the_current_one():
    _page, html = _render("/?seite=10", list(range(40)))
    numbers = re.findall(r'<span class="kern-sr-only">Seite </span>(\d+)</a>', html)
    assert numbers == ["1", "9", "10", "11", "20"]


def test_the_page_of_a_row():
    assert [page_number_of(i, per_page=25) for i in (0, 24, 25, 49, 50)] == [1, 1, 2, 2, 3]


# ---------------------------------------------------------------- the page of a queryset read in two steps

@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [("name", "pk"), ("-landkreis__name", "-pk"), ("-n_members", "name", "pk")])
def test_a_queryset_page_is_djangos_page_read_by_its_ids(ordering):
    kreise = [LandkreisFactory(name=f"Kreis {k}") for k in range(3)]
    for i in range(7):
        MunicipalityFactory(name=f"Ort {i % 4}", landkreis=kreise[i % 3])
    rows = (Municipality.objects.select_related("landkreis").prefetch_related("members")
            .annotate(n_members=Count("members")).order_by(*ordering))
    for number in (1, 2, 4):
        expected = list(DjangoPaginator(rows, 3).get_page(number))
        with CaptureQueriesContext(connection) as ctx:
            page = Paginator(rows, 3).get_page(number)
            got = list(page)
            assert [(m.landkreis.name if m.landkreis else None, m.n_members, len(m.members.all())) for m in got] == [
                (m.landkreis.name if m.landkreis else None, m.n_members, len(m.members.all())) for m in expected]
        assert [m.pk for m in got] == [m.pk for m in expected]
        count, ids, rows_of_page, _prefetch = _kinds(ctx.captured_queries)
        assert len(count) == 1 and len(ids) == 1 and len(rows_of_page) == 1  # and the prefetch
        assert "landkreis_id" not in ids[0].split("FROM")[0]  # the first step reads the ids only
        assert " IN (" in rows_of_page[0] and "LIMIT" not in rows_of_page[0]
        assert len(ctx.captured_queries) == 4


def _kinds(captured) -> tuple[list, list, list, list]:
    """The queries of reading a page: counts, ids (``LIMIT`` with no other column), rows by id, the rest."""
    count, ids, rows, rest = [], [], [], []
    for sql in (q["sql"] for q in captured):
        if "COUNT(*)" in sql:
            count.append(sql)
        elif "LIMIT" in sql and sql.split("FROM")[0].count(",") == 0:
            ids.append(sql)
        elif '"accounts_municipality"."id" IN (' in sql:
            rows.append(sql)
        else:
            rest.append(sql)
    return count, ids, rows, rest


@pytest.mark.django_db
@pytest.mark.parametrize("joined", [False, True], ids=["one step", "two steps"])
@pytest.mark.parametrize(("n", "number", "counted"), [
    (0, 1, False), (2, 1, False), (2, "1", False), (2, "abc", False),
    (3, 1, True), (4, 1, True), (4, 2, True), (4, "abc", True),
])
def test_a_list_shorter_than_a_page_is_its_own_count(joined, n, number, counted):
    """The first page is read before the count: fewer rows than a page are the whole list (no ``COUNT(*)``); a full
    first page, or any other page, is counted as Django counts it. Page, count and page range are Django's."""
    for i in range(n):
        MunicipalityFactory(name=f"Ort {i}", landkreis=LandkreisFactory(name=f"Kreis {i}"))
    rows = Municipality.objects.filter(kind="gemeinde").order_by("name", "pk")
    if joined:
        rows = rows.select_related("landkreis")
    expected = DjangoPaginator(rows, 3).get_page(number)
    with CaptureQueriesContext(connection) as ctx:
        page = Paginator(rows, 3).get_page(number)
        got = [(m.pk, m.landkreis.name if joined else None) for m in page]
    assert got == [(m.pk, m.landkreis.name if joined else None) for m in expected]
    assert (page.number, page.paginator.count, page.paginator.num_pages, page.has_next()) == (
        expected.number, expected.paginator.count, expected.paginator.num_pages, expected.has_next())
    count = _kinds(ctx.captured_queries)[0]
    assert len(count) == (1 if counted else 0)
    assert len(ctx.captured_queries) == (1 if counted else 0) + (2 if joined and n else 1)


@pytest.mark.django_db
def test_with_orphans_a_first_page_that_takes_them_is_the_whole_list():
    for i in range(4):
        MunicipalityFactory(name=f"Ort {i}")
    rows = Municipality.objects.filter(kind="gemeinde").order_by("name", "pk")
    for total in (4, 5):
        if total == 5:
            MunicipalityFactory(name="Ort 9")
        expected = DjangoPaginator(rows, 3, orphans=1).page(1)
        page = Paginator(rows, 3, orphans=1).page(1)
        assert [m.pk for m in page] == [m.pk for m in expected]
        assert page.paginator.count == expected.paginator.count == total
        assert page.paginator.num_pages == expected.paginator.num_pages


@pytest.mark.django_db
def test_the_api_envelope_of_a_short_list_counts_its_rows_without_a_count_query(client):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from foundation.paging import PageNumberPagination

    for i in range(2):
        MunicipalityFactory(name=f"Ort {i}")
    request = Request(APIRequestFactory().get("/api/v1/x/"))
    pagination = PageNumberPagination()
    with CaptureQueriesContext(connection) as ctx:
        rows = pagination.paginate_queryset(Municipality.objects.filter(name__startswith="Ort").order_by("name", "pk"),
                                            request)
    response = pagination.get_paginated_response([m.name for m in rows])
    assert response.data["count"] == 2 and response.data["results"] == ["Ort 0", "Ort 1"], response.data
    assert response.data["next"] is None and response.data["previous"] is None
    assert len(ctx.captured_queries) == 1 and "COUNT" not in ctx.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_an_empty_page_and_a_list_are_paged_as_django_pages_them():
    assert list(Paginator(Municipality.objects.none(), 3).get_page(1)) == []
    assert list(Paginator(Municipality.objects.order_by("pk"), 3).get_page(1)) == []
    assert list(Paginator(list(range(7)), 3).get_page(3)) == [6]
    kreis = LandkreisFactory(name="Kreis")
    rows = Municipality.objects.filter(pk=kreis.pk).annotate(n=Count("members")).values("name", "n")
    assert list(Paginator(rows, 3).get_page(1)) == [{"name": "Kreis", "n": 0}]


@pytest.mark.django_db
def test_what_only_the_shown_rows_need_stays_out_of_the_count_and_the_ids():
    """``shown``: a computed column over a join is read for the page's rows only; the count and the ids come
    from the plain rows (Django keeps an annotation's joins in the count even where it does not use them)."""
    from django.db.models import Exists, OuterRef

    kreise = [LandkreisFactory(name=f"Kreis {k}") for k in range(2)]
    for i in range(5):
        MunicipalityFactory(name=f"Ort {i}", landkreis=kreise[i % 2])
    rows = Municipality.objects.filter(kind="gemeinde").order_by("name", "pk")
    # "a municipality of the same Landkreis has a later name": joins the Landkreis through the outer row
    shown = rows.annotate(later=Exists(Municipality.objects.filter(
        landkreis__name=OuterRef("landkreis__name"), name__gt=OuterRef("name"))))
    expected = list(DjangoPaginator(shown, 2).get_page(2))
    with CaptureQueriesContext(connection) as ctx:
        page = Paginator(rows, 2, shown=shown).get_page(2)
        got = list(page)
    assert [(m.pk, m.later) for m in got] == [(m.pk, m.later) for m in expected]
    assert page.paginator.count == 5 and page.number == 2
    count, ids, rows_of_page = (q["sql"] for q in ctx.captured_queries)
    assert "JOIN" not in count and "JOIN" not in ids  # with `shown` alone as the list, both would join
    assert "JOIN" in DjangoPaginator(shown, 2).object_list.values("pk").query.__str__()
    assert "EXISTS" in rows_of_page and " IN (" in rows_of_page
    request = RequestFactory().get("/?seite=3")
    assert [m.pk for m in paginate(request, rows, per_page=2, shown=shown)] == [expected_last.pk for expected_last in
                                                                                 DjangoPaginator(shown, 2).page(3)]
