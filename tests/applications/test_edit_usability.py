"""Issue 11: the edit page and its live figures say what is wrong, at the field, and nothing more."""

import re

import pytest
from django.urls import reverse

from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

EMPTY_THIRD = {"third-TOTAL_FORMS": "0", "third-INITIAL_FORMS": "0", "third-MIN_NUM_FORMS": "0",
               "third-MAX_NUM_FORMS": "50"}


def plan(*rows, third=()):
    data = {"costs-TOTAL_FORMS": str(len(rows)), "costs-INITIAL_FORMS": "0", "costs-MIN_NUM_FORMS": "0",
            "costs-MAX_NUM_FORMS": "200", **EMPTY_THIRD, "third-TOTAL_FORMS": str(len(third))}
    for i, (year, amount) in enumerate(rows):
        data.update({f"costs-{i}-category": "investment", f"costs-{i}-description": f"Posten {i}",
                     f"costs-{i}-budget_year": str(year), f"costs-{i}-amount": amount, f"costs-{i}-eligible": "on"})
    for i, (source, amount) in enumerate(third):
        data.update({f"third-{i}-source": source, f"third-{i}-amount": amount})
    return data


def _input(html, input_id):
    match = re.search(rf'<(input|select|textarea)[^>]*id="{re.escape(input_id)}"[^>]*>', html)
    assert match, f"no field {input_id}"
    return match.group(0)


@pytest.mark.parametrize(("amount", "message"), [
    ("abc", "kein gültiger Betrag"), ("1e30", "kein gültiger Betrag"), ("-5", "größer als 0"),
    ("1" * 20, "zu groß"), ("1,234", "Nachkommastellen"),
])
def test_live_figures_name_the_bad_amount_at_its_field_and_do_not_count_it(client, draft, applicant, amount,
                                                                           message):
    client.force_login(applicant)
    response = client.post(reverse("applications:calculate", args=[draft.pk]),
                           plan((2027, "200.000,00"), (2027, amount)), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    item = re.search(r'<li data-live-error-for="id_costs-1-amount">(.*?)</li>', html, re.S)
    assert item and message in item.group(1) and "Ausgabe 2" in item.group(1)
    assert 'data-figure="total">200.000,00\u00a0€' in html  # the valid row counts, the bad one does not
    assert "data-live-error-for=\"id_costs-0-amount\"" not in html
    assert not draft.cost_lines.exists()


def test_live_figures_list_a_bad_third_party_amount(client, draft, applicant):
    client.force_login(applicant)
    html = client.post(reverse("applications:calculate", args=[draft.pk]),
                       plan((2027, "200.000,00"), third=[("Stiftung", "viel")]), HTTP_HX_REQUEST="true"
                       ).content.decode()
    assert 'data-live-error-for="id_third-0-amount"' in html


def test_an_incomplete_row_is_pending_not_an_error(client, draft, applicant):
    client.force_login(applicant)
    data = plan((2027, "200.000,00"))
    data.update({"costs-TOTAL_FORMS": "2", "costs-1-category": "investment", "costs-1-description": "Neu",
                 "costs-1-budget_year": "2027", "costs-1-amount": ""})
    html = client.post(reverse("applications:calculate", args=[draft.pk]), data).content.decode()
    assert "data-live-error-for" not in html
    assert "Ausgabe 2 wird noch nicht berechnet" in html


def test_an_untouched_draft_shows_no_error_only_a_neutral_minimum_hint(client, draft, applicant):
    client.force_login(applicant)
    html = client.get(reverse("applications:edit", args=[draft.pk])).content.decode()
    assert "kern-alert--danger" not in html
    assert "unter der Mindestzuwendung" not in html
    assert "Die Zuwendung muss mindestens 100.000,00\u00a0€ betragen" in html
    live = client.post(reverse("applications:calculate", args=[draft.pk]), plan()).content.decode()
    assert "kern-alert--danger" not in live and "data-figure-hint" in live
    # once costs are entered, falling short of the minimum is an error again
    short = client.post(reverse("applications:calculate", args=[draft.pk]), plan((2027, "1.000,00"))).content.decode()
    assert "unter der Mindestzuwendung" in short and "data-figure-hint" not in short


def _edit_data(draft, **extra):
    data = {"title": "Neuer Titel", "topics": [draft.call.program.topics.first().pk], **plan((2027, "150.000,00"))}
    data.update(extra)
    return data


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2027-03-01", "2027-02-01", "id_end_date"),   # end before start
    ("2027-03-01", "2029-12-01", "id_end_date"),   # longer than 24 months
    ("2025-06-01", "2026-03-01", "id_start_date"),  # before the program period
])
def test_date_errors_mark_the_date_field_and_keep_the_input(client, draft, applicant, start, end, field):
    client.force_login(applicant)
    response = client.post(reverse("applications:edit", args=[draft.pk]),
                           _edit_data(draft, start_date=start, end_date=end, summary="Mein langer Text"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in _input(html, field)
    assert f'id="{field}_error"' in html
    assert "Mein langer Text" in html
    draft.refresh_from_db()
    assert draft.title != "Neuer Titel" and draft.start_date is None


def test_a_budget_year_outside_the_project_marks_that_cost_line(client, draft, applicant):
    client.force_login(applicant)
    data = _edit_data(draft, start_date="2027-03-01", end_date="2027-12-31")
    data["costs-0-budget_year"] = "2028"
    response = client.post(reverse("applications:edit", args=[draft.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in _input(html, "id_costs-0-budget_year")
    assert "außerhalb der Projektlaufzeit" in html
    assert not draft.cost_lines.exists()


def test_an_unknown_partner_is_an_error_at_the_partner_field(client, draft, applicant):
    other = MunicipalityFactory()
    client.force_login(applicant)
    response = client.post(reverse("applications:edit", args=[draft.pk]),
                           _edit_data(draft, partners=[other.pk, 999999]))
    assert response.status_code == 400
    assert 'id="id_partners_error"' in response.content.decode()
    assert not draft.partners.exists()
