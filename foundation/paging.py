"""One page of a list (issue 13: every list is bounded).

Every page that lists rows of a growing table shows one page of them, chosen by the German query
parameter ``seite`` (1, 2, …; a missing, mangled or too large number gives the first or the last page,
never an error). The other query parameters (filters, search, order) stay in the page links, which
``{% pagination page %}`` (foundation/templatetags/paging.py, templates/foundation/_pagination.html)
renders below the table.

The API paginates with DRF's ``PageNumberPagination`` (``?page=``, 50 per page, envelope
``count``/``next``/``previous``/``results``; config/settings.py); docs/performance.md describes both.
"""

from django.core.paginator import Page, Paginator

PARAM = "seite"
PER_PAGE = 25


def paginate(request, rows, *, per_page: int = PER_PAGE, number=None) -> Page:
    """The page of `rows` (a queryset or a list) that ``?seite=`` asks for; `number` overrides the request
    (e.g. the page on which a marked row falls)."""
    return Paginator(rows, per_page).get_page(number if number is not None else request.GET.get(PARAM))


def page_number_of(index: int, *, per_page: int = PER_PAGE) -> int:
    """The page (1, 2, …) on which the row at position `index` (0-based) of the full list falls."""
    return index // per_page + 1
