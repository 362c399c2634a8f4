"""Case-insensitive search finds umlauts in either case, on PostgreSQL and on the demo's SQLite alike
(SQLite's own LIKE folds only the 26 ASCII letters: foundation/sqlite.py)."""

import pytest

from accounts.models import Municipality
from applications.selectors import search_applications
from foundation.sqlite import like
from tests.factories import ApplicationFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db


def test_umlauts_are_found_in_either_case():
    MunicipalityFactory(name="Öffentliche Gemeinde Überau")
    names = Municipality.objects.values_list("name", flat=True)
    for text in ("ÖFFENTLICH", "öffentlich", "überau", "ÜBERAU", "gemeinde ü"):
        assert list(names.filter(name__icontains=text)) == ["Öffentliche Gemeinde Überau"], text
    assert list(names.filter(name__istartswith="öff")) == ["Öffentliche Gemeinde Überau"]
    assert not names.filter(name__icontains="Oeffentlich").exists()


def test_wildcards_in_the_search_text_are_taken_literally():
    for name in ("Rabatt 50% Stadt", "Rabatt 500 Stadt", "A_B Dorf", "AxB Dorf"):
        MunicipalityFactory(name=name)
    names = Municipality.objects.values_list("name", flat=True)
    assert list(names.filter(name__icontains="50%")) == ["Rabatt 50% Stadt"]
    assert list(names.filter(name__icontains="a_b")) == ["A_B Dorf"]


def test_the_application_search_finds_a_title_with_an_umlaut_in_capitals():
    app = ApplicationFactory(title="Digitale Bürgerdienste")
    ApplicationFactory(title="Sensoren")
    assert list(search_applications(type(app).objects.all(), "BÜRGER")) == [app]


@pytest.mark.parametrize(("pattern", "value", "escape", "expected"), [
    ("%über%", "Straße ÜBER dem Fluss", None, True), ("a_c", "abc", None, True), ("a_c", "abbc", None, False),
    ("a\\%", "a%", "\\", True), ("a\\%", "ab", "\\", False), ("%", "", None, True), ("x", None, None, None)])
def test_the_sqlite_like_function(pattern, value, escape, expected):
    assert like(pattern, value, escape) is expected
