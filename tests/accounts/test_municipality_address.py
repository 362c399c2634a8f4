"""The municipality's postal address: kept in the admin, left alone by the directory import."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.directory import import_directory
from accounts.models import Municipality
from tests.factories import staff_user

DEMO = Path(settings.BASE_DIR) / "data" / "destatis" / "GV100AD_hessen_demo.txt"

pytestmark = pytest.mark.django_db


def test_directory_import_leaves_the_postal_address_alone():
    import_directory(data=DEMO.read_bytes())
    marburg = Municipality.objects.get(official_key="06534014")
    Municipality.objects.filter(pk=marburg.pk).update(name="Alter Name", street="Markt 1", postal_code="35037",
                                                      city="Marburg")
    result = import_directory(data=DEMO.read_bytes())
    marburg.refresh_from_db()
    assert "06534014" in result.updated and marburg.name != "Alter Name"  # the import did touch the row
    assert (marburg.street, marburg.postal_code, marburg.city) == ("Markt 1", "35037", "Marburg")


def test_postal_code_has_five_digits():
    import_directory(data=DEMO.read_bytes())
    town = Municipality.objects.get(official_key="06534014")
    town.postal_code = "3503"
    with pytest.raises(ValidationError) as error:
        town.full_clean()
    assert "postal_code" in error.value.message_dict


def test_admin_edits_the_postal_address(client):
    import_directory(data=DEMO.read_bytes())
    town = Municipality.objects.get(official_key="06534014")
    admin = staff_user("admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = f"/admin/accounts/municipality/{town.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    for field in ("street", "postal_code", "city"):
        assert f'name="{field}"' in page.content.decode()
    data = {"name": town.name, "kind": town.kind, "official_key": town.official_key, "regional_key": town.regional_key,
            "landkreis": town.landkreis_id or "", "directory_date": town.directory_date.isoformat(), "active": "on",
            "street": "Markt 1", "postal_code": "35037", "city": "Marburg"}
    assert client.post(url, data).status_code == 302
    town.refresh_from_db()
    assert (town.street, town.postal_code, town.city) == ("Markt 1", "35037", "Marburg")
    data["postal_code"] = "ABCDE"
    assert client.post(url, data).status_code == 200  # the form shows the error, nothing changes
    town.refresh_from_db()
    assert town.postal_code == "35037"
