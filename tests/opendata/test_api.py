"""/api/v1/open-data/projects/: anonymous, paginated, the same shape as the JSON file, documented."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from grants.enums import OpenDataField
from tests.opendata.factories import funded

pytestmark = pytest.mark.django_db
URL = "/api/v1/open-data/projects/"


def test_anonymous_reads_the_published_projects_as_a_page(world):
    response = APIClient().get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4
    titles = {p["title"] for p in data["results"]}
    assert titles == {g.application.title for g in world.published}
    final = next(p for p in data["results"] if p["title"] == "Sensornetz Vogelsberg")
    assert final["lead"] == {"name": "Alsfeld", "official_key": "06535001"} and final["grant_amount"] == "180000.00"
    assert final["status_label"] == "Bestandskräftig"


def test_filters_and_the_programs_choice_apply(world):
    client = APIClient()
    assert client.get(URL, {"landkreis": "06535"}).json()["count"] == 2
    assert [p["title"] for p in client.get(URL, {"landkreis": "06611000"}).json()["results"]] == ["eAkte Kassel"]
    topic = world.program.topics.get(number=3)
    assert [p["title"] for p in client.get(URL, {"topic": topic.pk}).json()["results"]] == ["Stadtlabor Lauterbach"]
    world.program.open_data_fields = [OpenDataField.TITLE, OpenDataField.STATUS]
    world.program.save()
    project = client.get(URL).json()["results"][0]
    assert set(project) == {"title", "program", "status", "status_label"}


@pytest.mark.parametrize("params", [{"landkreis": "12345"}, {"topic": "abc"}, {"topic": "0"}])
def test_bad_filters_are_a_400_with_a_message(world, params):
    response = APIClient().get(URL, params)
    assert response.status_code == 400
    assert str(response.json())  # names the field


def test_writing_is_not_allowed(world):
    assert APIClient().post(URL, {}, format="json").status_code == 405


def test_the_schema_documents_it_for_anonymous_readers(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"topic", "landkreis", "page"}
    assert "Paginated" in operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]


def test_query_count_does_not_grow(world):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert APIClient().get(URL).status_code == 200
        return len(ctx)

    few = count()
    for _ in range(6):
        funded(world.call, lead=world.lich, topics=[1], partners=[world.alsfeld])
    assert count() == few
