"""Another Land's installation (OZG-Verbund Mitte): its municipalities' keys are checked against its own Land key and
region digits (``settings.LAND``), the directory import reads its records, and the open data name it as their area.
Hessen's keys and directory are covered by tests/accounts/test_directory.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from accounts.directory import import_directory
from accounts.enums import MunicipalityKind
from accounts.keys import validate_official_key
from accounts.models import Municipality

from .test_directory import gv_line

RLP = {"key": "07", "name": "Rheinland-Pfalz", "regions": "123"}


@pytest.fixture
def rhineland(settings):
    settings.LAND = RLP


@pytest.mark.parametrize(("key", "kind"), [
    ("07339", MunicipalityKind.LANDKREIS), ("07315000", MunicipalityKind.KREISFREIE_STADT),
    ("07339005", MunicipalityKind.GEMEINDE), ("07131001", MunicipalityKind.GEMEINDE),
])
def test_the_lands_own_keys_are_valid(rhineland, key, kind):
    validate_official_key(key, kind)


@pytest.mark.parametrize(("key", "kind", "message"), [
    ("06411000", MunicipalityKind.KREISFREIE_STADT,
     "Der Amtliche Gemeindeschlüssel einer Kommune in Rheinland-Pfalz hat 8 Ziffern und beginnt mit 071, 072 oder 073 "
     "(z. B. 07111000)."),
    ("07439005", MunicipalityKind.GEMEINDE, "beginnt mit 071, 072 oder 073"),
    ("06431", MunicipalityKind.LANDKREIS, "Der Kreisschlüssel eines Landkreises in Rheinland-Pfalz hat 5 Ziffern und "
                                          "beginnt mit 071, 072 oder 073 (z. B. 07131)."),
])
def test_another_lands_keys_and_a_wrong_region_are_refused_naming_the_land(rhineland, key, kind, message):
    with pytest.raises(ValidationError) as error:
        validate_official_key(key, kind)
    assert message in error.value.messages[0]


def test_hessens_keys_by_default():
    validate_official_key("06411000", MunicipalityKind.KREISFREIE_STADT)
    with pytest.raises(ValidationError, match=r"in Hessen hat 5 Ziffern und beginnt mit 064, 065 oder 066 \(z"):
        validate_official_key("07339", MunicipalityKind.LANDKREIS)


@pytest.mark.django_db
def test_the_directory_import_reads_the_lands_records_and_leaves_the_others(rhineland):
    text = "\n".join([
        gv_line("40", "07315", "Mainz, kreisfreie Stadt", code="41"),
        gv_line("60", "073150000000", "Mainz, Stadt", code="61"),
        gv_line("40", "07339", "Mainz-Bingen", code="44"),
        gv_line("60", "073390050005", "Bingen am Rhein, Stadt", code="63"),
        gv_line("40", "06438", "Offenbach", code="44"),  # Hessen's: not this Land's
        gv_line("60", "064380060006", "Langen (Hessen), Stadt", code="63"),
    ])
    import_directory(data=text)
    assert sorted(Municipality.objects.values_list("official_key", "name", "kind", "landkreis__official_key")) == [
        ("07315000", "Mainz, Stadt", MunicipalityKind.KREISFREIE_STADT, None),
        ("07339", "Landkreis Mainz-Bingen", MunicipalityKind.LANDKREIS, None),
        ("07339005", "Bingen am Rhein, Stadt", MunicipalityKind.GEMEINDE, "07339"),
    ]
    for municipality in Municipality.objects.all():
        municipality.full_clean()  # the model's validation and the database agree with the import


@pytest.mark.django_db
def test_a_directory_without_the_lands_gemeinden_is_refused_naming_the_land(rhineland):
    from accounts.directory import DirectoryError

    with pytest.raises(DirectoryError, match=r"keine Gemeinden in Rheinland-Pfalz \(Satzart 60 mit Landesschlüssel 07"):
        import_directory(data=gv_line("60", "064380060006", "Langen (Hessen), Stadt", code="63"))


@pytest.mark.django_db
def test_the_database_holds_the_format_of_any_lands_key():
    from django.db import IntegrityError, transaction

    Municipality.objects.create(official_key="10041100", name="Saarbrücken", kind=MunicipalityKind.GEMEINDE)
    for key, kind in (("1004110", MunicipalityKind.GEMEINDE), ("17041100", MunicipalityKind.GEMEINDE),
                      ("100411", MunicipalityKind.LANDKREIS)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Municipality.objects.create(official_key=key, name="x", kind=kind)


def test_the_open_data_name_the_lands_state_key(rhineland, db):
    from opendata.catalogue import catalogue_graph

    turtle = catalogue_graph().serialize(format="turtle")
    assert "politicalGeocoding/stateKey/07" in turtle and "stateKey/06" not in turtle
    assert '"Rheinland-Pfalz"@de' in turtle


@pytest.mark.parametrize(("key", "regions"), [("6", "456"), ("17", "456"), ("06", ""), ("06", "4x")])
def test_a_wrong_land_in_the_environment_stops_the_start(key, regions):
    env = {**os.environ, "DEBUG": "1", "LAND_KEY": key, "LAND_REGIONS": regions or " "}
    result = subprocess.run([sys.executable, "-c", "import config.settings"], cwd=Path(__file__).resolve().parents[2],
                            env=env, capture_output=True, text=True)
    if regions == "":  # blank: the default regions
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0 and "LAND_KEY must be a Land's key" in result.stderr
