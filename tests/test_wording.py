"""German text (issue 11): real plural forms instead of "Zahlung(en)", "Partnerin/Partnern" or "Benutzer/in"."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "applications", "audit", "foundation", "grants", "jury", "outbox", "payments", "config"]
# "Zahlung(en)", "Position(en)", "Anlage(n)", "Partner/in", "Benutzer/innen" – a count needs ngettext or
# {% blocktranslate count %}, a person a neutral word ("Benutzerkonto", "Sachbearbeitung").
FALLBACK = re.compile(r"[a-zäöüß]\((?:en|n|e|in|innen)\)|[a-zäöüß]/(?:in|innen)\b|\(in\)")


def sources():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "templates").rglob("*.txt")
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                yield path


def test_fallback_pattern_catches_the_old_forms():
    for text in ("1 Zahlung(en)", "Ausgabenposition(en)", "Anlage(n)", "Benutzer/in", "Benutzer/innen"):
        assert FALLBACK.search(text), text
    for text in ("%(n)d Zahlungen", "Nachweise (%(n)d)", "Zahlungslauf %(n)s", "und/oder"):
        assert not FALLBACK.search(text), text


def test_no_source_shows_a_fallback_plural_or_gender_slash():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
             for path in sources() for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if FALLBACK.search(line)]
    assert not found, "\n".join(found)
