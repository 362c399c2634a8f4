"""The decisions API: prepare / confirm / discard (staff with TOTP), grants and notices scoped to the caller."""

from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from grants.models import Call
from payments import tasks
from payments.enums import DecisionState, GrantState
from payments.models import Decision, Grant, Notice
from tests.factories import CallFactory, MunicipalityFactory, UserFactory, member_of, staff_user
from tests.payments import factories as td

pytestmark = pytest.mark.django_db
DECISIONS = "/api/v1/staff/payments/decisions/"
GRANTS = "/api/v1/payments/grants/"
NOTICES = "/api/v1/payments/notices/"


@pytest.fixture(autouse=True)
def _no_render():
    with mock.patch("payments.services.decisions._dispatch_notice"):
        yield


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_prepare_confirm_with_four_eyes_over_the_api():
    call = CallFactory()
    app = td.decidable(call, grant="150000.00", years={2027: "1", 2028: "1"})
    both = staff_user("case_worker")
    both.groups.add(Group.objects.get_or_create(name="approver")[0])
    response = api(both).post(DECISIONS, {"application": app.pk, "kind": "reject"}, format="json")
    assert response.status_code == 400 and "begründet" in response.json()["detail"]
    response = api(both).post(DECISIONS, {"application": app.pk, "kind": "approve"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "prepared" and body["years"] == {"2027": "75000.00", "2028": "75000.00"}
    response = api(both).post(f"{DECISIONS}{body['id']}/confirm/")
    assert response.status_code == 400 and "Vier-Augen" in response.json()["detail"]
    assert Call.objects.get(pk=call.pk).committed == 0
    assert api(staff_user("case_worker")).post(f"{DECISIONS}{body['id']}/confirm/").status_code == 403
    approver = staff_user("approver")
    response = api(approver).post(f"{DECISIONS}{body['id']}/confirm/")
    assert response.status_code == 200 and response.json()["state"] == "confirmed" and response.json()["grant"]
    assert api(approver).post(f"{DECISIONS}{body['id']}/confirm/").status_code == 200  # harmless
    assert Call.objects.get(pk=call.pk).committed == Decimal("150000.00")
    listing = api(approver).get(DECISIONS, {"call": call.pk}).json()
    assert listing["count"] == 1


def test_refusal_over_the_api_names_the_shortfall():
    call = CallFactory(total_budget=Decimal("100000.00"))
    app = td.decidable(call, grant="130000.00")
    decision = api(staff_user("case_worker")).post(DECISIONS, {"application": app.pk, "kind": "approve"},
                                                   format="json").json()
    response = api(staff_user("approver")).post(f"{DECISIONS}{decision['id']}/confirm/")
    assert response.status_code == 400 and "es fehlen 30.000,00" in response.json()["detail"]


def test_discard_and_who_may_use_the_staff_api():
    app = td.decidable(CallFactory())
    worker = staff_user("case_worker")
    decision = api(worker).post(DECISIONS, {"application": app.pk, "kind": "approve"}, format="json").json()
    assert api(worker).post(f"{DECISIONS}{decision['id']}/discard/", {}, format="json").status_code == 400
    response = api(worker).post(f"{DECISIONS}{decision['id']}/discard/", {"reason": "doppelt"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "discarded"
    member = member_of(app.lead)
    assert api(member).get(DECISIONS).status_code == 403
    assert api(member).post(DECISIONS, {"application": app.pk, "kind": "approve"}, format="json").status_code == 403
    no_totp = UserFactory(roles=["approver"])
    assert api(no_totp).get(DECISIONS).status_code == 403
    assert Decision.objects.get().state == DecisionState.DISCARDED


def test_grants_and_notices_are_scoped_and_waivable():
    grant = td.approved(grant="150000.00")[0]
    tasks.render_grant_notice(grant_id=grant.pk)
    other = td.approved(grant="120000.00")[0]
    notice = Notice.objects.get(grant=grant)
    member = member_of(grant.application.lead)
    client = api(member)
    listing = client.get(GRANTS).json()
    assert [g["id"] for g in listing["results"]] == [grant.pk]
    detail = client.get(f"{GRANTS}{grant.pk}/").json()
    assert detail["amount"] == "150000.00" and detail["commitments"] == [{"year": 2027, "amount": "150000.00"}]
    assert [n["id"] for n in detail["notices"]] == [notice.pk] and detail["notices"][0]["sha256"] == notice.sha256
    response = client.get(f"{NOTICES}{notice.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="Zuwendungsbescheid-{grant.case_number}.pdf"'
    assert client.get(f"{GRANTS}{other.pk}/").status_code == 404
    stranger = api(member_of(MunicipalityFactory()))
    assert stranger.get(f"{GRANTS}{grant.pk}/").status_code == 404
    assert stranger.get(f"{NOTICES}{notice.pk}/download/").status_code == 404
    assert stranger.post(f"{GRANTS}{grant.pk}/waive-appeal/").status_code == 404
    staff = api(staff_user("case_worker"))
    assert {g["id"] for g in staff.get(GRANTS).json()["results"]} == {grant.pk, other.pk}
    assert staff.post(f"{GRANTS}{grant.pk}/waive-appeal/").status_code == 403
    response = client.post(f"{GRANTS}{grant.pk}/waive-appeal/")
    assert response.status_code == 200 and response.json()["state"] == "final"
    assert client.post(f"{GRANTS}{grant.pk}/waive-appeal/").status_code == 200  # harmless
    assert Grant.objects.get(pk=grant.pk).state == GrantState.FINAL


def test_the_list_of_grants_answers_state_and_search():
    first = td.approved(grant="150000.00")[0]
    second = td.approved(grant="120000.00")[0]
    Grant.objects.filter(pk=first.pk).update(state=GrantState.FINAL)
    staff = api(staff_user("case_worker"))

    def ids(client=staff, **params):
        response = client.get(GRANTS, params)
        assert response.status_code == 200, response.json()
        return {g["id"] for g in response.json()["results"]}

    assert ids() == {first.pk, second.pk}
    assert ids(state="final") == {first.pk} and ids(state="approved") == {second.pk}
    assert ids(search=second.case_number) == {second.pk}
    assert ids(search=first.application.title[:8].lower()) >= {first.pk}
    assert ids(search=first.application.lead.name) == {first.pk}
    assert ids(state="approved", search=first.case_number) == set()
    assert ids(api(member_of(second.application.lead)), search=first.case_number) == set()  # not theirs
    for bad in ({"state": "paid"}, {"search": "x" * 201}):
        response = staff.get(GRANTS, bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


def test_amend_over_the_api_needs_two_people():
    grant, ctx = td.approved(grant="150000.00")
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.FINAL)
    url = f"{GRANTS}{grant.pk}/amend/"
    assert api(member_of(grant.application.lead)).post(url, {"amount": "140000.00", "reason": "x"},
                                                       format="json").status_code in (403, 404)
    response = api(ctx["approver"]).post(url, {"amount": "140000.00"}, format="json")
    assert response.status_code == 400
    prepared = api(ctx["worker"]).post(url, {"amount": "140000.00", "reason": "Minderkosten"}, format="json")
    assert prepared.status_code == 201 and prepared.json()["state"] == "prepared"
    confirm = f"{GRANTS}{grant.pk}/amendments/{prepared.json()['id']}/confirm/"
    assert api(ctx["worker"]).post(confirm).status_code == 403  # the preparer (and not an approver)
    assert Grant.objects.get(pk=grant.pk).amount == Decimal("150000.00")
    response = api(ctx["approver"]).post(confirm)
    assert response.status_code == 200 and response.json()["amount"] == "140000.00"
    assert response.json()["amendment_count"] == 1
    # an approver who prepared a change cannot confirm it himself
    own = api(ctx["approver"]).post(url, {"amount": "130000.00", "reason": "weniger"}, format="json").json()
    assert api(ctx["approver"]).post(f"{GRANTS}{grant.pk}/amendments/{own['id']}/confirm/").status_code == 403
