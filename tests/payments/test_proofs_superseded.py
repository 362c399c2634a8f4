"""A proof still open when its grant is settled is no longer expected (ProofOfUse.superseded): the interim proof of
2024 that was never handed in before the final proof covered the whole project. It is not "overdue", not offered
for editing, not counted as still to hand in, and neither the page nor the API can change or submit it."""

import datetime as dt

import pytest
from django.urls import reverse

from payments.enums import GrantState, ProofKind, ProofState
from payments.models import ProofOfUse
from payments.selectors.proofs import open_proofs_for, own_grants_with_proofs
from payments.services import proofs as services
from payments.services import proofs_settlement as settlement_svc
from tests.factories import staff_user
from tests.payments.factories import accepted_final, api_as, ended_grant, pay

pytestmark = pytest.mark.django_db


def _settled_with_open_interim():
    grant = ended_grant()
    pay(grant, "180000.00")
    accepted_final(grant, ["100000.00", "100000.00"])
    interim = ProofOfUse.objects.get(grant=grant, kind=ProofKind.INTERIM, budget_year=2024)
    assert interim.state == ProofState.DUE and interim.due_on < dt.date.today()
    settlement = settlement_svc.prepare_settlement(actor=staff_user("case_worker"), grant_id=grant.pk)
    settlement_svc.confirm_settlement(actor=staff_user("approver"), settlement_id=settlement.pk)
    grant.refresh_from_db()
    assert grant.state == GrantState.CLOSED  # balanced: paid what is due
    return grant, ProofOfUse.objects.select_related("grant").get(pk=interim.pk)


def test_an_open_proof_of_a_settled_grant_is_superseded_in_python_and_in_the_query():
    grant, interim = _settled_with_open_interim()
    assert interim.superseded
    assert not ProofOfUse.objects.filter(ProofOfUse.expected(), pk=interim.pk).exists()
    # an open proof of a grant in implementation is expected, an accepted one is neither
    running = ended_grant()
    services.schedule_proofs(running)
    due = ProofOfUse.objects.select_related("grant").filter(grant=running).first()
    assert not due.superseded and ProofOfUse.objects.filter(ProofOfUse.expected(), pk=due.pk).exists()
    final = ProofOfUse.objects.select_related("grant").get(grant=grant, kind=ProofKind.FINAL)
    assert final.state == ProofState.ACCEPTED and not final.superseded
    # not counted as still to hand in (the start page), the grant not in the list of open proofs
    assert not open_proofs_for(grant.grantee).exists()
    assert grant.pk not in set(own_grants_with_proofs(grant.grantee, open_only=True).values_list("pk", flat=True))


def test_the_overview_shows_it_as_no_longer_required_and_offers_no_editing(client):
    grant, interim = _settled_with_open_interim()
    client.force_login(grant.grantee)
    html = client.get(reverse("payments:proofs")).content.decode()
    assert "Nicht mehr erforderlich" in html and "überfällig" not in html and "Öffnen und bearbeiten" not in html
    detail = client.get(reverse("payments:proof-detail", args=[interim.pk])).content.decode()
    assert "Nicht mehr erforderlich" in detail and reverse("payments:proof-edit", args=[interim.pk]) not in detail
    response = client.get(reverse("payments:proof-edit", args=[interim.pk]))
    assert response.status_code == 302 and response.url == reverse("payments:proof-detail", args=[interim.pk])
    assert "nicht mehr benötigt" in client.get(response.url).content.decode()


def test_neither_the_service_nor_the_api_changes_or_submits_it():
    grant, interim = _settled_with_open_interim()
    api = api_as(grant.grantee)
    listed = {row["id"]: row for row in api.get("/api/v1/payments/proofs/").json()["results"]}
    assert listed[interim.pk]["superseded"] is True and listed[interim.pk]["state"] == "due"
    response = api.patch(f"/api/v1/payments/proofs/{interim.pk}/", {"report": "Nachgereicht."}, format="json")
    assert response.status_code == 400 and "nicht mehr benötigt" in str(response.json())
    assert api.post(f"/api/v1/payments/proofs/{interim.pk}/submit/").status_code == 400
    interim.refresh_from_db()
    assert interim.report == "" and interim.state == ProofState.DUE
    assert services.submission_problems(interim) == ["Dieser Nachweis wird nicht mehr benötigt: Die Zuwendung ist "
                                                     "abgerechnet."]


def test_staff_read_the_overview_as_staff_with_nothing_to_edit(client):
    grant = ended_grant()
    services.schedule_proofs(grant)
    client.force_login(staff_user("case_worker"))
    html = client.get(reverse("payments:proofs")).content.decode()
    assert grant.case_number in html and "Alle Zuwendungen" in html and "Ihrer Kommunen" not in html
    assert "Öffnen und bearbeiten" not in html and "Ansehen" in html
    assert "Die Kommunen bewahren die Belege" in html
