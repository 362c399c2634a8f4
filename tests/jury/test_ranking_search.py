"""Finding an application in a ranking of thousands (`jury.selectors.find_in_ranking`): the ranking page, the session
page (where the chair records a decision and comes back to the same search) and the ranking in the API show the rows
the search finds, each with its place in the whole list; an excluded member finds nothing hidden from them."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from jury.enums import AffiliationKind
from jury.models import Affiliation, Decision, Panel, Session
from jury.services import sync_exclusions
from tests.factories import MunicipalityFactory, staff_user
from tests.jury.factories import add_member, application_in_evaluation, evaluated_call, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked():
    """Three applications of distinct municipalities and titles, ranked 1, 2, 3 by their scores."""
    call, panel = evaluated_call(budget="400000.00")
    apps = [score(panel, application_in_evaluation(call, grant=grant, title=title, lead=MunicipalityFactory(name=name)),
                  values)
            for grant, title, name, values in (
                ("300000.00", "Digitales Rathaus", "Bad Vilbel", [[5, 5], [4, 4]]),
                ("200000.00", "Sensornetz Lahn", "Lauterbach (Hessen)", [[4, 4], [4, 3]]),
                ("100000.00", "Smarte Straßenbeleuchtung", "Bad Hersfeld", [[2, 2], [2, 2]]))]
    return call, panel, apps


def _rows(html):
    """(place, case number) of each row of the ranking's or the session's table."""
    return re.findall(r'data-label="Platz">(\d+|–)</td>\s*<th class="kern-table__header case-number" scope="row">'
                      r"([^<]+)</th>", html)


def test_the_ranking_page_finds_an_application_and_keeps_its_place(client, ranked):
    call, _panel, (first, second, third) = ranked
    client.force_login(staff_user())
    url = reverse("jury:ranking", args=[call.pk])
    whole = _rows(client.get(url).content.decode())
    assert [case for _place, case in whole] == [first.case_number, second.case_number, third.case_number]
    place = {case: p for p, case in whole}
    html = client.get(url, {"q": "Lauterbach"}).content.decode()
    assert _rows(html) == [(place[second.case_number], second.case_number)]
    assert "1 Antrag für diese Suche, mit seinem Platz in der ganzen Liste" in html
    assert "Zur Budgetgrenze" in html  # the budget line is on a page of the whole list: a link there, search left
    assert [c for _p, c in _rows(client.get(url, {"q": "bad "}).content.decode())] == [
        first.case_number, third.case_number]  # Bad Vilbel and Bad Hersfeld, in the list's order
    assert [c for _p, c in _rows(client.get(url, {"q": third.case_number}).content.decode())] == [third.case_number]
    html = client.get(url, {"q": "Gibt es nicht"}).content.decode()
    assert _rows(html) == [] and "Kein Antrag der Liste für diese Suche." in html
    html = client.get(url, {"q": "x" * 201}).content.decode()  # too long: said at the field, the whole list
    assert len(_rows(html)) == 3 and 'id="id_q_error"' in html
    # with a what-if budget the search keeps it, and the reset keeps it too
    html = client.get(url, {"budget": "500.000,00", "q": "Rathaus"}).content.decode()
    assert "Was-wäre-wenn" in html and [c for _p, c in _rows(html)] == [first.case_number]
    assert '<input type="hidden" name="budget" value="500.000,00">' in html
    assert f'href="{url}?budget=500.000%2C00">Filter zurücksetzen' in html


def test_an_excluded_member_finds_nothing_hidden_from_them(client, ranked):
    call, panel, (first, second, _third) = ranked
    member = add_member(panel)
    Affiliation.objects.create(member=member, kind=AffiliationKind.MUNICIPALITY, municipality=first.lead)
    sync_exclusions(actor=None, panel=panel)
    client.force_login(member.user)
    url = reverse("jury:ranking", args=[call.pk])
    for text in (first.case_number, "Bad Vilbel", "Rathaus"):
        html = client.get(url, {"q": text}).content.decode()
        assert _rows(html) == [] and first.title not in html
    api = APIClient()
    api.force_authenticate(member.user)
    body = api.get(f"/api/v1/jury/panels/{panel.pk}/ranking/", {"search": first.case_number}).json()
    assert body["count"] == 0 and body["rows"] == []
    assert api.get(f"/api/v1/jury/panels/{panel.pk}/ranking/", {"search": second.case_number}).json()["count"] == 1


def test_the_chair_decides_on_a_found_row_and_comes_back_to_the_search(client, ranked):
    call, panel, (first, second, third) = ranked
    chair = add_member(panel).user
    Panel.objects.filter(pk=panel.pk).update(chair=chair)
    session = Session.objects.create(panel=panel, held_on="2027-05-04")
    client.force_login(chair)
    url = reverse("jury:session", args=[call.pk])
    html = client.get(url, {"q": "Sensornetz"}).content.decode()
    assert [c for _p, c in _rows(html)] == [second.case_number]
    assert '<input type="hidden" name="zurueck" value="q=Sensornetz">' in html
    response = client.post(reverse("jury:session-decide", args=[session.pk, second.pk]), {
        f"d{second.pk}-outcome": "reserve", f"d{second.pk}-justification": "", "zurueck": "q=Sensornetz"})
    assert response.status_code == 302 and response.url == f"{url}?q=Sensornetz#decision-{second.pk}"
    assert Decision.objects.get(application=second).outcome == "reserve"
    # what comes back is only a page and a search: anything else sent along is dropped
    response = client.post(reverse("jury:session-decide", args=[session.pk, second.pk]), {
        f"d{second.pk}-outcome": "reserve", "zurueck": "seite=2&q=Lahn&next=https://example.org/"})
    assert response.url == f"{url}?seite=2&q=Lahn#decision-{second.pk}"
    response = client.post(reverse("jury:session-decide", args=[session.pk, second.pk]), {
        f"d{second.pk}-outcome": "reserve", "zurueck": "seite=x&q=" + "y" * 201})
    assert response.url == f"{url}#decision-{second.pk}"


def test_the_ranking_api_searches_and_refuses_a_bad_search(ranked):
    _call, panel, (first, second, third) = ranked
    api = APIClient()
    api.force_authenticate(staff_user())
    url = f"/api/v1/jury/panels/{panel.pk}/ranking/"
    whole = api.get(url).json()
    places = {row["case_number"]: row["position"] for row in whole["rows"]}
    body = api.get(url, {"search": "straßen"}).json()
    assert body["count"] == 1 and [(r["case_number"], r["position"]) for r in body["rows"]] == [
        (third.case_number, places[third.case_number])]
    assert body["cutoff"] == whole["cutoff"]  # the budget line of the whole list
    assert api.get(url, {"search": "x" * 201}).status_code == 400
