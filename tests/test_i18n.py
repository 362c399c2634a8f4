"""English as the second language; German (formal "Sie") stays the default.

- With the language cookie set to "en" (what the footer's switch does) pages, allauth's pages and
  form errors come out in English; without it, or with any other value, everything is German —
  the browser's Accept-Language is deliberately ignored (foundation.middleware.LanguageMiddleware).
- The English catalogue is complete (no empty or fuzzy entry, placeholders and markup kept), the
  committed .mo files match their .po files, and the formal-German overrides of allauth's strings
  survive the regeneration by scripts/i18n.sh.
- German sign-in, sign-up and password pages never address the user as "du".
"""

import gettext
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
DE_PO = LOCALE / "de" / "LC_MESSAGES" / "django.po"
ALLAUTH_OVERRIDES = LOCALE / "de" / "allauth-overrides.po"
ALLAUTH_DE_PO = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
COOKIE = settings.LANGUAGE_COOKIE_NAME


# --- a tiny .po reader (no new dependency) -------------------------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self):
        return self.msgid == "" and self.msgctxt is None

    @property
    def translations(self):
        return [self.msgstr[k] for k in sorted(self.msgstr)]


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file in order (header included, obsolete "#~" entries left out)."""
    entries, current, target = [], None, None

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if current is not None and current.msgstr:  # a flag starts the next entry
                finish()
            current = current or Entry(line=number)
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            current = current or Entry(line=number)
        elif match := _KEYWORD.match(line):
            keyword, index, text = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword in ("msgid", "msgctxt") and current is not None and current.msgstr:
                finish()
            current = current or Entry(line=number)
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = text
            else:
                target = (keyword, None)
                setattr(current, keyword, text)
        elif line.startswith('"') and current is not None and target is not None:
            text = _unquote(line[1:-1])
            if target[0] == "msgstr":
                current.msgstr[target[1]] += text
            else:
                setattr(current, target[0], getattr(current, target[0]) + text)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def test_po_reader_reads_multiline_plural_and_fuzzy_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
                  '#: a.py\n#, fuzzy, python-format\nmsgid ""\n"Zeile %(n)d:\\n"\n"zwei"\nmsgstr "Line"\n\n'
                  '#~ msgid "alt"\n#~ msgstr "old"\n\n'
                  'msgid "%(n)s Antrag"\nmsgid_plural "%(n)s Anträge"\nmsgstr[0] "%(n)s application"\n'
                  'msgstr[1] ""\n', encoding="utf-8")
    header, fuzzy, plural = read_po(po)
    assert header.is_header and header.msgstr[0] == "Language: en\n"
    assert fuzzy.msgid == "Zeile %(n)d:\nzwei" and fuzzy.flags == {"fuzzy", "python-format"}
    assert plural.msgid_plural == "%(n)s Anträge" and plural.translations == ["%(n)s application", ""]


# --- rendering helpers ---------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """Text a person reads or hears: text nodes plus accessible attributes, no scripts or styles."""

    ATTRS = {"aria-label", "title", "alt", "placeholder"}

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [value for name, value in attrs if name in self.ATTRS and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(response) -> str:
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert match, "no <html lang> attribute"
    return match.group(1)


@pytest.fixture
def english(client):
    client.cookies[COOKIE] = "en"
    return client


# --- English on request --------------------------------------------------------------------------

@pytest.mark.django_db
def test_landing_page_in_english(english, call):
    response = english.get(reverse("home"))
    text = visible_text(response)
    assert response.status_code == 200 and html_lang(response) == "en"
    assert response["Content-Language"] == "en"
    assert "Starke Heimat Hessen – Phase 2: Funding for smart municipalities and regions" in text
    assert "Current calls for proposals" in text and call.title in text
    assert "Funding rate 90" in text and "of the eligible costs; grant from" in text
    assert "Skip to content" in text and "Accessibility statement" in text
    assert "Laufende Förderaufrufe" not in text and "Zum Inhalt springen" not in text
    # The switch offers the way back, labelled in its own language.
    assert re.search(r'<button[^>]*name="language" value="de"[^>]*lang="de"', response.content.decode())


@pytest.mark.django_db
def test_login_page_in_english(english):
    response = english.get(reverse("account_login"))
    text = visible_text(response)
    assert response.status_code == 200 and html_lang(response) == "en"
    assert "Sign In" in text and "Forgot your password?" in text and "Remember Me" in text
    assert "Anmelden" not in text and "Passwort" not in text


@pytest.mark.django_db
def test_application_detail_in_english(english, complete, applicant):
    english.force_login(applicant)
    response = english.get(reverse("applications:detail", args=[complete.pk]))
    text = visible_text(response)
    assert response.status_code == 200 and html_lang(response) == "en"
    for phrase in ("Draft application", "Lead municipality", "Partner municipalities",
                   "none (single project)", "Financing plan", "Budget year",
                   "Investment (hardware and software)", "Council resolution (Ratsbeschluss)",
                   "Own contribution", "Eligible costs", "Sign out"):
        assert phrase in text, phrase
    assert re.search(r'<td class="kern-table__cell" data-label="eligible">yes</td>', response.content.decode())
    for german in ("Finanzierungsplan", "Antragstellende Kommune", "Anlagen", "Abmelden", ">ja</td>"):
        assert german not in text, german


@pytest.mark.django_db
def test_error_page_in_english(english, draft, applicant):
    english.force_login(applicant)
    response = english.get(reverse("applications:detail", args=[draft.pk + 1000]))
    text = visible_text(response)
    assert response.status_code == 404 and html_lang(response) == "en"
    assert "Page not found" in text and "Seite nicht gefunden" not in text


@pytest.mark.django_db
def test_form_errors_in_english_and_nothing_saved(english, draft, applicant):
    english.force_login(applicant)
    data = {"title": "Changed", "costs-TOTAL_FORMS": "1", "costs-INITIAL_FORMS": "0",
            "costs-MIN_NUM_FORMS": "0", "costs-MAX_NUM_FORMS": "200", "costs-0-category": "investment",
            "costs-0-description": "Sensors", "costs-0-budget_year": "2027", "costs-0-amount": "twelve",
            "third-TOTAL_FORMS": "0", "third-INITIAL_FORMS": "0", "third-MIN_NUM_FORMS": "0",
            "third-MAX_NUM_FORMS": "50"}
    response = english.post(reverse("applications:edit", args=[draft.pk]), data)
    text = visible_text(response)
    assert response.status_code == 400 and html_lang(response) == "en"
    assert "Please enter an amount in euros in German format, e.g. 12.500,00" in text
    assert "Your details have not been saved. Please check the marked fields." in text
    assert "Bitte geben Sie einen Betrag" not in text
    draft.refresh_from_db()
    assert draft.title != "Changed" and not draft.cost_lines.exists()


@pytest.mark.django_db
def test_sign_up_error_in_english(english):
    response = english.post(reverse("account_signup"), {
        "email": "neu@example.org", "password1": "Ein-Langes-Passwort-1", "password2": "Ein-Anderes-Passwort-2"})
    text = visible_text(response)
    assert response.status_code == 200 and html_lang(response) == "en"
    assert "You must type the same password each time." in text


@pytest.mark.django_db
def test_language_switch_sets_the_cookie_both_ways(client, call):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302 and response.cookies[COOKIE].value == "en"
    assert html_lang(client.get(reverse("home"))) == "en"
    client.post(reverse("set_language"), {"language": "de", "next": reverse("home")})
    response = client.get(reverse("home"))
    assert html_lang(response) == "de" and "Laufende Förderaufrufe" in visible_text(response)


# --- German by default ---------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("cookie", [None, "fr", "", "en-us"])
def test_default_is_german_even_when_the_browser_asks_for_english(client, call, cookie):
    if cookie is not None:
        client.cookies[COOKIE] = cookie
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    text = visible_text(response)
    assert html_lang(response) == "de" and response["Content-Language"] == "de"
    assert "Laufende Förderaufrufe" in text and "Zum Inhalt springen" in text
    assert "Current calls for proposals" not in text

    login = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(login) == "de" and "Passwort vergessen?" in visible_text(login)


# --- German pages use the formal address ---------------------------------------------------------

INFORMAL = re.compile(r"\b(du|dich|dir|dein|deine|deinem|deinen|deiner|deines)\b", re.IGNORECASE)


def test_informal_pattern_catches_du_forms():
    assert INFORMAL.search("Hast du dein Passwort vergessen?")
    assert INFORMAL.search("Bestätige Deine E-Mail-Adresse")
    assert not INFORMAL.search("Haben Sie Ihr Passwort vergessen? Dienststelle, Durchsetzung, dirigieren")


def _auth_pages(client):
    user = UserFactory()
    yield "login", client.get(reverse("account_login"))
    yield "login failed", client.post(reverse("account_login"), {"login": user.email, "password": "falsch"})
    yield "signup", client.get(reverse("account_signup"))
    yield "signup errors", client.post(reverse("account_signup"), {
        "email": user.email, "password1": "kurz", "password2": "anders"})
    yield "password reset", client.get(reverse("account_reset_password"))
    yield "password reset sent", client.post(reverse("account_reset_password"),
                                             {"email": "unbekannt@example.org"}, follow=True)
    yield "password reset done", client.get(reverse("account_reset_password_done"))
    yield "password reset bad link", client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "set-password"}), follow=True)
    yield "verification sent", client.get(reverse("account_email_verification_sent"))
    client.force_login(user)
    yield "logout", client.get(reverse("account_logout"))
    yield "password change", client.get(reverse("account_change_password"))


@pytest.mark.django_db
def test_german_auth_pages_address_the_user_formally(client):
    seen = 0
    for name, response in _auth_pages(client):
        assert response.status_code == 200, name
        assert html_lang(response) == "de", name
        text = visible_text(response)
        assert re.search(r"\b(Sie|Ihr|Ihre|Bitte|Passwort)\b", text), f"{name}: no German text?\n{text}"
        informal = INFORMAL.findall(text)
        assert not informal, f"{name}: informal address {informal} in:\n{text}"
        seen += 1
    assert seen == 11


# --- the catalogues --------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w+\}|</?[a-z]+")


def test_every_english_entry_is_translated_and_none_is_fuzzy():
    entries = read_po(EN_PO)
    header, messages = entries[0], entries[1:]
    assert header.is_header and "Language: en" in header.msgstr[0]
    assert len(messages) > 400  # the reader found the catalogue, not an empty file
    problems = [f"line {e.line}: fuzzy {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    for e in messages:
        expected_forms = 2 if e.msgid_plural is not None else 1
        if len(e.msgstr) != expected_forms or not all(s.strip() for s in e.msgstr.values()):
            problems.append(f"line {e.line}: untranslated {e.msgid!r}")
    assert not problems, "\n".join(problems)


def test_english_translations_keep_placeholders_and_markup():
    problems = []
    for e in read_po(EN_PO)[1:]:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for index, translation in enumerate(e.translations):
            source = sources[min(index, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                problems.append(f"line {e.line}: {source!r} -> {translation!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po_path", [EN_PO, DE_PO], ids=["en", "de"])
def test_committed_mo_files_match_their_po_files(po_path):
    """The .mo files are committed (CI has no gettext): scripts/i18n.sh --compile after every edit."""
    with open(po_path.with_suffix(".mo"), "rb") as fp:
        mo = gettext.GNUTranslations(fp)
    stale = []
    for e in read_po(po_path)[1:]:
        if "fuzzy" in e.flags or not all(e.msgstr.values()):
            continue
        if e.msgid_plural is None:
            compiled = mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt else mo.gettext(e.msgid)
            ok = compiled == e.msgstr[0]
        else:
            ok = [mo.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)] == e.translations
        if not ok:
            stale.append(e.msgid)
    assert not stale, f"{po_path.with_suffix('.mo')} is out of date for: {stale[:5]}"


def test_allauth_overrides_survive_in_the_german_catalogue():
    overrides = [e for e in read_po(ALLAUTH_OVERRIDES) if not e.is_header]
    german = {(e.msgctxt, e.msgid): e for e in read_po(DE_PO)}
    assert len(overrides) >= 30
    for o in overrides:
        assert (o.msgctxt, o.msgid) in german, f"override lost from {DE_PO}: {o.msgid!r}"
        assert german[(o.msgctxt, o.msgid)].translations == o.translations, o.msgid
        assert not INFORMAL.search(" ".join(o.translations)), o.msgid


def test_allauth_overrides_still_match_allauths_strings():
    """After an allauth upgrade a renamed msgid would silently fall back to allauth's "du" text."""
    allauth_ids = {(e.msgctxt, e.msgid) for e in read_po(ALLAUTH_DE_PO)}
    missing = [o.msgid for o in read_po(ALLAUTH_OVERRIDES)
               if not o.is_header and (o.msgctxt, o.msgid) not in allauth_ids]
    assert not missing, f"no longer in allauth's catalogue: {missing}"


def test_german_source_strings_stay_untranslated_in_the_german_catalogue():
    override_ids = {(e.msgctxt, e.msgid) for e in read_po(ALLAUTH_OVERRIDES)}
    ours = [e for e in read_po(DE_PO)[1:] if (e.msgctxt, e.msgid) not in override_ids]
    assert ours, "no German source strings found"
    translated = [e.msgid for e in ours if any(e.msgstr.values())]
    assert not translated, f"German msgids need no German msgstr: {translated[:5]}"
