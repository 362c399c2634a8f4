"""Every table in the page templates carries KERN's table markup (the browser walks check the
rendered pages too: tests/browser/conftest.py:table_problems). PDF templates have their own CSS."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

BASE = Path(settings.BASE_DIR)
# The project's templates/ and each app's own templates/ (e.g. outbox/templates).
TEMPLATE_DIRS = [BASE / "templates", *(d for d in sorted(BASE.glob("*/templates"))
                                        if d.parent.name not in (".venv", "node_modules", "templates"))]
# An opening tag; attribute values may hold template tags ({% if %} … contains ">").
ATTRS = r'(?:[^>{]|\{\{.*?\}\}|\{%.*?%\}|\{(?![{%]))*'
TAG = re.compile(r"<(table|thead|tbody|tfoot|tr|th|td)(?=[\s>])(" + ATTRS + r")>", re.S)
CLASS = re.compile(r'\sclass="([^"]*)"')
REQUIRED = {"table": "kern-table", "thead": "kern-table__head", "tbody": "kern-table__body",
            "tfoot": "kern-table__footer", "tr": "kern-table__row", "th": "kern-table__header",
            "td": "kern-table__cell"}


def page_templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html") if "pdf" not in p.relative_to(d).parts)


def markup_problems(source: str) -> list[str]:
    problems = []
    for m in TAG.finditer(source):
        name, attrs = m.groups()
        classes = CLASS.search(attrs)
        if REQUIRED[name] not in (classes.group(1).split() if classes else []):
            line = source.count("\n", 0, m.start()) + 1
            problems.append(f"line {line}: <{name}> without {REQUIRED[name]}: {m.group(0)[:100]}")
        if name == "td" and classes and re.search(r"(^|\s)num(\s|$)", classes.group(1)):
            problems.append(f"<td class=num>: use kern-table__cell--numeric: {m.group(0)[:100]}")
    for table in re.finditer(r"<table\b.*?</table>", source, re.S):
        if "<thead" in table.group(0) and "table-cards" not in table.group(0).split(">", 1)[0]:
            problems.append(f"a table with a thead lacks table-cards: {table.group(0)[:100]}")
    return problems


@pytest.mark.parametrize("path", page_templates(), ids=lambda p: str(p.relative_to(BASE)))
def test_every_table_tag_has_kern_classes(path):
    assert markup_problems(path.read_text()) == []


def test_the_check_finds_a_table_without_classes():
    bad = ('<table><thead class="kern-table__header"><tr><th>Art</th></tr></thead>'
           '<tbody><tr><td class="num">1</td></tr></tbody></table>')
    found = "\n".join(markup_problems(bad))
    for expected in ("<table> without kern-table", "<thead> without kern-table__head",
                     "<tr> without kern-table__row", "<th> without kern-table__header",
                     "<td> without kern-table__cell", "use kern-table__cell--numeric", "lacks table-cards"):
        assert expected in found
    good = ('<table class="kern-table table-cards"{% if x %} id="x"{% endif %}><thead class="kern-table__head">'
            '<tr class="kern-table__row"><th class="kern-table__header">A</th></tr></thead></table>')
    assert markup_problems(good) == []


def test_the_card_layout_rules_exist_in_the_one_stylesheet():
    css = (BASE / "static" / "css" / "app.css").read_text()
    block = css[css.index("/* tables */"):]
    for rule in (".kern-table__cell--numeric", "tabular-nums", ".case-number", ".table-cards",
                 "attr(data-label)"):
        assert rule in block


def test_nth_filter_gives_the_header_of_a_loop_column():
    template = engines["django"].from_string("{% load tables %}{{ names|nth:1 }}|{{ names|nth:9 }}")
    assert template.render({"names": ["Innovation", "Wirkung"]}) == "Wirkung|"
