"""Every page of the portal is accessible (HVBIT → EN 301 549 → WCAG 2.1 AA).

Each case (named after the URL name, plus the state in brackets) brings the page into the state
a person sees — signed in through the login form with the right role (staff with their TOTP
code), with data, with form errors where a form can have them — checks that it is really that
page (its h1, the KERN stylesheet loaded), and then checks the rendered DOM:

- axe-core with the WCAG 2.0/2.1 A and AA rules (with KERN's CSS, so colour contrast counts);
- unique ids (SC 4.1.1; axe only reports them as "needs review");
- no button label cut off, no label or field covered by another element;
- reflow at 320 CSS px without horizontal scrolling of the page (SC 1.4.10).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse
from playwright.sync_api import expect

from accounts.services import request_membership
from applications.enums import AttachmentKind
from applications.services import add_attachment, start_formal_check, submit_application
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MunicipalityFactory,
    UserFactory,
    complete_draft,
    member_of,
    pdf_upload,
    staff_user,
)

from .conftest import PASSWORD, accessibility_problems, assert_accessible, guide_screenshots, log_in, totp_code

pytestmark = pytest.mark.browser


class World:
    """The data a page needs, created on first use (each test gets a fresh, empty database)."""

    @cached_property
    def call(self):
        call = CallFactory(title="Förderaufruf Smarte Kommunen 2027")
        # the program's real topic name: one word wider than a 320 px screen
        call.program.topics.filter(number=1).update(name="Verwaltungsdigitalisierung/eGovernment")
        return call

    @cached_property
    def lead(self):
        return MunicipalityFactory(name="Musterhausen")

    @cached_property
    def applicant(self):
        return member_of(self.lead)

    @cached_property
    def case_worker(self):
        return staff_user("case_worker")

    @cached_property
    def draft(self):
        """A draft with almost nothing filled in, so it lists what is missing."""
        application = ApplicationFactory(call=self.call, lead=self.lead, created_by=self.applicant,
                                         title="Digitales Rathaus Musterhausen")
        add_attachment(actor=self.applicant, application_id=application.pk,
                       kind=AttachmentKind.PROJECT_DESCRIPTION, upload=pdf_upload("projekt.pdf", "Projekt"))
        return application

    @cached_property
    def complete(self):
        application = ApplicationFactory(call=self.call, lead=self.lead, created_by=self.applicant,
                                         title="Smarte Straßenbeleuchtung")
        return complete_draft(application, user=self.applicant)

    @cached_property
    def submitted(self):
        """Submitted: with Aktenzeichen, receipt (rendered after commit) and a timeline."""
        application = submit_application(actor=self.applicant, application_id=self.complete.pk)
        application.refresh_from_db()
        assert application.receipts.exists(), "the receipt was not rendered"
        return application

    @cached_property
    def in_formal_check(self):
        return start_formal_check(actor=self.case_worker, application_id=self.submitted.pk)

    def pending_membership(self):
        return request_membership(user=UserFactory(roles=["applicant"]), municipality=MunicipalityFactory(),
                                  function="Hauptamt")


@dataclass(frozen=True)
class Case:
    open: Callable  # (page, world) -> None: sign in if needed and bring the page into its state
    heading: str | re.Pattern  # the page's h1, to be sure the right page is checked
    site_layout: bool = True


def _goto(path_or_name: str, *args):
    def open_page(page, w):
        page.goto(reverse(path_or_name, args=args) if not path_or_name.startswith("/") else path_or_name)
    return open_page


def _as(role: str, then: Callable):
    def open_page(page, w):
        log_in(page, w.applicant if role == "applicant" else w.case_worker)
        then(page, w)
    return open_page


def _applicant(then):
    return _as("applicant", then)


def _staff(then):
    return _as("staff", then)


def _url(name: str, obj: str, *extra):
    """Go to a URL of an application of the world, e.g. _url("applications:edit", "draft")."""
    def open_page(page, w):
        page.goto(reverse(name, args=[getattr(w, obj).pk, *extra]))
    return open_page


def _stuck_work(page, w):
    from outbox.models import OutboxMessage
    from outbox.services import enqueue

    for n, error in enumerate(["OSError: [Errno 28] No space left on device", "SMTPServerDisconnected"]):
        message = enqueue(task="accounts.tasks.send_email", key=f"mail:a11y:{n}", kwargs={},
                          label=f"E-Mail an kommune{n}@example.org: Eingangsbestätigung SHH2-2027-000{n}")
        OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxMessage.State.FAILED, last_error=error)
    page.goto(reverse("outbox:stuck"))


def _submit(page, button: str):
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name=button).click()


# --- pages that need more than a visit -------------------------------------------------------

def _login_with_errors(page, w):
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill("niemand@example.org")
    page.locator("input[name=password]").fill("falsch-falsch-falsch")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main .kern-alert, main .kern-error").first).to_be_visible()


def _signup_with_errors(page, w):
    page.goto(reverse("account_signup"))
    page.locator("input[name=email]").fill("keine-adresse")
    page.locator("input[name=password1]").fill("kurz")
    page.locator("input[name=password2]").fill("anders")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main .kern-error").first).to_be_visible()


def _password_reset_done(page, w):
    page.goto(reverse("account_reset_password"))
    page.locator("input[name=email]").fill(w.applicant.email)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _confirm_email(page, w):
    user = UserFactory()
    address = EmailAddress.objects.get(user=user)
    address.verified = False
    address.save(update_fields=["verified"])
    page.goto(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))


def _totp_step(page, w):
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(w.case_worker.email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile("/accounts/2fa/authenticate/"))


def _totp_step_with_error(page, w):
    _totp_step(page, w)
    code = totp_code(w.case_worker)
    page.locator("input[name=code]").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main .kern-error").first).to_be_visible()


def _reauthenticate(page, w):
    """A staff member without TOTP is sent to set it up; allauth first asks for the password again."""
    log_in(page, UserFactory(roles=["case_worker"]), via_form=True)
    page.goto(reverse("home"))
    expect(page).to_have_url(re.compile(reverse("account_reauthenticate")))


def _totp_activate(page, w):
    _reauthenticate(page, w)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(reverse("mfa_activate_totp")))
    expect(page.locator("main input[name=code]")).to_be_visible()


def _new_api_key(page, w):
    page.goto(reverse("accounts:api-token"))
    page.get_by_label("Bezeichnung").fill("Portal der Kommune")
    _submit(page, "API-Schlüssel erzeugen")
    expect(page.locator("#api-key")).to_have_value(re.compile(r"^shh_[\w-]{40,}$"))


def _membership_review(page, w):
    w.pending_membership()
    page.goto(reverse("accounts:membership-review"))
    expect(page.get_by_role("button", name=re.compile("^Bestätigen"))).to_be_visible()


def _applications_list(page, w):
    w.draft, w.submitted  # noqa: B018 - two rows in different states
    page.goto(reverse("applications:list"))
    expect(page.get_by_role("link", name="Smarte Straßenbeleuchtung")).to_be_visible()


def _applications_list_paged(page, w):
    """Several pages: the page links (foundation/_pagination.html) on the second page of the list."""
    for n in range(30):
        ApplicationFactory(call=w.call, lead=w.lead, created_by=w.applicant, title=f"Vorhaben {n:02d}")
    page.goto(reverse("applications:list") + "?seite=2")
    navigation = page.get_by_role("navigation", name="Seitennavigation")
    expect(navigation).to_contain_text("Seite 2 von 2")
    expect(navigation.locator("[aria-current=page]")).to_have_text("Seite 2")


def _edit_with_errors(page, w):
    page.goto(reverse("applications:edit", args=[w.draft.pk]))
    page.get_by_label("Projekttitel").fill("")
    page.get_by_label("Projektende").fill("2027-01-01")
    page.get_by_label("Projektbeginn").fill("2027-06-01")
    line = page.get_by_role("group", name="Ausgabe 1")
    line.get_by_label("Bezeichnung").fill("Sensoren")
    line.get_by_label("Haushaltsjahr").fill("1999")
    line.get_by_label("Betrag (€)").fill("zwölf Euro")
    # The live figures mark the amount (and move the button down) before the click: clicking while the
    # answer arrives can land beside the moving button.
    expect(line.get_by_label("Betrag (€)")).to_have_attribute("aria-invalid", "true")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.locator("main .kern-error").first).to_be_visible()


def _edit_live_figures(page, w):
    """The htmx-updated figures box, here with a grant below the program's minimum."""
    page.goto(reverse("applications:edit", args=[w.draft.pk]))
    line = page.get_by_role("group", name="Ausgabe 1")
    line.get_by_label("Kategorie").select_option(value="investment")
    line.get_by_label("Bezeichnung").fill("Sensoren")
    line.get_by_label("Haushaltsjahr").fill("2027")
    line.get_by_label("Betrag (€)").fill("10.000,00")
    expect(page.locator("#figures [data-figure=grant]")).to_have_text("9.000,00 €")
    expect(page.locator("#figures .kern-alert--danger").first).to_be_visible()


def _draft_detail(page, w):
    page.goto(reverse("applications:detail", args=[w.draft.pk]))
    expect(page.get_by_text("Vor dem Einreichen noch zu erledigen")).to_be_visible()


def _submitted_detail(page, w):
    page.goto(reverse("applications:detail", args=[w.submitted.pk]))
    expect(page.get_by_role("heading", name="Eingangsbestätigungen")).to_be_visible()
    expect(page.get_by_role("heading", name="Verlauf")).to_be_visible()


def _staff_detail(page, w):
    page.goto(reverse("applications:detail", args=[w.submitted.pk]))
    expect(page.get_by_role("button", name="Formalprüfung beginnen")).to_be_visible()


def _submit_confirm(page, w):
    page.goto(reverse("applications:submit", args=[w.complete.pk]))
    expect(page.get_by_role("button", name="Jetzt verbindlich einreichen")).to_be_visible()


def _submit_incomplete(page, w):
    page.goto(reverse("applications:submit", args=[w.draft.pk]))
    expect(page.get_by_text("Der Antrag ist noch nicht vollständig")).to_be_visible()


def _staff_call_filtered(page, w):
    w.submitted  # noqa: B018
    page.goto(reverse("applications:staff-call", args=[w.call.pk]) + "?q=Stra%C3%9Fe&state=submitted&order=-grant")
    expect(page.get_by_role("link", name="Smarte Straßenbeleuchtung")).to_be_visible()


def _staff_calls(page, w):
    w.submitted  # noqa: B018
    page.goto(reverse("applications:staff-calls"))


def _formal_check(page, w):
    page.goto(reverse("applications:check", args=[w.in_formal_check.pk]))


def _forbidden(page, w):
    response = page.goto(reverse("applications:staff-calls"))
    assert response.status == 403


def _start_page(role: str, *, menu_open: bool = False):
    """The start page of ``role`` with something to do in every section (tests/start/factories.py)."""
    def open_page(page, w):
        from tests.start.factories import add_cases, start_world

        world = start_world()
        add_cases(world, 1)
        log_in(page, getattr(world, role))
        page.goto(reverse("home"))
        if menu_open:
            page.set_viewport_size({"width": 320, "height": 640})
            page.locator("[data-nav-toggle]").click()
            expect(page.locator("#site-menu")).to_be_visible()
    return open_page


def _counted_actions(page, w):
    from tests.start.factories import add_cases, start_world

    world = start_world()
    add_cases(world, 1)
    log_in(page, world.case_worker)
    page.goto(reverse("payments:dashboard-actions") + "?kind=formal_check")


def _not_found(page, w):
    response = page.goto("/gibt-es-nicht/")
    assert response.status == 404


CASES: dict[str, Case] = {
    # anonymous
    "home (anonym)": Case(lambda p, w: (w.call, p.goto("/")), "Starke Heimat Hessen – Phase 2"),
    "account_login": Case(_goto("account_login"), re.compile("Anmeld(en|ung)")),
    "account_login (Fehler)": Case(_login_with_errors, re.compile("Anmeld(en|ung)")),
    "account_signup": Case(_goto("account_signup"), "Registrieren"),
    "account_signup (Fehler)": Case(_signup_with_errors, "Registrieren"),
    "account_reset_password": Case(_goto("account_reset_password"), "Passwort zurücksetzen"),
    "account_reset_password_done": Case(_password_reset_done, "Passwort zurücksetzen"),
    "account_email_verification_sent": Case(_goto("account_email_verification_sent"), "E-Mail-Adresse"),
    "account_confirm_email": Case(_confirm_email, "E-Mail-Adresse bestätigen"),
    "mfa_authenticate": Case(_totp_step, "Zwei-Faktor-Authentifizierung"),
    "mfa_authenticate (Fehler)": Case(_totp_step_with_error, "Zwei-Faktor-Authentifizierung"),
    "accessibility": Case(_goto("accessibility"), "Erklärung zur Barrierefreiheit"),
    "imprint": Case(_goto("imprint"), "Impressum"),
    "opendata:page": Case(_goto("opendata:page"), "Geförderte Projekte"),
    "grants:public-calls": Case(lambda p, w: (w.call, p.goto(reverse("grants:public-calls"))), "Förderaufrufe"),
    "grants:public-call": Case(lambda p, w: p.goto(reverse("grants:public-call", args=[w.call.pk])),
                               "Förderaufruf"),
    "grants:public-program": Case(lambda p, w: p.goto(reverse("grants:public-program", args=[w.call.program_id])),
                                  "Starke Heimat"),
    "404": Case(_not_found, "Seite nicht gefunden"),
    # applicant
    "home (Antragsteller)": Case(_applicant(_goto("home")), "Übersicht"),
    "accounts:memberships": Case(_applicant(_goto("accounts:memberships")), "Ihre Kommunen"),
    "accounts:api-token": Case(_applicant(_goto("accounts:api-token")), "API-Schlüssel"),
    "accounts:api-token (neuer Schlüssel)": Case(_applicant(_new_api_key), "API-Schlüssel"),
    "account_email": Case(_applicant(_goto("account_email")), "E-Mail-Adressen"),
    "account_change_password": Case(_applicant(_goto("account_change_password")), "Passwort ändern"),
    "account_logout": Case(_applicant(_goto("account_logout")), "Abmelden"),
    "mfa_index (Antragsteller)": Case(_applicant(_goto("mfa_index")), "Zwei-Faktor-Authentifizierung"),
    "applications:list": Case(_applicant(_applications_list), "Anträge Ihrer Kommunen"),
    "applications:list (Seite 2)": Case(_applicant(_applications_list_paged), "Anträge Ihrer Kommunen"),
    "applications:create": Case(_applicant(lambda p, w: (w.call, p.goto(reverse("applications:create")))),
                                "Neuen Antrag anlegen"),
    "applications:edit": Case(_applicant(_url("applications:edit", "complete")), "Antrag bearbeiten"),
    "applications:edit (Fehler)": Case(_applicant(_edit_with_errors), "Antrag bearbeiten"),
    "applications:edit (Live-Berechnung)": Case(_applicant(_edit_live_figures), "Antrag bearbeiten"),
    "applications:detail (Entwurf)": Case(_applicant(_draft_detail), "Digitales Rathaus Musterhausen"),
    "applications:detail (eingereicht)": Case(_applicant(_submitted_detail), "Smarte Straßenbeleuchtung"),
    "applications:submit": Case(_applicant(_submit_confirm), "Antrag einreichen"),
    "applications:submit (unvollständig)": Case(_applicant(_submit_incomplete), "Antrag einreichen"),
    "applications:withdraw": Case(_applicant(_url("applications:withdraw", "submitted")), "Antrag zurückziehen"),
    "403": Case(_applicant(_forbidden), "Keine Berechtigung"),
    # ministry staff (case worker with TOTP)
    "account_reauthenticate": Case(_reauthenticate, "Zugriff bestätigen"),
    "mfa_activate_totp": Case(_totp_activate, "Authenticator-App"),
    "home (Sachbearbeitung)": Case(_staff(_goto("home")), "Übersicht"),
    "accounts:membership-review": Case(_staff(_membership_review), "Mitgliedschaften prüfen"),
    "mfa_index (Sachbearbeitung)": Case(_staff(_goto("mfa_index")), "Zwei-Faktor-Authentifizierung"),
    "applications:staff-calls": Case(_staff(_staff_calls), "Formalprüfung"),
    "applications:staff-call (Filter)": Case(_staff(_staff_call_filtered), "Förderaufruf Smarte Kommunen 2027"),
    "applications:detail (Sachbearbeitung)": Case(_staff(_staff_detail), "Smarte Straßenbeleuchtung"),
    "applications:check": Case(_staff(_formal_check), "Formalprüfung abschließen"),
    "outbox:stuck": Case(_staff(_stuck_work), "Hängende Hintergrundarbeiten"),
    # start pages of every role (tests/browser/test_start_pages.py clicks their counts)
    "home (Start Antragsteller)": Case(_start_page("applicant"), "Übersicht"),
    "home (Start Antragsteller, Menü offen)": Case(_start_page("applicant", menu_open=True), "Übersicht"),
    "home (Start Sachbearbeitung)": Case(_start_page("case_worker"), "Übersicht"),
    "home (Start Genehmigung)": Case(_start_page("approver"), "Übersicht"),
    "home (Start Jury)": Case(_start_page("juror"), "Übersicht"),
    "home (Start Administration)": Case(_start_page("admin"), "Übersicht"),
    "home (Start Administration, Menü offen)": Case(_start_page("admin", menu_open=True), "Übersicht"),
    "payments:dashboard-actions (Filter)": Case(_counted_actions, "Anträge in der Formalprüfung"),
}

# Findings in templates and CSS owned by others, by page and kind ("axe:<rule>", "duplicate-id",
# "obscured", "reflow"); the fixes are proposed in the report. Such a page is reported as xfail
# as long as exactly these kinds are found: any other finding fails the test, and so does a
# listed one that is gone (strict) - then delete its entry here.
KNOWN: dict[str, dict[str, str]] = {}


# Pages the user guide shows (docs/guide/img, written with UPDATE_GUIDE_SCREENSHOTS=1).
GUIDE = {"applications:staff-call (Filter)": "staff-list", "grants:public-call": "public-call"}


@pytest.mark.parametrize("name", list(CASES))
def test_page_is_accessible(page, name):
    """axe-core's WCAG 2.1 A/AA rules, unique ids, no hidden labels or fields, reflow at 320 px."""
    case = CASES[name]
    case.open(page, World())
    page.wait_for_load_state("load")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_count(1)
    if isinstance(case.heading, re.Pattern):
        expect(heading).to_have_text(case.heading)
    else:
        expect(heading).to_contain_text(case.heading)
    if case.site_layout:
        expect(page.locator("link[rel=stylesheet][href*='kern']").first).to_be_attached()
    assert not page.broken_assets, page.broken_assets
    assert not page.js_errors, page.js_errors

    problems = accessibility_problems(page)
    known = KNOWN.get(name, {})
    unexpected = {kind: found for kind, found in problems.items() if kind not in known}
    assert not unexpected, f"accessibility problems on {page.url}:\n" + "\n".join(
        f"[{kind}]\n  " + "\n  ".join(found) for kind, found in unexpected.items())
    fixed = sorted(set(known) - set(problems))
    assert not fixed, f"{fixed} no longer found on {name}: remove them from KNOWN"
    if name in GUIDE:
        guide_screenshots(page, GUIDE[name])
    if known:
        pytest.xfail("; ".join(f"{kind}: {reason}" for kind, reason in known.items()))


def test_the_checks_find_faults_and_name_them(page):
    """The checks are not blind: known faults are found and named (rule, impact, help, target)."""
    page.goto(reverse("accessibility"))
    assert accessibility_problems(page) == {}
    page.locator("main").evaluate("""main => main.insertAdjacentHTML('beforeend',
        '<img id="no-alt" src="/static/css/app.css">' +
        '<input id="no-label" type="text">' +
        '<p id="pale" style="color:#bbb;background:#fff">kaum lesbar</p>' +
        '<label for="twice">Erstes Feld</label><input id="twice"><label for="twice">Zweites</label><input id="twice">' +
        '<button class="kern-btn kern-btn--primary"><span class="kern-label">Bestätigen</span>' +
        '<span class="kern-sr-only"> – Antrag 1</span></button>' +
        '<div style="position:relative"><label for="under">Verdeckt</label><input id="under">' +
        '<div style="position:absolute;inset:0;background:#fff">darüber</div></div>' +
        '<div style="width:40rem">zu breit</div>' +
        '<table><caption>Ohne KERN</caption><thead><tr><th>Betrag</th></tr></thead>' +
        '<tbody><tr><td>1.234,56 €</td><td>SHH2-2027-0001</td></tr></tbody></table>')""")

    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt (critical): Images must have alternative text" in message
    assert "at #no-alt" in message
    assert "label (critical)" in message and "at #no-label" in message
    assert "color-contrast (serious)" in message and "at #pale" in message

    problems = accessibility_problems(page)
    assert {"axe:image-alt", "axe:label", "axe:color-contrast", "duplicate-id", "obscured", "reflow",
            "tables"} <= set(problems)
    assert problems["duplicate-id"] == [
        'id="twice" 2× (input, input); label[for=twice] reaches only the first']
    assert any(p.startswith("text cut off") and "Bestätigen" in p for p in problems["obscured"])
    assert any("input#under is covered by div" in p for p in problems["obscured"])
    assert "div in main.kern-container.site-main" in " ".join(problems["reflow"])
    tables = "\n".join(problems["tables"])
    for expected in ('table 1 "Ohne KERN": 1× <table> without kern-table', "<thead> without kern-table__head",
                     "<tbody> without kern-table__body", "<tr> without kern-table__row",
                     "<th> without kern-table__header", "<td> without kern-table__cell",
                     "needs the class table-cards", 'number not in kern-table__cell--numeric: "1.234,56 €"',
                     'case number that may wrap (class case-number): "SHH2-2027-0001"'):
        assert expected in tables, tables
