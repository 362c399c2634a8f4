"""{% url %} (foundation/templatetags/urls.py): the addresses of ids are written from a kept pattern; every answer must
be the one Django's own tag gives (or the same error), for every route of the project, in both languages, under a
script prefix, with ``as``, for ids, text and numbers Django refuses."""

from types import SimpleNamespace

import django.urls
import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.utils import translation

from foundation.templatetags import urls
from tests.access.routes import all_routes

VALUES = ([1], [0], [42], [9_876_543_210], [-1], ["abc"], ["a b/ü"], [True], [None], [3.0])


def _source(name: str, count: int, asvar: bool = False) -> str:
    args = "".join(f" a{i}" for i in range(count))
    return f"{{% url '{name}'{args} as u %}}[{{{{ u }}}}]" if asvar else f"{{% url '{name}'{args} %}}"


def _render(template, context: dict, request=None):
    ctx = Context(context)
    if request is not None:
        ctx.request = request  # where Django's tag looks for the current application
    try:
        return template.render(ctx)
    except NoReverseMatch:
        return NoReverseMatch


def _both(name: str, count: int, values: list, *, asvar=False, request=None):
    """The answer of the project's engine (our tag) and of an engine with Django's tags only."""
    source = _source(name, count, asvar)
    context = {f"a{i}": values[i % len(values)] for i in range(count)}
    return tuple(_render(engine.from_string(source), context, request)
                 for engine in (engines["django"].engine, Engine(builtins=[])))


@pytest.fixture(autouse=True)
def _fresh_patterns():
    urls._PATTERNS.clear()
    yield
    urls._PATTERNS.clear()
    clear_script_prefix()


ROUTES = [r for r in all_routes() if "[" not in r.key and not r.key.startswith("/")]


def test_every_route_gives_djangos_address():
    checked = fast = 0
    for prefix in ("/", "/portal/"):
        set_script_prefix(prefix)
        for language in ("de", "en"):
            with translation.override(language):
                for route in ROUTES:
                    for values in VALUES:
                        for asvar in (False, True):
                            ours, theirs = _both(route.key, len(route.kwargs), values, asvar=asvar)
                            assert ours == theirs, (route.key, values, prefix, language, asvar)
                            checked += 1
        fast += sum(parts is not None for parts in urls._PATTERNS.values())
    assert len(ROUTES) > 150 and checked > 8000
    assert fast > 150  # most routes take ids, and their patterns were kept


def test_an_id_link_is_written_from_the_kept_pattern(monkeypatch):
    route = next(r for r in ROUTES if r.key == "jury:panel")
    template = engines["django"].from_string(_source(route.key, 1))
    assert template.render({"a0": 7}) == "/jury/aufrufe/7/"
    calls = []
    for module in (urls, django.urls):  # ours, and the one Django's tag imports when it reverses
        monkeypatch.setattr(module, "reverse", lambda *a, **k: calls.append(a) or "/wrong/")
    assert [template.render({"a0": n}) for n in (8, 123456)] == ["/jury/aufrufe/8/", "/jury/aufrufe/123456/"]
    assert calls == []  # no reverse once the pattern is kept


def test_what_the_pattern_depends_on():
    template = engines["django"].from_string("{% url 'jury:panel' 5 %}")
    assert template.render({}) == "/jury/aufrufe/5/"
    set_script_prefix("/portal/")
    assert template.render({}) == "/portal/jury/aufrufe/5/"
    clear_script_prefix()
    with override_settings(ROOT_URLCONF="tests.foundation.url_tag_urls"):
        assert template.render({}) == "/anderswo/5/"
    assert template.render({}) == "/jury/aufrufe/5/"


def test_the_current_application_is_djangos():
    """The admin's links follow the namespace of the view that answered, as Django's tag does."""
    answered = SimpleNamespace(namespace="admin")
    for request in (SimpleNamespace(current_app="admin"), SimpleNamespace(resolver_match=answered),
                    SimpleNamespace(resolver_match=None), SimpleNamespace(current_app=None)):
        ours, theirs = _both("admin:jury_panel_change", 1, [3], request=request)
        assert ours == theirs == "/admin/jury/panel/3/change/"


def test_an_escaped_address_and_a_refused_number():
    template = engines["django"].from_string("{% url 'jury:panel' n %}")
    with pytest.raises(NoReverseMatch):
        template.render({"n": -4})
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'gibt:es-nicht' 1 %}").render({})
    assert engines["django"].from_string("{% url 'gibt:es-nicht' 1 as u %}[{{ u }}]").render({}) == "[]"
