"""{% pagination page %}: the page links below a paginated list (foundation/paging.py)."""

from django import template
from django.http import QueryDict

from foundation.paging import PARAM

register = template.Library()


@register.inclusion_tag("foundation/_pagination.html", takes_context=True)
def pagination(context, page, label=""):
    """Page links that keep the other query parameters; `label` names the list for screen readers when a
    page shows more than one paginated list."""
    paginator = page.paginator
    links = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    request = context.get("request")
    return {"query": request.GET if request is not None else QueryDict(), "page": page, "links": links, "param": PARAM,
            "ellipsis": paginator.ELLIPSIS, "label": label}
