"""One page of a list (issue 13: every list is bounded).

Every page that lists rows of a growing table shows one page of them, chosen by the German query
parameter ``seite`` (1, 2, …; a missing, mangled or too large number gives the first or the last page,
never an error). The other query parameters (filters, search, order) stay in the page links, which
``{% pagination page %}`` (foundation/templatetags/paging.py, templates/foundation/_pagination.html)
renders below the table.

The API paginates with DRF's ``PageNumberPagination`` (``?page=``, 50 per page, envelope
``count``/``next``/``previous``/``results``; config/settings.py); docs/performance.md describes both.
"""

from django.core import paginator as django_paginator
from django.core.paginator import Page
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from rest_framework import pagination

PARAM = "seite"
PER_PAGE = 25


class Paginator(django_paginator.Paginator):
    """Django's paginator that reads a page of a queryset in two steps: the ids of the page's rows (the list's
    filter and order, no other column and no join it does not need), then those rows with everything the
    queryset selects, joins and prefetches.

    Asked in one step, the database joins every row of the list to its related rows and sorts those wide rows
    to keep 25 or 50 (the staff's disbursement list at 10,000 cases: 36 ms, its ids alone 3 ms;
    bench/scale.py --explain). Only a queryset with joined rows (``select_related``) or computed columns
    (annotations) is read so; any other is one step, as Django reads it, and so is a list that is not a plain
    queryset of model instances (a Python list, a union, rows as dicts or tuples). The count is Django's.

    ``shown``: the same rows with what only a shown row needs, e.g. a computed column that joins other tables.
    The count and the ids then come from ``object_list`` alone and only the page's rows from ``shown``: Django
    keeps an annotation's joins in the count even where the count does not use it (the staff's disbursement
    queue at 10,000 cases: its count joined every request to its grant and application, 9 ms instead of 2).
    """

    def __init__(self, object_list, per_page, *, shown: QuerySet | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.shown = shown

    def _get_page(self, object_list, number, paginator):
        if self.shown is not None or (
                isinstance(object_list, QuerySet) and object_list._iterable_class is ModelIterable
                and not object_list.query.combinator
                and (object_list.query.select_related or object_list.query.annotations)):
            ids = list(object_list.values_list("pk", flat=True))
            source = self.object_list if self.shown is None else self.shown
            rows = {row.pk: row for row in source.filter(pk__in=ids)} if ids else {}
            object_list = [rows[pk] for pk in ids if pk in rows]
        return super()._get_page(object_list, number, paginator)


def paginate(request, rows, *, per_page: int = PER_PAGE, number=None, shown: QuerySet | None = None) -> Page:
    """The page of `rows` (a queryset or a list) that ``?seite=`` asks for; `number` overrides the request
    (e.g. the page on which a marked row falls); `shown`, the same rows as a queryset with what only the shown
    rows need (see ``Paginator``)."""
    return Paginator(rows, per_page, shown=shown).get_page(number if number is not None else request.GET.get(PARAM))


def page_number_of(index: int, *, per_page: int = PER_PAGE) -> int:
    """The page (1, 2, …) on which the row at position `index` (0-based) of the full list falls."""
    return index // per_page + 1


class PageNumberPagination(pagination.PageNumberPagination):
    """The API's pagination (DEFAULT_PAGINATION_CLASS): DRF's ``?page=`` with ``PAGE_SIZE`` rows, each page read in
    the two steps of ``Paginator``."""

    django_paginator_class = Paginator
