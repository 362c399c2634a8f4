"""The public entry of every call (Hessenfinder / Verwaltungsportal): no login, stable URLs, the
facts a municipality needs, and the same facts as schema.org GovernmentService JSON-LD."""

import datetime as dt
import json
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallFactory, ProgramFactory, member_of

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def call():
    program = ProgramFactory(
        summary="Modellprojekte für smarte Kommunen.",
        eligible_applicants="Hessische Gemeinden, Städte und Landkreise",
        required_documents="Ratsbeschluss\n\nProjektbeschreibung\n",
        contact_name="Referat Smarte Kommunen", contact_email="smart@example.hessen.de")
    closes = dt.datetime(2027, 3, 31, 12, 0, tzinfo=BERLIN)
    return CallFactory(program=program, title="Förderaufruf 2027", description="Gesucht: Modellprojekte.",
                       opens_at=timezone.now() - dt.timedelta(days=1), closes_at=closes)


def json_ld(response) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_an_open_call_has_a_public_page_with_everything_to_prepare_an_application(client, call):
    response = client.get(reverse("grants:public-call", args=[call.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("Förderaufruf 2027", "Gesucht: Modellprojekte.", "Modellprojekte für smarte Kommunen.",
                     "Hessische Gemeinden, Städte und Landkreise", "90\u00a0%", "100.000,00\u00a0€",
                     "2.500.000,00\u00a0€", "31.03.2027, 12:00", "Ratsbeschluss", "Projektbeschreibung",
                     "Verwaltungsdigitalisierung", "Referat Smarte Kommunen", "mailto:smart@example.hessen.de",
                     "§§ 23, 44 LHO"):
        assert expected in text, expected
    assert f'{reverse("applications:create")}?call={call.pk}' in text  # "Online beantragen"
    assert "<li></li>" not in text  # the empty line of the document list is not a document


def test_the_deadline_is_shown_in_german_time_whatever_the_server_zone(client, call, settings):
    call.closes_at = dt.datetime(2027, 7, 1, 10, 0, tzinfo=dt.UTC)  # 12:00 in Berlin (summer time)
    call.save()
    text = client.get(reverse("grants:public-call", args=[call.pk])).content.decode()
    assert "01.07.2027, 12:00" in text


def test_the_json_ld_describes_call_and_program_as_government_services(client, call):
    data = json_ld(client.get(reverse("grants:public-call", args=[call.pk])))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "GovernmentService"
    assert data["name"] == "Förderaufruf 2027"
    assert data["url"] == settings.SITE_URL.rstrip("/") + reverse("grants:public-call", args=[call.pk])
    assert data["provider"]["name"] == settings.LETTERHEAD["authority"]
    assert data["areaServed"]["name"] == settings.LETTERHEAD["land"]
    assert data["isRelatedTo"]["@type"] == "GovernmentService"
    assert data["isRelatedTo"]["name"] == call.program.name
    assert data["isRelatedTo"]["category"] == ["Verwaltungsdigitalisierung", "Smart Environment", "Gesellschaft"]
    assert data["availableChannel"]["serviceUrl"].endswith(f"?call={call.pk}")
    assert data["potentialAction"]["endTime"] == "2027-03-31T12:00:00+02:00"
    assert dt.datetime.fromisoformat(data["potentialAction"]["startTime"]) == call.opens_at.replace(microsecond=0)


def test_text_from_the_admin_cannot_end_the_json_ld_block(client, call):
    call.title = 'Aufruf </script><script>alert("x")</script>'
    call.save()
    response = client.get(reverse("grants:public-call", args=[call.pk]))
    assert json_ld(response)["name"] == call.title  # parsed back intact …
    assert '<script>alert("x")' not in response.content.decode()  # … and never markup


@pytest.mark.parametrize("state", ["draft"])
def test_a_draft_call_is_not_public(client, call, state):
    from grants.models import Call

    Call.objects.filter(pk=call.pk).update(state=state)
    assert client.get(reverse("grants:public-call", args=[call.pk])).status_code == 404
    assert client.get(reverse("grants:public-program", args=[call.program_id])).status_code == 404
    assert "Förderaufruf 2027" not in client.get(reverse("grants:public-calls")).content.decode()


def test_unknown_ids_are_404(client, call):
    assert client.get(reverse("grants:public-call", args=[call.pk + 1000])).status_code == 404
    assert client.get("/foerderaufrufe/99999999999999999999/").status_code == 404


def test_after_the_deadline_the_page_stays_but_offers_no_application(client, call):
    from grants.models import Call

    Call.objects.filter(pk=call.pk).update(opens_at=timezone.now() - dt.timedelta(days=60),
                                           closes_at=timezone.now() - dt.timedelta(days=1))
    response = client.get(reverse("grants:public-call", args=[call.pk]))
    assert "Einreichungsfrist dieses Aufrufs ist abgelaufen" in response.content.decode()
    assert "?call=" not in response.content.decode()  # neither a button nor a channel in the JSON-LD
    assert "potentialAction" not in json_ld(response)


def test_an_announced_call_says_so(client, call):
    from grants.models import Call

    Call.objects.filter(pk=call.pk).update(opens_at=timezone.now() + dt.timedelta(days=5),
                                           closes_at=timezone.now() + dt.timedelta(days=50))
    response = client.get(reverse("grants:public-call", args=[call.pk]))
    text = response.content.decode()
    assert "angekündigt" in text and "Online beantragen</span></a>" not in text
    assert json_ld(response)["potentialAction"]["startTime"] > timezone.now().isoformat()[:10]


def test_the_list_separates_open_from_other_calls_and_its_queries_do_not_grow(
        client, call, django_assert_max_num_queries):
    closed = CallFactory(title="Aufruf 2025", opens_at=timezone.now() - dt.timedelta(days=400),
                         closes_at=timezone.now() - dt.timedelta(days=300), state="closed")
    with django_assert_max_num_queries(4) as one:
        text = client.get(reverse("grants:public-calls")).content.decode()
    assert text.index("Förderaufruf 2027") < text.index("Angekündigte und abgeschlossene") < text.index(closed.title)
    for _ in range(5):
        CallFactory()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("grants:public-calls")).status_code == 200


def test_the_program_page_lists_its_public_calls_with_json_ld(client, call):
    response = client.get(reverse("grants:public-program", args=[call.program_id]))
    assert response.status_code == 200
    assert "Förderaufruf 2027" in response.content.decode()
    data = json_ld(response)
    assert data["@type"] == "GovernmentService" and data["alternateName"] == call.program.short_name


def test_online_beantragen_preselects_the_call_after_login(client, call):
    user = member_of_any()
    client.force_login(user)
    response = client.get(reverse("applications:create") + f"?call={call.pk}")
    assert response.status_code == 200
    assert re.search(rf'<option value="{call.pk}" selected>', response.content.decode())
    # a mangled value selects nothing and breaks nothing
    assert client.get(reverse("applications:create") + "?call=1e99").status_code == 200


def test_anonymous_online_beantragen_goes_through_the_login(client, call):
    response = client.get(reverse("applications:create") + f"?call={call.pk}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "call%3D" in response["Location"] or "call=" in response["Location"]


def test_the_api_tells_portals_the_same_public_facts(client, call):
    client.force_login(member_of_any())
    data = client.get(f"/api/v1/programs/{call.program_id}/").json()
    assert data["eligible_applicants"] == "Hessische Gemeinden, Städte und Landkreise"
    assert data["required_documents"].splitlines()[0] == "Ratsbeschluss"
    assert Decimal(data["min_grant"]) == Decimal("100000.00")


def member_of_any():
    from tests.factories import MunicipalityFactory

    return member_of(MunicipalityFactory())
