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


def test_edit_forms_show_and_read_amounts_in_german_format(admin_client):
    from grants.models import FundingProgram
    from tests.factories import ProgramFactory

    program = ProgramFactory()
    url = f"/admin/grants/fundingprogram/{program.pk}/change/"
    html = admin_client.get(url).content.decode()
    assert re.search(r'name="max_grant"[^>]*value="2\.500\.000,00"', html)
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data.update(max_grant="2.600.000,00", min_grant="100.000,00", open_data_fields=program.open_data_fields)
    for prefix in ("topics", "criteria"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(url, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302, response.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.max_grant == Decimal("2600000.00")
    bad = admin_client.post(url, {**data, "max_grant": "2,600.000"})
    assert bad.status_code == 200 and FundingProgram.objects.get(pk=program.pk).max_grant == Decimal("2600000.00")
