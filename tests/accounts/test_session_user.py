"""The signed-in user of a request comes with its roles and TOTP flag in one query (accounts/backends.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import session_user
from accounts.enums import Role
from accounts.mfa import has_totp
from accounts.selectors import approved_municipality_ids
from tests.factories import MunicipalityFactory, UserFactory, member_of, staff_user

pytestmark = pytest.mark.django_db


def test_roles_and_totp_come_with_the_user_in_one_query():
    worker = staff_user("case_worker")
    worker.groups.add(*UserFactory(roles=[Role.JURY]).groups.all())
    with CaptureQueriesContext(connection) as ctx:
        user = session_user(worker.pk)
        roles, totp, staff = user.role_names, has_totp(user), user.is_staff_role
    assert len(ctx.captured_queries) == 1
    assert roles == {Role.CASE_WORKER, Role.JURY}
    assert totp is True and staff is True


def test_a_user_without_roles_or_totp():
    user = session_user(UserFactory().pk)
    assert user.role_names == set()
    assert has_totp(user) is False
    assert approved_municipality_ids(user) == set()
    assert session_user(10**9) is None


def test_the_municipalities_a_user_acts_for_come_with_the_user():
    first, second, asked = MunicipalityFactory(), MunicipalityFactory(), MunicipalityFactory()
    person = member_of(first)
    member_of(second, user=person)
    from accounts.models import Membership

    Membership.objects.create(user=person, municipality=asked)  # requested, not approved
    with CaptureQueriesContext(connection) as ctx:
        ids = approved_municipality_ids(session_user(person.pk))
    assert len(ctx.captured_queries) == 1
    assert ids == {first.pk, second.pk}


@pytest.mark.parametrize("role", ["case_worker", "applicant"])
def test_a_signed_in_page_reads_roles_totp_and_memberships_only_with_the_user(client, role):
    """Before, the roles, the TOTP flag and the memberships were three more queries on every signed-in page."""
    worker = staff_user("case_worker") if role == "case_worker" else member_of(MunicipalityFactory())
    client.force_login(worker)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    separate = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_user"' not in q["sql"]
                and any(f'FROM "{table}"' in q["sql"]
                        for table in ("auth_group", "mfa_authenticator", "accounts_membership"))
                and f'."user_id" = {worker.pk}' in q["sql"]]  # about this user (the page may count requests)
    assert separate == []
    assert response.wsgi_request.user.role_names == {role}


def test_a_role_taken_away_counts_from_the_next_request(client):
    worker = staff_user("case_worker")
    client.force_login(worker)
    assert client.get("/").wsgi_request.user.is_staff_role
    worker.groups.clear()
    assert not client.get("/").wsgi_request.user.is_staff_role


def test_an_inactive_user_is_not_signed_in(client):
    user = UserFactory(roles=[Role.APPLICANT])
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not client.get("/").wsgi_request.user.is_authenticated
