"""The Destatis municipality directory (GV100AD): reading it and importing Hessen from it."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.directory import (
    SONDERSTATUSSTAEDTE,
    DirectoryError,
    municipality_entries,
    parse_directory,
    parse_line,
)
from accounts.enums import MunicipalityKind
from accounts.models import Municipality

DEMO = Path(settings.BASE_DIR) / "data" / "destatis" / "GV100AD_hessen_demo.txt"
DEMO_DATE = dt.date(2024, 12, 31)
LANDKREISE = {
    "06431": "Landkreis Bergstraße", "06432": "Landkreis Darmstadt-Dieburg",
    "06433": "Landkreis Groß-Gerau", "06434": "Hochtaunuskreis", "06435": "Main-Kinzig-Kreis",
    "06436": "Main-Taunus-Kreis", "06437": "Odenwaldkreis", "06438": "Landkreis Offenbach",
    "06439": "Rheingau-Taunus-Kreis", "06440": "Wetteraukreis", "06531": "Landkreis Gießen",
    "06532": "Lahn-Dill-Kreis", "06533": "Landkreis Limburg-Weilburg",
    "06534": "Landkreis Marburg-Biedenkopf", "06535": "Vogelsbergkreis", "06631": "Landkreis Fulda",
    "06632": "Landkreis Hersfeld-Rotenburg", "06633": "Landkreis Kassel",
    "06634": "Schwalm-Eder-Kreis", "06635": "Landkreis Waldeck-Frankenberg",
    "06636": "Werra-Meißner-Kreis",
}
KREISFREIE_STAEDTE = {"06411000", "06412000", "06413000", "06414000", "06611000"}
GEMEINDEN = 16  # further Gemeinden in the demo extract
TOTAL = len(LANDKREISE) + len(KREISFREIE_STAEDTE) + len(SONDERSTATUSSTAEDTE) + GEMEINDEN


def gv_line(satzart: str, key: str, name: str, seat: str = "", code: str = "",
            date: str = "20241231") -> str:
    """One GV100AD record: key is positions 11-22 exactly as they stand (blanks included)."""
    return satzart + date + key.ljust(12) + name.ljust(50) + seat.ljust(50) + code.ljust(2)


def demo_text() -> str:
    return DEMO.read_bytes().decode("latin-1")


def write(tmp_path, text: str, encoding: str = "latin-1", name: str = "GV100AD_311225.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *args) -> str:
    out = StringIO()
    call_command("import_municipalities", str(path), *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(Municipality.objects.order_by("official_key").values_list(
        "official_key", "name", "kind", "regional_key", "landkreis__official_key", "directory_date",
        "active"))


def replace_line(text: str, startswith: str, new: str | None) -> str:
    """Replace (or with None, drop) the one line that starts with `startswith`."""
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if line.startswith(startswith)]
    assert len(hits) == 1, (startswith, hits)
    if new is None:
        del lines[hits[0]]
    else:
        lines[hits[0]] = new
    return "\n".join(lines)


def newer(text: str, date: str = "20251231") -> str:
    return "\n".join(line[:2] + date + line[10:] if line else line for line in text.split("\n"))


# --- reading -----------------------------------------------------------------------------------


def test_gemeinde_record_positions():
    # positions 11-18 are the AGS, 19-22 the Gemeindeverband; the ARS puts the Verband first
    record = parse_line(gv_line("60", "064380060006", "Langen (Hessen), Stadt", code="63"), 7)
    assert record.line_no == 7
    assert record.record_type == "60"
    assert record.as_of == dt.date(2024, 12, 31)
    assert record.land == "06"
    assert record.kreis_key == "06438"
    assert record.ags == "06438006"
    assert record.verband == "0006"
    assert record.ars == "064380006006"
    assert record.name == "Langen (Hessen), Stadt"
    assert record.text_code == "63"


def test_gemeinde_whose_verband_differs_from_its_number():
    # Saarbrücken: AGS 10041100 in Verband 0100 → ARS 100410100100
    line = gv_line("60", "100411000100", "Saarbrücken, Landeshauptstadt", code="63")
    record = parse_line(line, 1)
    assert record.ags == "10041100"
    assert record.verband == "0100"
    assert record.ars == "100410100100"


def test_kreis_and_verband_record_positions():
    kreis = parse_line(gv_line("40", "06433", "Groß-Gerau", "Groß-Gerau", "44"), 3)
    assert (kreis.kreis_key, kreis.name, kreis.seat, kreis.text_code) == (
        "06433", "Groß-Gerau", "Groß-Gerau", "44")
    assert kreis.ars == "06433"
    verband = parse_line(gv_line("50", "06433   0012", "Rüsselsheim am Main, Stadt", code="50"), 4)
    assert (verband.kreis_key, verband.verband) == ("06433", "0012")


def test_demo_file_is_latin1_and_its_umlauts_survive():
    raw = DEMO.read_bytes()
    assert b"Gro\xdf-Gerau" in raw and b"Werra-Mei\xdfner-Kreis" in raw
    names = {record.name for record in parse_directory(raw)}
    assert {"Groß-Gerau", "Werra-Meißner-Kreis", "Gießen, Universitätsstadt",
            "Rödermark, Stadt"} <= names


def test_utf8_with_bom_and_crlf_gives_the_same_records():
    latin1 = parse_directory(DEMO.read_bytes())
    utf8 = parse_directory(b"\xef\xbb\xbf" + demo_text().replace("\n", "\r\n").encode("utf-8"))
    def fields(records):
        return [(r.key, r.name, r.text_code) for r in records]

    assert fields(utf8) == fields(latin1)


def test_every_line_of_the_demo_has_the_fixed_width_layout():
    lines = [line for line in demo_text().split("\n") if line]
    assert all(len(line) == 124 for line in lines)
    assert {line[2:10] for line in lines} == {"20241231"}
    assert lines[0].startswith("1020241231" + "06" + " " * 10 + "Hessen")


def test_malformed_lines_are_reported_by_number():
    text = "\n".join([
        gv_line("10", "06", "Hessen"),
        gv_line("70", "06", "Unbekannt"),  # 2: unknown Satzart
        "",  # 3: blank lines are skipped
        gv_line("40", "06431", "Bergstraße", code="44", date="20241332"),  # 4: no date
        gv_line("60", "0643800A0006", "Langen", code="63"),  # 5: letter in the key
        gv_line("60", "064380060006", "Langen"),  # 6: no Textkennzeichen
        gv_line("40", "06431", "Bergstraße", code="64"),  # 7: Gemeinde code on a Kreis
        gv_line("40", "06431", ""),  # 8: no name
        gv_line("40", "06431  1", "Bergstraße", code="44"),  # 9: key too long for a Kreis
        "6020241231064380060006Langen",  # 10: cut off before the Textkennzeichen
    ])
    with pytest.raises(DirectoryError) as error:
        parse_directory(text)
    assert error.value.line_numbers == [2, 4, 5, 6, 7, 8, 9, 10]
    message = str(error.value)
    assert "Zeile 2: Unbekannte Satzart „70“" in message
    assert "Zeile 4: Ungültiger Gebietsstand „20241332“" in message
    assert "Zeile 7: Ungültiges Textkennzeichen „64“" in message


def test_a_file_has_one_gebietsstand():
    text = "\n".join([gv_line("10", "06", "Hessen"),
                      gv_line("20", "064", "Reg.-Bez. Darmstadt", date="20251231")])
    with pytest.raises(DirectoryError) as error:
        parse_directory(text)
    assert error.value.line_numbers == [2]


def test_records_of_other_laender_are_left_out():
    text = "\n".join([
        gv_line("10", "08", "Baden-Württemberg", "Stuttgart"),
        gv_line("30", "0822", "Region Rhein-Neckar", "Mannheim"),
        gv_line("40", "08221", "Heidelberg, Stadtkreis", "Heidelberg", "42"),
        gv_line("60", "082210000000", "Heidelberg, Stadt", code="62"),
        gv_line("10", "06", "Hessen", "Wiesbaden"),
        gv_line("40", "06412", "Frankfurt am Main, Stadt", code="41"),
        gv_line("60", "064120000000", "Frankfurt am Main, Stadt", code="61"),
        gv_line("10", "09", "Bayern", "München"),
    ])
    records = parse_directory(text)
    assert [r.line_no for r in records] == [5, 6, 7]
    assert [(e.official_key, e.kind) for e in municipality_entries(records)] == [
        ("06412000", MunicipalityKind.KREISFREIE_STADT)]


def test_entries_take_their_kind_from_the_directory_and_the_hgo_list():
    entries = {e.official_key: e for e in municipality_entries(parse_directory(DEMO.read_bytes()))}
    assert len(entries) == TOTAL
    assert {k for k, e in entries.items()
            if e.kind == MunicipalityKind.LANDKREIS} == set(LANDKREISE)
    assert {k for k, e in entries.items()
            if e.kind == MunicipalityKind.KREISFREIE_STADT} == KREISFREIE_STAEDTE
    assert {k for k, e in entries.items()
            if e.kind == MunicipalityKind.SONDERSTATUSSTADT} == set(SONDERSTATUSSTAEDTE)
    assert entries["06438006"].landkreis_key == "06438"
    assert entries["06534014"].landkreis_key == "06534"
    assert entries["06412000"].landkreis_key is None
    assert entries["06434"].name == "Hochtaunuskreis"
    assert entries["06633"].name == "Landkreis Kassel"
    assert entries["06611000"].name == "Kassel, documenta-Stadt"
    # Landkreise come first, so a Gemeinde's Landkreis exists before the Gemeinde is written
    kinds = [e.kind == MunicipalityKind.LANDKREIS for e in entries.values()]
    assert kinds == sorted(kinds, reverse=True)


def test_gemeindefreie_gebiete_are_no_municipalities():
    text = "\n".join([
        gv_line("40", "06633", "Kassel", "Kassel", "44"),
        gv_line("60", "066330090009", "Musterdorf", code="64"),  # a made-up key
        gv_line("60", "066332009200", "Gutsbezirk Reinhardswald", code="66"),
    ])
    assert [e.official_key for e in municipality_entries(parse_directory(text))] == [
        "06633", "06633009"]


@pytest.mark.parametrize(("lines", "line_no", "fragment"), [
    ([gv_line("60", "064380060006", "Langen (Hessen), Stadt", code="63")], 1,
     "Der Landkreis 06438 dieser Gemeinde fehlt"),
    ([gv_line("40", "06438", "Offenbach", code="44"),
      gv_line("60", "064380060006", "Langen (Hessen), Stadt", code="63"),
      gv_line("60", "064380060006", "Langen (Hessen), Stadt", code="63")], 3,
     "kommt schon in Zeile 2 vor"),
    ([gv_line("40", "06438", "Offenbach", code="44"),
      gv_line("60", "064380000000", "Langen (Hessen), Stadt", code="63")], 2,
     "gehört zu einer kreisfreien Stadt"),
    ([gv_line("60", "064120010000", "Frankfurt am Main, Stadt", code="61")], 1, "endet auf 000"),
    ([gv_line("40", "06738", "Offenbach", code="44"),
      gv_line("60", "067380060006", "Langen", code="63")], 1, "beginnt mit 064, 065 oder 066"),
])
def test_records_that_do_not_fit_together_are_refused(lines, line_no, fragment):
    with pytest.raises(DirectoryError) as error:
        municipality_entries(parse_directory("\n".join(lines)))
    assert line_no in error.value.line_numbers
    assert fragment in str(error.value)


def test_a_directory_without_hessian_gemeinden_is_refused():
    with pytest.raises(DirectoryError, match="keine Gemeinden in Hessen"):
        municipality_entries(parse_directory(gv_line("40", "06438", "Offenbach", code="44")))


# --- importing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_of_the_demo_directory():
    out = run(DEMO)
    assert f"Gebietsstand 31.12.2024: {TOTAL} neu, 0 geändert, 0 unverändert, 0 deaktiviert" in out

    landkreise = Municipality.objects.filter(kind=MunicipalityKind.LANDKREIS)
    assert dict(landkreise.values_list("official_key", "name")) == LANDKREISE
    assert set(Municipality.objects.filter(kind=MunicipalityKind.KREISFREIE_STADT)
               .values_list("official_key", flat=True)) == KREISFREIE_STAEDTE
    assert not Municipality.objects.filter(kind=MunicipalityKind.KREISFREIE_STADT,
                                           landkreis__isnull=False).exists()
    sonderstatus = Municipality.objects.filter(kind=MunicipalityKind.SONDERSTATUSSTADT)
    assert dict(sonderstatus.values_list("official_key", "landkreis__official_key")) == {
        key: key[:5] for key in SONDERSTATUSSTAEDTE}
    gemeinden = Municipality.objects.filter(kind=MunicipalityKind.GEMEINDE)
    assert gemeinden.count() == GEMEINDEN
    assert all(g.landkreis.official_key == g.official_key[:5] for g in gemeinden)

    langen = Municipality.objects.get(official_key="06438006")
    assert langen.name == "Langen (Hessen), Stadt"
    assert langen.landkreis.name == "Landkreis Offenbach"
    assert langen.regional_key == "064380006006"
    assert Municipality.objects.get(official_key="06434001").regional_key == "064340001001"
    assert Municipality.objects.get(official_key="06412000").regional_key == "064120000000"
    assert Municipality.objects.get(official_key="06636").regional_key == "06636"
    assert set(Municipality.objects.values_list("directory_date", "active")) == {(DEMO_DATE, True)}
    for municipality in Municipality.objects.all():
        municipality.full_clean()  # what the directory gives passes the model's own validation


@pytest.mark.django_db
def test_a_second_import_changes_nothing():
    run(DEMO)
    before = snapshot()
    out = run(DEMO)
    assert f"0 neu, 0 geändert, {TOTAL} unverändert, 0 deaktiviert" in out
    assert snapshot() == before


@pytest.mark.django_db
def test_a_newer_directory_renames_one_and_deactivates_a_missing_one(tmp_path):
    run(DEMO)
    text = newer(demo_text(), "20251231")
    text = replace_line(text, "6020251231064380110011",
                        gv_line("60", "064380110011", "Rodgau-Neu, Stadt", code="63",
                                date="20251231"))
    text = replace_line(text, "6020251231064380070007", None)  # Mainhausen merged away
    out = run(write(tmp_path, text))
    assert (f"Gebietsstand 31.12.2025: 0 neu, 1 geändert, {TOTAL - 2} unverändert, "
            "1 deaktiviert") in out

    rodgau = Municipality.objects.get(official_key="06438011")
    assert (rodgau.name, rodgau.directory_date, rodgau.active) == (
        "Rodgau-Neu, Stadt", dt.date(2025, 12, 31), True)
    mainhausen = Municipality.objects.get(official_key="06438007")  # never deleted
    assert (mainhausen.active, mainhausen.directory_date) == (False, DEMO_DATE)
    assert Municipality.objects.count() == TOTAL
    active = Municipality.objects.filter(active=True)
    assert set(active.values_list("directory_date", flat=True)) == {dt.date(2025, 12, 31)}

    # a later directory that lists it again brings it back
    out = run(write(tmp_path, newer(demo_text(), "20260630"), name="again.txt"))
    assert "0 neu, 2 geändert" in out
    assert Municipality.objects.get(official_key="06438007").active


@pytest.mark.django_db
def test_hanau_becoming_kreisfrei_in_2026(tmp_path):
    run(DEMO)
    text = newer(demo_text(), "20260131")
    text = replace_line(text, "502026013106435   0014", None)
    text = replace_line(text, "6020260131064350140014", None)
    text = text.replace(
        gv_line("40", "06431", "Bergstraße", "Heppenheim (Bergstraße)", "44", date="20260131"),
        "\n".join([
            gv_line("40", "06415", "Hanau, Brüder-Grimm-Stadt", "Hanau", "41", date="20260131"),
            gv_line("50", "06415   0000", "Hanau, Brüder-Grimm-Stadt", code="50", date="20260131"),
            gv_line("60", "064150000000", "Hanau, Brüder-Grimm-Stadt", code="61", date="20260131"),
            gv_line("40", "06431", "Bergstraße", "Heppenheim (Bergstraße)", "44", date="20260131"),
        ]))
    out = run(write(tmp_path, text))
    assert "1 neu, 0 geändert" in out and "1 deaktiviert" in out
    hanau = Municipality.objects.get(official_key="06415000")
    assert (hanau.kind, hanau.landkreis, hanau.regional_key) == (
        MunicipalityKind.KREISFREIE_STADT, None, "064150000000")
    assert not Municipality.objects.get(official_key="06435014").active


@pytest.mark.django_db
def test_a_malformed_file_changes_nothing(tmp_path):
    run(DEMO)
    before = snapshot()
    text = newer(demo_text())
    text = replace_line(text, "6020251231064380110011",
                        gv_line("60", "064380110011", "Rodgau-Neu, Stadt", code="63",
                                date="20251231"))
    text = replace_line(text, "6020251231064380070007", None)
    lines = text.split("\n")
    bad = next(i for i, line in enumerate(lines) if line.startswith("6020251231064380020002"))
    lines[bad] = lines[bad][:122] + "99"  # Dreieich with a Textkennzeichen that does not exist
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, "\n".join(lines)))
    assert f"Zeile {bad + 1}: Ungültiges Textkennzeichen „99“" in str(error.value)
    assert "es wurde nichts geändert" in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_file_without_hessen_deactivates_nothing(tmp_path):
    run(DEMO)
    before = snapshot()
    with pytest.raises(CommandError, match="keine Gemeinden in Hessen"):
        run(write(tmp_path, gv_line("10", "08", "Baden-Württemberg", "Stuttgart", date="20251231")))
    assert snapshot() == before


@pytest.mark.django_db
def test_an_older_directory_is_refused(tmp_path):
    run(write(tmp_path, newer(demo_text(), "20251231")))
    before = snapshot()
    with pytest.raises(CommandError, match=r"\(31\.12\.2024\) ist älter als der bereits"):
        run(DEMO)
    assert snapshot() == before


@pytest.mark.django_db
def test_date_option_sets_the_gebietsstand():
    out = run(DEMO, "--date", "2025-01-01")
    assert "Gebietsstand 01.01.2025" in out
    dates = set(Municipality.objects.values_list("directory_date", flat=True))
    assert dates == {dt.date(2025, 1, 1)}


@pytest.mark.django_db
def test_dry_run_counts_but_saves_nothing():
    out = run(DEMO, "--dry-run")
    assert f"{TOTAL} neu" in out and "Probelauf" in out
    assert not Municipality.objects.exists()


@pytest.mark.django_db
def test_municipalities_entered_by_hand_are_kept_but_deactivated(tmp_path):
    by_hand = Municipality.objects.create(name="Testgemeinde", kind=MunicipalityKind.GEMEINDE,
                                          official_key="06438099")
    out = run(DEMO)
    assert "1 deaktiviert" in out
    by_hand.refresh_from_db()
    assert (by_hand.active, by_hand.name, by_hand.directory_date) == (False, "Testgemeinde", None)


@pytest.mark.parametrize("args", [["/nonexistent/GV100AD_311224.txt"],
                                  [str(DEMO), "--date", "31.12.2024"]])
@pytest.mark.django_db
def test_bad_arguments_give_a_clear_error(args):
    with pytest.raises(CommandError) as error:
        call_command("import_municipalities", *args, stdout=StringIO())
    assert "kann nicht gelesen werden" in str(error.value) or "JJJJ-MM-TT" in str(error.value)
    assert not Municipality.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_halfway_through_the_writes_rolls_everything_back(tmp_path, monkeypatch):
    run(DEMO)
    before = snapshot()
    text = replace_line(newer(demo_text()), "6020251231064380070007", None)
    save, calls = Municipality.save, []

    def failing_save(self, *args, **kwargs):
        calls.append(self.official_key)
        if len(calls) == 30:
            raise RuntimeError("database gone")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Municipality, "save", failing_save)
    with pytest.raises(RuntimeError):
        run(write(tmp_path, text))
    assert len(calls) == 30
    assert snapshot() == before


def test_the_command_explains_itself():
    from accounts.management.commands.import_municipalities import Command

    text = Command().create_parser("manage.py", "import_municipalities").format_help()
    assert "Gemeindeverzeichnis" in text and "--dry-run" in text and "--date" in text
