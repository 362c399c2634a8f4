"""Issue 11 in the browser: the partner picker (keyboard, filter, chips), live figures that name the
bad input at its field, the formal check page and the jury's scoring page — each axe-clean at 1280
and 320 px (tests.browser.conftest.accessibility_problems also checks reflow at 320 px)."""

import os
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.enums import MunicipalityKind
from accounts.models import Municipality
from applications.enums import AttachmentKind
from applications.services import add_attachment, start_formal_check, submit_application
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    LandkreisFactory,
    complete_draft,
    member_of,
    pdf_upload,
    staff_user,
)

from .conftest import accessibility_problems, log_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("FORMS_SCREENSHOTS")  # a directory: also save screenshots at 1280 and 320 px


def shoot(page, name, part=None):
    """Full page at 1280 and 320 px, and `part` (a selector) alone at 320 px, to look at."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=f"{SHOTS}/{name}-320.png", full_page=True)
    if part:
        page.locator(part).first.screenshot(path=f"{SHOTS}/{name}-part-320.png")
    page.set_viewport_size({"width": 1280, "height": 800})


def assert_clean(page):
    problems = accessibility_problems(page)
    assert not problems, "\n".join(f"[{k}]\n  " + "\n  ".join(v) for k, v in problems.items())
    assert not page.js_errors, page.js_errors


def many_municipalities(n=430):
    landkreis = LandkreisFactory(name="Wetteraukreis", official_key="06440")
    special = ["Büdingen", "Nordheim", "Nordhausen", "Altenstadt"]
    names = special + [f"Gemeinde {i:03d}" for i in range(n - len(special))]
    Municipality.objects.bulk_create([
        Municipality(name=name, kind=MunicipalityKind.GEMEINDE, landkreis=landkreis,
                     official_key=f"06440{i + 1:03d}") for i, name in enumerate(names)])
    return landkreis


@pytest.fixture
def draft_world():
    many_municipalities()
    lead = Municipality.objects.get(name="Altenstadt")
    applicant = member_of(lead)
    call = CallFactory()
    draft = ApplicationFactory(call=call, lead=lead, created_by=applicant, title="Smarte Wetterau")
    return {"applicant": applicant, "draft": draft}


def test_partners_are_chosen_with_the_keyboard_and_saved(page, draft_world):
    draft = draft_world["draft"]
    log_in(page, draft_world["applicant"])
    page.goto(reverse("applications:edit", args=[draft.pk]))
    picker = page.locator("[data-partner-picker]")
    options = picker.locator("[data-option]")
    expect(options).to_have_count(430)  # every active municipality (and the Landkreis) but the lead itself
    expect(picker.get_by_text("Noch keine Partnerkommune gewählt.")).to_be_visible()

    # type to filter (accents ignored), Enter jumps to the first match, Space ticks it
    page.get_by_label("Kommunen filtern").focus()
    page.keyboard.type("budingen")
    expect(picker.locator("[data-count]")).to_have_text("1 Kommune passt.")
    expect(picker.locator("[data-option]:visible")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Büdingen (Wetteraukreis)", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Büdingen (Wetteraukreis)", exact=True)).to_be_checked()
    expect(picker.get_by_role("button", name="Büdingen (Wetteraukreis) entfernen")).to_be_visible()

    # a second one, then remove it again with its chip's button
    page.get_by_label("Kommunen filtern").fill("")
    page.get_by_label("Kommunen filtern").focus()
    page.keyboard.type("Nord")
    expect(picker.locator("[data-count]")).to_have_text("2 Kommunen passen.")
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    expect(picker.get_by_text("Gewählte Partnerkommunen (2):")).to_be_visible()
    remove = picker.get_by_role("button", name="Nordhausen (Wetteraukreis) entfernen")
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Nordhausen (Wetteraukreis)", exact=True)).not_to_be_checked()
    expect(picker.get_by_text("Gewählte Partnerkommunen (1):")).to_be_visible()

    page.get_by_label("Kommunen filtern").fill("xyz")
    expect(picker.locator("[data-count]")).to_have_text("Keine Kommune passt. Bitte prüfen Sie die Schreibweise.")
    page.keyboard.press("Enter")  # does not submit the form
    assert "/bearbeiten/" in page.url
    page.get_by_label("Kommunen filtern").fill("")
    assert_clean(page)
    shoot(page, "edit-partners", "[data-partner-picker]")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern", exact=True).click()
    assert [p.name for p in draft.partners.all()] == ["Büdingen"]

    # back on the form, the chosen partner is ticked, listed first and shown as chosen
    page.goto(reverse("applications:edit", args=[draft.pk]))
    expect(options.first).to_contain_text("Büdingen")
    expect(picker.get_by_role("button", name="Büdingen (Wetteraukreis) entfernen")).to_be_visible()


def test_without_javascript_the_partners_are_a_checkbox_list(browser, live_server, draft_world):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.js_errors = []
    try:
        log_in(page, draft_world["applicant"])
        draft = draft_world["draft"]
        page.goto(reverse("applications:edit", args=[draft.pk]))
        expect(page.get_by_label("Kommunen filtern")).to_be_hidden()
        page.get_by_role("checkbox", name="Nordheim (Wetteraukreis)", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Speichern", exact=True).click()
        assert [p.name for p in draft.partners.all()] == ["Nordheim"]
    finally:
        context.close()


def test_live_figures_mark_the_bad_amount_at_its_field(page, draft_world):
    draft = draft_world["draft"]
    log_in(page, draft_world["applicant"])
    page.goto(reverse("applications:edit", args=[draft.pk]))
    # an untouched draft: no red message, a neutral hint about the minimum
    expect(page.locator("#figures .kern-alert--danger")).to_have_count(0)
    expect(page.locator("#figures [data-figure-hint]")).to_contain_text("mindestens 100.000,00")

    line = page.get_by_role("group", name="Ausgabe 1")
    line.get_by_label("Kategorie").select_option(value="investment")
    line.get_by_label("Bezeichnung").fill("Sensoren")
    line.get_by_label("Haushaltsjahr").fill("2027")
    amount = line.get_by_label("Betrag (€)")
    amount.fill("1e30")
    expect(amount).to_have_attribute("aria-invalid", "true")
    message = page.locator("#id_costs-0-amount_live_error")
    expect(message).to_contain_text("kein gültiger Betrag")
    described = amount.get_attribute("aria-describedby")
    assert "id_costs-0-amount_live_error" in described.split()
    expect(page.locator("#figures [data-figure=total]")).to_have_text("0,00 €")
    expect(page.locator("#figures")).to_contain_text("werden nicht mitgerechnet")
    assert_clean(page)
    shoot(page, "edit-live-error", "section.financing")

    amount.fill("-5")
    expect(message).to_contain_text("größer als 0")
    amount.fill("150.000,00")
    expect(page.locator("#figures [data-figure=grant]")).to_have_text("135.000,00 €")
    expect(amount).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_costs-0-amount_live_error")).to_have_count(0)


def test_the_formal_check_keeps_the_text_on_an_error(page):
    call = CallFactory()
    lead = Municipality.objects.create(name="Musterhausen", kind=MunicipalityKind.GEMEINDE,
                                       landkreis=LandkreisFactory(), official_key="06431001")
    applicant = member_of(lead)
    app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=applicant, title="Smarte Laternen"),
                         user=applicant)
    add_attachment(actor=applicant, application_id=app.pk, kind=AttachmentKind.PROJECT_DESCRIPTION,
                   upload=pdf_upload("projektbeschreibung.pdf", "Projekt"))
    submit_application(actor=applicant, application_id=app.pk)
    worker = staff_user("case_worker")
    start_formal_check(actor=worker, application_id=app.pk)
    log_in(page, worker)
    page.goto(reverse("applications:check", args=[app.pk]))
    expect(page.locator("[data-item=council_resolution]")).to_contain_text("Ratsbeschluss beigefügt")
    expect(page.get_by_role("link", name="projektbeschreibung.pdf")).to_be_visible()
    assert_clean(page)
    shoot(page, "formal-check", "main")
    page.get_by_label("Begründung bzw. was nachzubessern ist").fill("Die Unterschrift auf Seite 3 fehlt.")
    page.get_by_label("Der Ratsbeschluss ist vom zuständigen Gremium gefasst", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Zur Nachbesserung zurückgeben").click()
    expect(page.get_by_label("Begründung bzw. was nachzubessern ist")).to_have_value(
        "Die Unterschrift auf Seite 3 fehlt.")
    expect(page.get_by_label("Frist der Nachforderung")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Der Ratsbeschluss ist vom zuständigen Gremium gefasst", exact=False)).to_be_checked()
    assert_clean(page)
    shoot(page, "formal-check-error", "section[aria-labelledby=decide-heading]")


def test_the_scoring_page_shows_plan_and_attachments(page):
    from applications.models import ThirdPartyFunding
    from tests.jury.factories import add_member, application_in_evaluation, assign, evaluated_call

    call, panel = evaluated_call()
    app = application_in_evaluation(call, grant="180000.00", years={2027: "1", 2028: "1"},
                                    summary="Sensoren an allen Laternen")
    ThirdPartyFunding.objects.create(application=app, source="Stiftung", amount=Decimal("5000.00"))
    from tests.jury.test_application_documents import attach

    attach(app, name="ratsbeschluss-2027.pdf")
    member = add_member(panel)
    assign(member, app)
    log_in(page, member.user)
    page.goto(reverse("jury:score", args=[app.pk]))
    expect(page.get_by_role("table", name="Ausgaben nach Kategorie und Haushaltsjahr")).to_be_visible()
    link = page.get_by_role("link", name="ratsbeschluss-2027.pdf")
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert_clean(page)
    shoot(page, "jury-score", "section[aria-labelledby=plan-heading]")
