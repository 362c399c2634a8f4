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


def test_counts_and_page_numbers_are_grouped_by_thousands_and_the_links_keep_the_plain_number():
    _page, html = _render("/?seite=1200", list(range(3115 * 2)))
    assert "Seite 1.200 von 3.115" in html and "6.230 Einträge" in html
    numbers = re.findall(r'<span class="kern-sr-only">Seite </span>([\d.]+)</a>', html)
    assert numbers == ["1", "1.199", "1.200", "1.201", "3.115"]
    assert 'href="?seite=1201"' in html and 'href="?seite=3115"' in html


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
        ids, rows_of_page = ctx.captured_queries[1]["sql"], ctx.captured_queries[2]["sql"]
        assert "landkreis_id" not in ids.split("FROM")[0]  # the first step reads the ids only
        assert " IN (" in rows_of_page and "LIMIT" not in rows_of_page
        assert len(ctx.captured_queries) == 4  # count, ids, rows, the prefetch


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
