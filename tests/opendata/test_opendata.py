"""Open data of funded projects: what is published, which fields, nothing personal, the files and the page."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from grants.enums import OpenDataField
from opendata import selectors
from payments.enums import GrantState
from tests.opendata.factories import funded
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db

PUBLISHED = {GrantState.FINAL, GrantState.IN_IMPLEMENTATION, GrantState.PROOF_SUBMITTED, GrantState.SETTLED,
             GrantState.RECOVERY_OPEN, GrantState.CLOSED}


def csv_rows(client) -> list[dict]:
    response = client.get(reverse("opendata:csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def json_projects(client) -> list[dict]:
    response = client.get(reverse("opendata:json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))["projects"]


def page_text(client, **params) -> str:
    response = client.get(reverse("opendata:page"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("state", list(GrantState))
def test_a_grant_is_published_from_the_day_it_is_final_on(client, state):
    grant = make_grant(state=state)
    title = grant.application.title
    shown = state in PUBLISHED
    assert any(p["title"] == title for p in json_projects(client)) is shown
    assert any(r["title"] == title for r in csv_rows(client)) is shown
    assert (title in page_text(client)) is shown


def test_approved_refused_and_draft_applications_are_not_published(client, world):
    everything = json.dumps(json_projects(client), ensure_ascii=False)
    everything += page_text(client)
    for title in ("Noch nicht bestandskräftig A", "Noch nicht bestandskräftig B", "Abgelehntes Vorhaben",
                  "Entwurf ohne Aktenzeichen"):
        assert title not in everything
    titles = [p["title"] for p in json_projects(client)]
    assert sorted(titles) == sorted(g.application.title for g in world.published)


def test_json_shape_with_keys_status_in_german_and_exact_amounts(client, world):
    by_title = {p["title"]: p for p in json_projects(client)}
    final = by_title["Sensornetz Vogelsberg"]
    assert final["lead"] == {"name": "Alsfeld", "official_key": "06535001"}
    assert final["partners"] == [{"name": "Lauterbach", "official_key": "06535014"}]
    assert final["landkreis"] == {"name": "Vogelsbergkreis", "official_key": "06535"}
    assert final["topics"] == ["1 Verwaltungsdigitalisierung", "2 Smart Environment"]
    assert final["grant_amount"] == "180000.00" and final["eligible_costs"] == "200000.00"
    assert (final["project_start"], final["project_end"]) == ("2027-03-01", "2028-12-31")
    assert (final["status"], final["status_label"]) == ("final", "Bestandskräftig")
    assert by_title["eAkte Kassel"]["landkreis"] is None  # a kreisfreie Stadt
    assert by_title["Stadtlabor Lauterbach"]["status_label"] == "Abgeschlossen"
    assert by_title["eAkte Kassel"]["status_label"] == "Rückforderung offen"


def test_status_words_stay_german_when_the_visitor_reads_english(client, world):
    client.cookies["django_language"] = "en"
    labels = {p["status_label"] for p in json_projects(client)}
    assert "Bestandskräftig" in labels and "In Durchführung" in labels


def test_csv_has_stable_columns_german_numbers_and_official_keys(client, world):
    rows = {r["title"]: r for r in csv_rows(client)}
    row = rows["Sensornetz Vogelsberg"]
    assert row["lead_ags"] == "06535001" and row["partner_ags"] == "06535014" and row["landkreis_key"] == "06535"
    assert row["grant_amount"] == "180000,00" and row["project_start"] == "01.03.2027"
    assert row["status"] == "Bestandskräftig"


def test_a_field_the_program_takes_off_is_absent_from_csv_json_and_page(client, world):
    world.program.open_data_fields = [f for f in OpenDataField.values
                                      if f not in (OpenDataField.ELIGIBLE_COSTS, OpenDataField.PARTNERS)]
    world.program.full_clean()
    world.program.save()
    projects = json_projects(client)
    assert projects and all("eligible_costs" not in p and "partners" not in p for p in projects)
    assert all("grant_amount" in p for p in projects)
    columns = csv_rows(client)[0].keys()
    assert "eligible_costs" not in columns and "partner_names" not in columns and "partner_ags" not in columns
    page = page_text(client)
    assert "Zuwendungsfähige Ausgaben" not in page and "Partnerkommunen" not in page
    assert "200.000,00\u00a0€" not in page  # the eligible costs of the final grant
    row = page.split("Sensornetz Vogelsberg")[1].split("</tr>")[0]
    assert "Alsfeld (06535001)" in row and "Lauterbach" not in row  # its partner


def test_a_program_that_publishes_no_landkreis_cannot_be_filtered_by_it(client, world):
    world.program.open_data_fields = [f for f in OpenDataField.values if f != OpenDataField.LANDKREIS]
    world.program.save()
    assert selectors.published_projects(landkreis="06535") == []
    assert all("landkreis" not in p for p in json_projects(client))
    assert "Vogelsbergkreis" not in page_text(client)


def test_a_program_rejects_unknown_open_data_fields(world):
    world.program.open_data_fields = ["title", "iban"]
    with pytest.raises(ValidationError, match="iban"):
        world.program.full_clean()
    world.program.open_data_fields = "title"
    with pytest.raises(ValidationError):
        world.program.full_clean()


def test_nothing_personal_in_any_output(client, world):
    outputs = [b"".join(client.get(reverse("opendata:csv")).streaming_content).decode(),
               b"".join(client.get(reverse("opendata:json")).streaming_content).decode()]
    page = page_text(client)
    outputs.append(page[page.index("<main"):page.index("</main>")])
    # RDF syntax has @prefix / @context; there, no e-mail address and no mailto: either.
    metadata = [client.get(reverse(name)).content.decode()
                for name in ("opendata:catalogue", "opendata:catalogue-jsonld", "opendata:catalogue-rdf")]
    people = list(User.objects.exclude(last_name="").values_list("last_name", "email"))
    assert people
    for text in outputs:
        assert "@" not in text
    for text in metadata:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+|mailto:", text)
    for text in outputs + metadata:
        for last_name, email in people:
            assert last_name not in text and email not in text
        assert "DE89370400440532013000" not in text  # the bank account of the test world


def test_csv_neutralises_a_title_a_spreadsheet_would_run(client, world):
    funded(world.call, lead=world.alsfeld, title='=HYPERLINK("http://evil.example","Klick")')
    titles = [r["title"] for r in csv_rows(client)]
    assert "'=HYPERLINK(\"http://evil.example\",\"Klick\")" in titles
    assert not any(t.startswith("=") for t in titles)


def test_filter_by_topic_and_landkreis(client, world):
    topic2 = world.program.topics.get(number=2)
    page = page_text(client, topic=topic2.pk)
    assert "Sensornetz Vogelsberg" in page and "Datenplattform Lich" in page
    assert "Stadtlabor Lauterbach" not in page and "eAkte Kassel" not in page
    page = page_text(client, landkreis="06535")
    assert "Sensornetz Vogelsberg" in page and "Stadtlabor Lauterbach" in page
    assert "Datenplattform Lich" not in page and "eAkte Kassel" not in page
    page = page_text(client, landkreis="06611000")  # a kreisfreie Stadt
    assert "eAkte Kassel" in page and "Sensornetz Vogelsberg" not in page
    page = page_text(client, landkreis="06535", topic=topic2.pk)
    assert "Sensornetz Vogelsberg" in page and "Stadtlabor Lauterbach" not in page


def test_filter_offers_only_what_is_published_and_answers_bad_input_with_an_error(client, world):
    topics, landkreise = selectors.filter_choices()
    assert landkreise == [("06611000", "Kassel"), ("06531", "Landkreis Gießen"), ("06535", "Vogelsbergkreis")]
    assert [label for _k, label in topics] == ["1 Verwaltungsdigitalisierung", "2 Smart Environment", "3 Gesellschaft"]
    for bad in ({"topic": "abc"}, {"landkreis": "99999"}, {"topic": "999999"}):
        response = client.get(reverse("opendata:page"), bad)
        assert response.status_code == 200
        assert "Bitte eine gültige Auswahl treffen" in response.content.decode()
        assert "eAkte Kassel" in response.content.decode()  # no filter applied


def test_funds_per_landkreis_and_per_year(world):
    projects = selectors.published_projects()
    by_landkreis = {r.label: (r.projects, r.amount) for r in selectors.funds_by_landkreis(projects)}
    assert by_landkreis == {"Vogelsbergkreis": (2, Decimal("315000.00")), "Landkreis Gießen": (1, Decimal("270000.00")),
                            "Kassel": (1, Decimal("360000.00"))}
    by_year = {r.label: (r.projects, r.amount) for r in selectors.funds_by_year(projects)}
    assert by_year == {"2027": (3, Decimal("675000.00")), "2028": (1, Decimal("270000.00"))}
    assert sum(a for _n, a in by_year.values()) == world.total


def test_page_shows_the_chart_with_its_table_and_the_downloads(client, world):
    page = page_text(client)
    assert page.count('role="img"') == 2
    assert "315.000,00\u00a0€" in page and "945.000,00\u00a0€" not in page
    for name in ("opendata:csv", "opendata:json", "opendata:catalogue"):
        assert f'href="{reverse(name)}"' in page
    assert "<script>" not in page


def test_writing_is_not_allowed(client, world):
    for name in ("opendata:page", "opendata:csv", "opendata:json", "opendata:catalogue"):
        assert client.post(reverse(name)).status_code == 405


@pytest.mark.parametrize("name", ["opendata:page", "opendata:csv", "opendata:json", "opendata:catalogue"])
def test_query_count_does_not_grow_with_the_projects(client, django_assert_num_queries, name, world):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name))
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        return len(ctx)

    few = count()
    for i in range(8):
        funded(world.call, lead=world.lich if i % 2 else world.alsfeld, topics=[1, 2], partners=[world.lauterbach])
    assert count() == few
    assert few <= 8


def test_the_admin_offers_the_fields_as_checkboxes_and_nothing_else():
    from grants.admin import FundingProgramForm

    field = FundingProgramForm.base_fields["open_data_fields"]
    assert field.clean(["title", "status"]) == ["title", "status"]
    assert {value for value, _label in field.choices} == set(OpenDataField.values)
    with pytest.raises(ValidationError):
        field.clean(["title", "bank_account"])


def test_a_new_program_publishes_every_field(world):
    from tests.factories import ProgramFactory

    assert ProgramFactory().open_data_fields == list(OpenDataField.values)
