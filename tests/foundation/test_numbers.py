"""{{ n|thousands }}: counts and places grouped by thousands, as every figure of the portal (foundation.amounts)."""

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(("value", "shown"), [
    (0, "0"), (7, "7"), (999, "999"), (1000, "1.000"), (3115, "3.115"), (1234567, "1.234.567"), (-2500, "-2.500"),
    (None, "–"), ("–", "–"), ("", ""), (True, "True"),
])
def test_a_count_is_grouped_by_thousands_and_anything_else_written_as_it_is(value, shown):
    # built in: no {% load %}
    assert Template("{{ n|thousands }}").render(Context({"n": value})) == shown


def test_a_place_left_empty_reads_as_a_dash_and_english_pages_group_as_german_ones_do():
    template = Template('{{ p|default:"–"|thousands }}')
    assert template.render(Context({"p": None})) == "–"
    with translation.override("en"):
        assert template.render(Context({"p": 2075})) == "2.075"


def test_an_id_written_plainly_is_never_grouped():
    assert Template("{{ n }}").render(Context({"n": 3115})) == "3115"
