"""The Django admin in German (issue 11): German number format in lists, German names for third-party models."""

import re
from decimal import Decimal

import pytest

from tests.factories import CallFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(staff_user("admin", is_staff=True, is_superuser=True))
    return client


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_changelist_shows_amounts_in_german_format(admin_client):
    CallFactory(total_budget=Decimal("16000000.00"))
    text = text_of(admin_client.get("/admin/grants/call/"))
    assert "16.000.000,00" in text
    assert "16000000,00" not in text and "16000000.00" not in text
    program = text_of(admin_client.get("/admin/grants/fundingprogram/"))
    assert re.search(r"\d{1,3}\.\d{3},00", program)  # minimum and maximum grant grouped too


def test_changelist_still_sorts_by_the_amount(admin_client):
    CallFactory(title="Klein", total_budget=Decimal("1000.00"))
    CallFactory(title="Groß", total_budget=Decimal("2000000.00"))
    html = admin_client.get("/admin/grants/call/?o=6").content.decode()  # 6th column: total budget
    assert html.index("Klein") < html.index("Groß")
    html = admin_client.get("/admin/grants/call/?o=-6").content.decode()
    assert html.index("Groß") < html.index("Klein")


def test_admin_index_names_third_party_models_in_german(admin_client):
    text = text_of(admin_client.get("/admin/"))
    assert "Zweite Faktoren" in text and "Zweiter Faktor" in text
    assert "Authenticators" not in text and "AUTH TOKEN" not in text.upper().replace("ALTE API-TOKEN", "")
    listing = text_of(admin_client.get("/admin/mfa/authenticator/"))
    assert "Eingerichtet am" in listing and "Zuletzt verwendet am" in listing and "Authenticator-App (TOTP)" in listing
    assert "created at" not in listing.lower() and "TOTP Authenticator" not in listing


def test_view_only_application_page_shows_amounts_in_german_format(admin_client, complete):
    complete.refresh_from_db()
    assert complete.grant_amount == Decimal("180000.00")
    text = text_of(admin_client.get(f"/admin/applications/application/{complete.pk}/change/"))
    assert "180.000,00" in text and "180000,00" not in text and "180000.00" not in text


def test_frozen_budget_stays_read_only_and_german_on_the_change_page(admin_client):
    from django.utils import timezone

    from grants.models import Call

    call = CallFactory(total_budget=Decimal("16000000.00"))
    Call.objects.filter(pk=call.pk).update(frozen_at=timezone.now())
    response = admin_client.get(f"/admin/grants/call/{call.pk}/change/")
    assert 'name="total_budget"' not in response.content.decode()  # not editable once frozen
    assert "16.000.000,00" in text_of(response)
    unfrozen = CallFactory()
    assert 'name="total_budget"' in admin_client.get(f"/admin/grants/call/{unfrozen.pk}/change/").content.decode()
