"""Municipalities and memberships through the API: a portal user asks, a case worker decides."""

import pytest
from rest_framework.test import APIClient

from accounts.enums import MembershipState
from accounts.models import Membership
from accounts.services import request_membership
from audit.models import AuditEntry
from tests.factories import (
    LandkreisFactory,
    MunicipalityFactory,
    UserFactory,
    api_key_for,
    member_of,
    staff_user,
)

MUNICIPALITIES = "/api/v1/municipalities/"
MEMBERSHIPS = "/api/v1/memberships/"
REVIEW = "/api/v1/staff/memberships/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    client.get("/api/v1/programs/")  # the key's first use records its time; query counts start after it
    return client


@pytest.fixture
def person(db):
    return UserFactory(roles=["applicant"])


@pytest.fixture
def requested(person):
    return request_membership(
        user=person, municipality=MunicipalityFactory(name="Ahnatal"), function="IT"
    )


# ---------------------------------------------------------------- the portal user


def test_municipalities_with_search_and_own_ones(lead, applicant):
    other = MunicipalityFactory(name="Bad Homburg vor der Höhe")
    MunicipalityFactory(name="Stillgelegt", active=False)
    api = token_client(applicant)
    everything = api.get(MUNICIPALITIES)
    assert everything.status_code == 200
    names = [m["name"] for m in everything.data["results"]]
    assert lead.name in names and other.name in names and "Stillgelegt" not in names
    assert [m["id"] for m in api.get(MUNICIPALITIES, {"search": "homburg"}).data["results"]] == [
        other.pk
    ]
    assert [
        m["id"] for m in api.get(MUNICIPALITIES, {"search": other.official_key}).data["results"]
    ] == [other.pk]
    mine = api.get(MUNICIPALITIES, {"mine": "true"}).data["results"]
    assert [(m["id"], m["is_member"], m["landkreis_name"]) for m in mine] == [
        (lead.pk, True, lead.landkreis.name)
    ]
    # a filter that is not understood is a 400 naming it (before: "mine=ja" listed every municipality, a search
    # of 300 characters was cut to 200 without a word)
    for bad in ({"mine": "ja"}, {"search": "x" * 201}):
        response = api.get(MUNICIPALITIES, bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


def test_request_membership_is_idempotent(person):
    municipality = MunicipalityFactory()
    api = token_client(person)
    first = api.post(
        MEMBERSHIPS, {"municipality": municipality.pk, "function": "Digitalisierung"}, format="json"
    )
    assert first.status_code == 201, first.data
    assert first.data["state"] == MembershipState.REQUESTED
    assert first.data["municipality"]["id"] == municipality.pk
    again = api.post(MEMBERSHIPS, {"municipality": municipality.pk}, format="json")
    assert again.data["id"] == first.data["id"]
    assert Membership.objects.filter(user=person).count() == 1
    listed = api.get(MEMBERSHIPS)
    assert [(m["id"], m["state_display"]) for m in listed.data["results"]] == [
        (first.data["id"], "Beantragt")
    ]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"municipality": "inactive"}, 400),
        ({"municipality": 999999}, 400),
        ({}, 400),
        ({"municipality": "x"}, 400),
        ({"municipality": "ok", "function": "x" * 201}, 400),
    ],
)
def test_bad_membership_requests_change_nothing(person, payload, status):
    inactive = MunicipalityFactory(active=False)
    ok = MunicipalityFactory()
    payload = {k: {"inactive": inactive.pk, "ok": ok.pk}.get(v, v) for k, v in payload.items()}
    response = token_client(person).post(MEMBERSHIPS, payload, format="json")
    assert response.status_code == status
    assert not Membership.objects.exists()


def test_inactive_municipality_gives_the_services_message(person):
    inactive = MunicipalityFactory(active=False)
    response = token_client(person).post(MEMBERSHIPS, {"municipality": inactive.pk}, format="json")
    assert response.status_code == 400
    assert response.data["detail"] == "Diese Kommune ist nicht mehr aktiv."


def test_memberships_of_others_are_invisible(requested):
    stranger = UserFactory()
    api = token_client(stranger)
    assert api.get(MEMBERSHIPS).data["results"] == []
    assert api.get(f"{MEMBERSHIPS}{requested.pk}/").status_code == 404


# ---------------------------------------------------------------- the case worker


def test_case_worker_approves(requested, person):
    worker = staff_user()
    api = token_client(worker)
    pending = api.get(REVIEW)
    assert pending.status_code == 200
    [row] = pending.data["results"]
    assert (
        row["id"] == requested.pk
        and row["user"]["email"] == person.email
        and row["function"] == "IT"
    )
    response = api.post(f"{REVIEW}{requested.pk}/approve/")
    assert response.status_code == 200, response.data
    assert response.data["state"] == MembershipState.APPROVED
    requested.refresh_from_db()
    assert requested.state == MembershipState.APPROVED and requested.decided_by == worker
    assert (
        AuditEntry.objects.filter(action="membership.approved", object_id=requested.pk).count() == 1
    )
    assert api.get(REVIEW).data["results"] == []
    again = api.post(f"{REVIEW}{requested.pk}/approve/")
    assert again.status_code == 400
    assert again.data["detail"] == "Über diese Anfrage wurde bereits entschieden."
    # The member now sees the municipality as theirs.
    mine = token_client(person).get(MUNICIPALITIES, {"mine": "1"}).data["results"]
    assert [m["id"] for m in mine] == [requested.municipality_id]


def test_refusal_needs_a_reason(requested):
    api = token_client(staff_user())
    blank = api.post(f"{REVIEW}{requested.pk}/refuse/", {"reason": "  "}, format="json")
    assert blank.status_code == 400
    assert "begründen" in blank.data["detail"]
    requested.refresh_from_db()
    assert requested.state == MembershipState.REQUESTED
    refused = api.post(
        f"{REVIEW}{requested.pk}/refuse/", {"reason": "Nicht zuständig"}, format="json"
    )
    assert refused.status_code == 200
    assert (
        refused.data["state"] == MembershipState.REFUSED
        and refused.data["reason"] == "Nicht zuständig"
    )


def test_case_worker_cannot_decide_own_membership(db):
    worker = staff_user()
    own = request_membership(user=worker, municipality=MunicipalityFactory())
    response = token_client(worker).post(f"{REVIEW}{own.pk}/approve/")
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.state == MembershipState.REQUESTED


def test_unknown_membership_is_404(db):
    assert token_client(staff_user()).post(f"{REVIEW}999999/approve/").status_code == 404


@pytest.mark.parametrize("who", ["applicant", "approver", "case_worker_without_totp"])
def test_only_case_workers_with_totp_decide(requested, who):
    user = {
        "applicant": lambda: member_of(MunicipalityFactory()),
        "approver": lambda: staff_user("approver"),
        "case_worker_without_totp": lambda: UserFactory(roles=["case_worker"]),
    }[who]()
    api = token_client(user)
    assert api.get(REVIEW).status_code == 403
    response = api.post(f"{REVIEW}{requested.pk}/approve/")
    assert response.status_code == 403
    if who == "case_worker_without_totp":
        assert "TOTP" in response.data["detail"]
    requested.refresh_from_db()
    assert requested.state == MembershipState.REQUESTED


# ---------------------------------------------------------------- queries do not grow with the rows


def assert_constant(
    django_assert_max_num_queries, api, path, params, max_queries, add_rows, many=6
):
    with django_assert_max_num_queries(max_queries):
        first = api.get(path, params)
    assert first.status_code == 200 and first.data["count"] == 1
    add_rows(many - 1)
    with django_assert_max_num_queries(max_queries):
        second = api.get(path, params)
    assert len(second.data["results"]) == many


def test_queries_municipalities(django_assert_max_num_queries, person):
    landkreis = LandkreisFactory()

    def add(n):
        for _ in range(n):
            MunicipalityFactory(landkreis=landkreis, name="Ortsteil")

    add(1)
    assert_constant(
        django_assert_max_num_queries,
        token_client(person),
        MUNICIPALITIES,
        {"search": "Ortsteil"},
        6,  # with the page's ids (foundation.paging.Paginator)
        add,
    )


def test_queries_own_memberships(django_assert_max_num_queries, requested, person):
    assert_constant(
        django_assert_max_num_queries,
        token_client(person),
        MEMBERSHIPS,
        {},
        5,  # with the page's ids (foundation.paging.Paginator)
        lambda n: [
            request_membership(user=person, municipality=MunicipalityFactory()) for _ in range(n)
        ],
    )


def test_queries_pending_memberships(django_assert_max_num_queries, requested):
    assert_constant(
        django_assert_max_num_queries,
        token_client(staff_user()),
        REVIEW,
        {},
        6,  # with the page's ids (foundation.paging.Paginator)
        lambda n: [
            request_membership(user=UserFactory(), municipality=MunicipalityFactory())
            for _ in range(n)
        ],
    )
