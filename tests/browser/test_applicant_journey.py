"""The applying municipality's whole way, in a real browser: from sign-up to a submitted application."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import approve_membership
from tests.factories import CallFactory, MunicipalityFactory, minimal_pdf, staff_user

from .conftest import log_in

pytestmark = pytest.mark.browser

EMAIL = "k.schmidt@gemeinde-musterhausen.de"
PASSWORD = "Heimat-Smart-2027!"


def test_applicant_signs_up_and_submits_an_application(page, tmp_path):
    municipality = MunicipalityFactory(name="Musterhausen")
    call = CallFactory(title="Förderaufruf Smarte Kommunen 2027")
    case_worker = staff_user("case_worker")

    # Sign up with e-mail and password.
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Registrieren").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("main")).to_contain_text(EMAIL)

    # The verification mail holds the link; opening it and confirming verifies the address.
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("main")).not_to_contain_text("abgelaufen")

    # Log in; without a membership the overview asks for one.
    log_in(page, EMAIL, PASSWORD, via_form=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Übersicht")
    expect(page.get_by_role("main")).to_contain_text("Sie sind noch für keine Kommune bestätigt.")

    # Ask to act for the municipality; a case worker approves.
    page.get_by_role("main").get_by_role("link", name="Mitgliedschaft beantragen").click()
    page.get_by_label("Kommune", exact=True).select_option(value=str(municipality.pk))
    page.get_by_label("Funktion oder Dienststelle").fill("Digitalisierungsbeauftragte")
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Anfrage wurde gesendet")
    row = page.get_by_role("row", name=re.compile("Musterhausen"))
    expect(row).to_contain_text("Digitalisierungsbeauftragte")
    membership = Membership.objects.get(user__email=EMAIL, municipality=municipality)
    approve_membership(actor=case_worker, membership_id=membership.pk)
    page.reload()
    expect(page.get_by_role("row", name=re.compile("Musterhausen"))).to_contain_text("Bestätigt")

    # Create a draft for the open call.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anträge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anträge Ihrer Kommunen")
    page.get_by_role("link", name="Neuen Antrag anlegen").click()
    page.get_by_label("Förderaufruf").select_option(value=str(call.pk))
    page.get_by_label("Antragstellende Kommune").select_option(value=str(municipality.pk))
    page.get_by_label("Projekttitel").fill("Digitales Rathaus Musterhausen")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag bearbeiten: Digitales Rathaus Musterhausen")

    # Fill the edit form.
    page.get_by_label("Verwaltungsdigitalisierung").check()
    page.get_by_label("Kurzbeschreibung").fill("Ein digitales Bürgerbüro für alle Ortsteile.")
    page.get_by_label("Ziele").fill("Alle Anträge online, ohne Behördengang.")
    page.get_by_label("Nutzen für Bürgerinnen und Bürger").fill("Kürzere Wege und Wartezeiten.")
    page.get_by_label("Übertragbarkeit auf andere Kommunen").fill("Offene Schnittstellen, Open Source.")
    page.get_by_label("Projektbeginn").fill("2027-03-01")
    page.get_by_label("Projektende").fill("2028-12-31")

    line1 = page.get_by_role("group", name="Ausgabe 1")
    line1.get_by_label("Kategorie").select_option(label="Investitionen (Hard- und Software)")
    line1.get_by_label("Bezeichnung").fill("Bürgerterminals und Software")
    line1.get_by_label("Haushaltsjahr").fill("2027")
    line1.get_by_label("Betrag (€)").fill("150.000,00")
    expect(line1.get_by_label("zuwendungsfähig")).to_be_checked()

    line2 = page.get_by_role("group", name="Ausgabe 2")
    line2.get_by_label("Kategorie").select_option(label="Sonstige Ausgaben")
    line2.get_by_label("Bezeichnung").fill("Bewirtung Auftaktveranstaltung")
    line2.get_by_label("Haushaltsjahr").fill("2028")
    line2.get_by_label("Betrag (€)").fill("150.000,00")
    line2.get_by_label("zuwendungsfähig").uncheck()

    # The live figures (htmx) are recalculated before anything is saved: 90 % of 150.000,00 €.
    figures = page.locator("#figures")
    expect(figures.locator("[data-figure=total]")).to_have_text("300.000,00 €")
    expect(figures.locator("[data-figure=eligible]")).to_have_text("150.000,00 €")
    expect(figures.locator("[data-figure=grant]")).to_have_text("135.000,00 €")

    page.get_by_label("Das Vorhaben hat noch nicht begonnen", exact=False).check()
    page.get_by_label("Der Eigenanteil ist gesichert.").check()
    page.get_by_role("button", name="Speichern", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Ihre Angaben wurden gespeichert.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Digitales Rathaus Musterhausen")
    expect(page.locator("#figures [data-figure=grant]")).to_have_text("135.000,00 €")
    expect(page.get_by_role("main")).to_contain_text("Entwurf")

    # Upload the council resolution.
    pdf = tmp_path / "ratsbeschluss.pdf"
    pdf.write_bytes(minimal_pdf("Ratsbeschluss Musterhausen"))
    page.get_by_label("Art der Anlage").select_option(label="Ratsbeschluss")
    page.get_by_label("Datei (PDF)").set_input_files(str(pdf))
    page.get_by_role("button", name="Anlage hochladen").click()
    expect(page.get_by_role("status")).to_contain_text("Die Anlage wurde hochgeladen.")
    expect(page.get_by_role("link", name="Ratsbeschluss: ratsbeschluss.pdf")).to_be_visible()

    # Submit, confirm, and see the result.
    page.get_by_role("link", name="Einreichen …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag einreichen")
    expect(page.locator("#figures [data-figure=grant]")).to_have_text("135.000,00 €")
    page.get_by_role("button", name="Jetzt verbindlich einreichen").click()

    expect(page.get_by_role("status").first).to_contain_text("Ihr Antrag wurde eingereicht.")
    expect(page.locator(".kern-badge")).to_have_text("Eingereicht")
    expect(page.locator(".kern-preline")).to_contain_text(re.compile(r"SHH2-\d{4}-\d+"))
    expect(page.get_by_role("main")).not_to_contain_text("Einreichen …")
    assert not page.js_errors, page.js_errors
