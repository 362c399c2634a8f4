"""Download names (issue 11): German, ASCII-safe filename plus RFC 6266 filename* for umlauts."""

import pytest

from foundation.files import ascii_name, content_disposition, download_name


@pytest.mark.parametrize(("parts", "ext", "expected"), [
    (("Rangliste", "Sitzung", 1), "pdf", "Rangliste-Sitzung-1.pdf"),
    (("Eingangsbestätigung", "SHH2-2027-0001", ""), "pdf", "Eingangsbestätigung-SHH2-2027-0001.pdf"),
    (("Bescheid", "SHH2/2027/7", None), "pdf", "Bescheid-SHH2-2027-7.pdf"),  # no path separator
    (("Anträge", 'a"b; c'), "csv", "Anträge-a-b-c.csv"),  # no quote, no header delimiter
    (("", None), "xml", "Datei.xml"),
])
def test_download_name(parts, ext, expected):
    assert download_name(*parts, ext=ext) == expected


def test_ascii_name_spells_out_umlauts():
    assert ascii_name("Rückforderungsbescheid-Größe-Ölpreis.pdf") == "Rueckforderungsbescheid-Groesse-Oelpreis.pdf"
    assert ascii_name("Café.pdf") == "Cafe.pdf"


def test_plain_ascii_name_has_no_filename_star():
    assert content_disposition("Rangliste-Sitzung-1.pdf") == 'attachment; filename="Rangliste-Sitzung-1.pdf"'


def test_umlaut_name_has_ascii_fallback_and_utf8_filename_star():
    assert content_disposition("Anträge-Aufruf-3.csv") == (
        "attachment; filename=\"Antraege-Aufruf-3.csv\"; filename*=UTF-8''Antr%C3%A4ge-Aufruf-3.csv")


def test_quotes_and_line_breaks_never_reach_the_header():
    header = content_disposition('x"\r\nSet-Cookie: a=b.pdf')
    assert "\r" not in header and "\n" not in header and header.count('"') == 2
