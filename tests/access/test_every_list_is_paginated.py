"""Every list page is bounded (issue 13): no page of the portal shows more rows of a list than one page.

How it works, so that a new unpaginated list fails here without anyone remembering to add it:

* The page size of ``foundation.paging`` is forced to ONE row for this test. The world of the
  access-control matrix (world.py) has two or more rows of every growing thing a role sees (applications
  in several states, three applications in the jury's evaluation, assignments, sheets, grants,
  disbursements, proofs, memberships …).
* Every URL pattern of the portal (from the root urlconf, tests/access/routes.py) that answers GET is
  rendered for each representative role the access table lets see it (a municipality's member, a jury
  member, the chair, a case worker, an approver).
* In every HTML answer, every list of rows — the ``<tr>`` of a ``<tbody>``, the ``<li>`` of a ``<ul>``/
  ``<ol>``, sibling ``<article>`` cards — may hold at most one row (plus a "nothing here" row). A list
  rendered through ``paginate()`` shows one row; a list rendered in full, or paginated by hand with
  Django's ``Paginator``, shows two or more and fails with the route and the list's caption.
* Lists that cannot grow with the cases are declared where they are rendered: an element (or an ancestor)
  with ``data-bounded="<why>"`` — the cost lines and attachments of ONE application, the criteria of a
  programme, the steps of a timeline of one case, a fixed checklist. Navigation (``<nav>``, the site
  header and footer), form widgets and alerts (``.kern-alert``: the problems of one form or case) are
  not lists of rows.

A list that happens to have fewer than two rows in the world is not caught; the world is shared with the
access matrix, so new objects land in it for that test too. The API has its own guard
(tests/api/test_every_list_is_paginated.py).
"""

from html.parser import HTMLParser

import pytest

import foundation.paging
from foundation.paging import Paginator

from .harness import RoleClient, readable_routes
from .world import APPLICANT, APPROVER, CASE_WORKER, CHAIR, JUROR

ROLES = (APPLICANT, JUROR, CHAIR, CASE_WORKER, APPROVER)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ROWS = {"tbody": "tr", "ul": "li", "ol": "li"}
SKIP = {"nav", "header", "footer", "select", "datalist", "template", "script", "style", "svg"}


class _Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], []


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = _Node("root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(_Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text.append(data)


def _text(node) -> str:
    return " ".join(" ".join(node.text).split() + [_text(c) for c in node.children]).strip()


def _name(node) -> str:
    """The list's caption, heading or label, for the message."""
    table = node.parent if node.tag == "tbody" else None
    for child in (table.children if table else []):
        if child.tag == "caption":
            return _text(child)[:80]
    return node.attrs.get("aria-label") or node.attrs.get("class") or node.tag


def overlong_lists(html: str, *, limit: int = 1) -> list[str]:
    """The lists of rows in `html` that show more than `limit` rows and are not declared bounded."""
    tree = _Tree()
    tree.feed(html)
    found = []

    def walk(node):
        if node.tag in SKIP or "data-bounded" in node.attrs or "kern-alert" in (node.attrs.get("class") or ""):
            return
        rows = [c for c in node.children if c.tag == ROWS.get(node.tag)]
        cards = [c for c in node.children if c.tag == "article"]
        for kind, items in (("rows", rows), ("cards", cards)):
            # a "nothing here" row (one cell spanning the table) is not a row of the list
            real = [i for i in items if not any("colspan" in c.attrs for c in i.children)]
            if len(real) > limit:
                found.append(f"<{node.tag}> '{_name(node)}' shows {len(real)} {kind}")
        for child in node.children:
            walk(child)

    walk(tree.root)
    return found


@pytest.fixture
def one_row_pages(monkeypatch):
    class OneRowPaginator(Paginator):
        def __init__(self, object_list, per_page, *args, **kwargs):
            super().__init__(object_list, 1, *args, **kwargs)

    monkeypatch.setattr(foundation.paging, "Paginator", OneRowPaginator)


def pages(world):
    """(route key, url, roles) of every portal page that answers GET, filled with the world's own objects."""
    for route, url, roles in readable_routes(world, ROLES):
        if route.path.startswith("api/"):
            continue
        if CASE_WORKER in roles and APPROVER in roles:
            roles.remove(APPROVER)  # the same staff lists; the approver only where case workers do not look
        yield route.key, url, roles


def test_no_page_shows_more_than_one_page_of_rows(world, db, one_row_pages):
    clients = {role: RoleClient(world, role) for role in ROLES}
    problems, checked = [], 0
    for key, url, roles in pages(world):
        for role in roles:
            response = clients[role].request("get", url)
            if response.status_code != 200 or not response.headers.get("Content-Type", "").startswith("text/html"):
                continue
            checked += 1
            problems += [f"{key} as {role} ({url}): {problem}"
                         for problem in overlong_lists(response.content.decode())]
    assert checked > 60
    assert not problems, "lists without pagination (foundation.paging) or data-bounded:\n" + "\n".join(problems)


def test_the_check_finds_a_full_list_and_passes_a_bounded_one():
    full = ("<table><caption>Anträge</caption><tbody><tr><td>1</td></tr><tr><td>2</td></tr></tbody></table>"
            "<ul class='x'><li>a</li><li>b</li></ul><div><article>1</article><article>2</article></div>")
    assert overlong_lists(full) == ["<tbody> 'Anträge' shows 2 rows", "<ul> 'x' shows 2 rows",
                                    "<div> 'div' shows 2 cards"]
    bounded = ("<table data-bounded='Kostenzeilen eines Antrags'><tbody><tr><td>1</td></tr><tr><td>2</td></tr>"
               "</tbody></table><nav><ul><li>a</li><li>b</li></ul></nav>"
               "<table><tbody><tr><td>1</td></tr><tr><td colspan='3'>Keine weiteren</td></tr></tbody></table>")
    assert overlong_lists(bounded) == []
