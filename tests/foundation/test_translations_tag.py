"""{% load translations %}: Django's i18n library with a fixed {% translate "…" %} kept per language
(foundation/templatetags/translations.py). It must write exactly what Django's tag writes, in every language,
never carry one request's text into another, and be what every template of the project loads."""

import pytest
from django.template import Context, Engine, engines
from django.templatetags import i18n as django_i18n
from django.utils import translation

from foundation.templatetags import translations

SOURCES = [
    '{% translate "Antrag" %}',
    '{% trans "Zurück" %}',
    '{% translate "Antrag" as word %}[{{ word }}]',
    '{% translate "Antrag" noop %}',
    '{% translate "Fish & <Chips>" %}',
    '{% translate "100%% geprüft" %}',
    '{% translate "Antrag" context "Formular" %}',
    '{% translate label %}',
    '{% translate "Antrag"|upper %}',
    '{% autoescape off %}{% translate "Fish & <Chips>" %}{% endautoescape %}',
    '{% for i in "ab" %}{% translate "Antrag" %},{% endfor %}',
]


def _django_engine():
    return Engine(libraries={"i18n": "django.templatetags.i18n"})


def _project_template(source):
    return engines["django"].from_string("{% load translations %}" + source)


@pytest.mark.parametrize("source", SOURCES)
def test_writes_what_djangos_tag_writes_in_each_language(source):
    ours = _project_template(source)
    theirs = _django_engine().from_string("{% load i18n %}" + source)
    for language in ("de", "en", "de", "en"):  # the second round reads what the first one kept
        with translation.override(language):
            context = {"label": "Antrag"}
            assert ours.render(context) == theirs.render(Context(context)), (source, language)


def test_every_template_of_the_project_loads_it_instead_of_i18n():
    import re
    from pathlib import Path

    from django.conf import settings

    engine = engines["django"].engine
    assert engine.template_libraries["translations"] is translations.register
    assert engine.template_libraries["i18n"] is django_i18n.register  # Django's own, under its own name
    assert set(django_i18n.register.tags) <= set(translations.register.tags)
    assert set(django_i18n.register.filters) <= set(translations.register.filters)
    root = Path(settings.BASE_DIR)
    templates = [p for p in root.glob("**/templates/**/*.*")
                 if p.is_file() and not {".venv", "node_modules"} & set(p.parts)]
    loads = [(p, m.group(1).split()) for p in templates for m in re.finditer(r"\{% load ([^%]*)%\}", p.read_text())]
    assert len(loads) > 100
    assert [str(p.relative_to(root)) for p, names in loads if "i18n" in names] == []
    node = [n for n in _project_template('{% translate "Antrag" %}').template.nodelist
            if isinstance(n, django_i18n.TranslateNode)][0]
    assert isinstance(node, translations.TranslateNode) and node.fixed


def test_a_language_switch_between_renders_of_one_template():
    template = _project_template('{% translate "Antrag" %}')
    with translation.override("en"):
        assert template.render({}) == "Application"
    with translation.override("de"):
        assert template.render({}) == "Antrag"
    with translation.override("en"):
        assert template.render({}) == "Application"


@pytest.mark.parametrize("source", ['{% translate label %}', '{% translate "Antrag"|upper %}'])
def test_a_variable_or_filtered_message_is_not_kept(source):
    template = _project_template(source)
    node = [n for n in template.template.nodelist if isinstance(n, django_i18n.TranslateNode)][0]
    assert not node.fixed
    assert template.render({"label": "eins"}) in ("eins", "ANTRAG")
    if "label" in source:
        assert template.render({"label": "zwei"}) == "zwei"


def test_a_kept_text_stays_safe_as_djangos_literal_is():
    """A literal in a template is safe text (Django does not escape it); the kept text is the same safe string."""
    template = _project_template('{% translate "Fish & <Chips>" as word %}{{ word }}|{{ word|force_escape }}')
    for _ in range(2):
        assert template.render({}) == "Fish & <Chips>|Fish &amp; &lt;Chips&gt;"
