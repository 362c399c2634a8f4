"""Another Land runs the portal with its own names (issue 12, OZG-Verbund Mitte): the portal's name, who offers it,
the start page, the legal pages, every mail, the subjects, the second factor's issuer, the API's title, the open data
and the payments' remittance text come from the configuration (``settings.PORTAL``, ``settings.LETTERHEAD``), and
nothing of Hessen is left where the configuration names another Land."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests.factories import MunicipalityFactory, staff_user

ROOT = Path(__file__).resolve().parent.parent

RLP = {
    "name": "Förderportal Digitale Kommunen Rheinland-Pfalz",
    "short_name": "Digitale Kommunen RLP",
    "tagline": "Förderung digitaler Dörfer und Städte",
    "offered_by": "Ein Angebot des Landes Rheinland-Pfalz",
    "title": "Digitale Kommunen – Förderaufruf 2027",
    "intro": "Gemeinden und Städte in Rheinland-Pfalz beantragen hier Zuwendungen.",
    "accessibility_law": "dem Landesinklusionsgesetz Rheinland-Pfalz (LInklG)",
    "accessibility_body": "die Überwachungsstelle für Barrierefreiheit von Informationstechnik Rheinland-Pfalz",
    "accessibility_email": "barrierefreiheit@mwvlw.rlp.example",
    "data_protection_law": "§ 3 LDSG",
}
LETTERHEAD = {
    "land": "Land Rheinland-Pfalz", "authority": "Ministerium für Digitales Rheinland-Pfalz",
    "unit": "Referat Digitale Kommunen", "street": "Peter-Altmeier-Allee 1", "postal_code": "55116",
    "city": "Mainz", "phone": "06131 16-0", "email": "digitale-kommunen@rlp.example",
    "website": "https://digitales.rlp.example",
}
HESSIAN = ("Hessen", "Hessisch", "hessisch", "HVBIT", "HDSIG", "hessen.de", "Wiesbaden")


def _hessian(text: str) -> list[str]:
    return [word for word in HESSIAN if word in text]


@pytest.fixture
def rhineland(settings):
    settings.PORTAL = RLP
    settings.LETTERHEAD = LETTERHEAD
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Digitale Kommunen RLP] "


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "accessibility", "imprint", "account_login", "account_signup"])
def test_the_pages_name_the_configured_portal_and_land_and_nothing_of_hessen(client, rhineland, name):
    html = client.get(reverse(name)).content.decode()
    assert _hessian(html) == []
    assert "<title>" in html and "– Förderportal Digitale Kommunen Rheinland-Pfalz</title>" in html
    assert "Ein Angebot des Landes Rheinland-Pfalz" in html and "Digitale Kommunen RLP" in html
    assert "Förderung digitaler Dörfer und Städte" in html


@pytest.mark.django_db
def test_the_start_page_and_the_legal_pages_say_the_lands_texts(client, rhineland):
    home = client.get(reverse("home")).content.decode()
    assert "Digitale Kommunen – Förderaufruf 2027</h1>" in home and RLP["intro"] in home
    statement = client.get(reverse("accessibility")).content.decode()
    assert ("Das Land Rheinland-Pfalz ist bemüht, das Förderportal Digitale Kommunen Rheinland-Pfalz im Einklang mit "
            "dem Landesinklusionsgesetz Rheinland-Pfalz (LInklG) und der Richtlinie (EU) 2016/2102") in statement
    assert 'href="mailto:barrierefreiheit@mwvlw.rlp.example?subject=' in statement
    assert "an die Überwachungsstelle für Barrierefreiheit von Informationstechnik Rheinland-Pfalz wenden" in statement
    imprint = client.get(reverse("imprint")).content.decode()
    assert "Ministerium für Digitales Rheinland-Pfalz<br>Referat Digitale Kommunen" in imprint
    assert "55116 Mainz" in imprint and "mailto:digitale-kommunen@rlp.example" in imprint
    assert "i. V. m. § 3 LDSG)" in imprint


def test_the_error_page_names_the_configured_portal(rhineland, rf):
    from django.views.defaults import server_error

    html = server_error(rf.get("/")).content.decode()
    assert "<title>Fehler – Förderportal Digitale Kommunen Rheinland-Pfalz</title>" in html and not _hessian(html)


@pytest.mark.django_db
def test_a_mail_and_its_subject_name_the_configured_portal(rhineland, django_capture_on_commit_callbacks):
    from accounts import services

    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(actor=staff_user("case_worker"), email="neu@example.org",
                               municipality=MunicipalityFactory(name="Mainz"))
    [sent] = [m for m in mail.outbox if "neu@example.org" in m.to]
    assert sent.subject == "[Digitale Kommunen RLP] Einladung: Förderportal Digitale Kommunen Rheinland-Pfalz"
    assert "im Förderportal Digitale Kommunen Rheinland-Pfalz für Mainz" in sent.body
    assert sent.body.rstrip().endswith("Ihr Förderportal Digitale Kommunen Rheinland-Pfalz")
    assert _hessian(sent.subject + sent.body) == []


@pytest.mark.django_db
def test_the_remittance_text_and_the_open_data_name_the_configured_portal(rhineland):
    from types import SimpleNamespace

    from opendata.catalogue import catalogue_graph
    from payments.services.disbursements import remittance_text

    d = SimpleNamespace(kind="request", number=3, grant=SimpleNamespace(
        case_number="DK-2027-0001", application=SimpleNamespace(title="Dorf-App")))
    assert remittance_text(d) == "DK-2027-0001 Mittelabruf 3 Zuwendung Digitale Kommunen RLP Dorf-App"
    turtle = catalogue_graph().serialize(format="turtle")
    assert "Geförderte Projekte – Digitale Kommunen RLP" in turtle
    assert "Offene Daten – Förderportal Digitale Kommunen Rheinland-Pfalz" in turtle
    assert [w for w in _hessian(turtle) if w != "Hessen"] == []  # the state key's label stays with the keys


def test_the_environment_sets_the_names_and_what_follows_from_them():
    """Read as an installation reads them: the settings module with the variables set."""
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "PAYMENTS_DEBTOR_NAME": "  ",
           "PORTAL_NAME": RLP["name"], "PORTAL_SHORT_NAME": RLP["short_name"], "PORTAL_OFFERED_BY": RLP["offered_by"]}
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "from django.utils import translation; translation.activate('de'); "
            "print(json.dumps([str(s.PORTAL['name']), s.PORTAL['short_name'], str(s.PORTAL['offered_by']), "
            "str(s.PORTAL['tagline']), s.ACCOUNT_EMAIL_SUBJECT_PREFIX, s.MFA_TOTP_ISSUER, "
            "s.SPECTACULAR_SETTINGS['TITLE'], s.DEFAULT_FROM_EMAIL, s.PAYMENTS_DEBTOR_NAME]))")
    env.pop("DEFAULT_FROM_EMAIL", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [
        RLP["name"], RLP["short_name"], RLP["offered_by"], "Förderung smarter Kommunen und Regionen",
        "[Digitale Kommunen RLP] ", "Digitale Kommunen RLP", "Digitale Kommunen RLP – Förderportal API",
        "Digitale Kommunen RLP <foerderung@localhost>",
        "Land Hessen – Hessisches Ministerium des Innern",  # a blank variable is the default, not an empty name
    ]


@override_settings(LANGUAGE_CODE="de")
@pytest.mark.django_db
def test_without_configuration_the_portal_is_hessens(client):
    html = client.get(reverse("home")).content.decode()
    assert "– Förderportal Starke Heimat Hessen</title>" in html and "Ein Angebot des Landes Hessen" in html
    assert "Starke Heimat Hessen – Phase 2: Förderung smarter Kommunen und Regionen</h1>" in html


@pytest.mark.django_db
def test_hessens_defaults_are_translated(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("accessibility")).content.decode()
    assert "– Starke Heimat Hessen funding portal</title>" in html and "A service of the State of Hesse" in html
    assert ("The State of Hesse is committed to making the Starke Heimat Hessen funding portal accessible in "
            "accordance with the Hessian Act on Accessible Information Technology (HVBIT)") in html
    assert ("you can contact the enforcement and monitoring body for accessible information technology of the State "
            "of Hesse.") in html
