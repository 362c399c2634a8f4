"""Regression (found by the access-control matrix): the superuser flag passed every named permission.

Django's `User.has_perm` answers True for any active superuser before asking a backend, so the `rules`
predicates were never asked: the demo's administrator (a superuser, as admins of the Django admin are)
could close a jury session they do not chair — through the API, for any panel — record its decisions and
act for any municipality. Roles decide now (accounts/models.py:User.has_perm).
"""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from jury.enums import SessionState
from jury.models import Session
from tests.factories import member_of, staff_user
from tests.jury.factories import SessionFactory, application_in_evaluation, evaluated_call
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return staff_user("admin", is_staff=True, is_superuser=True)


def test_a_superuser_who_is_not_the_chair_may_not_close_a_session(superuser):
    call, panel = evaluated_call(min_scorers=1)
    application_in_evaluation(call, grant="200000.00")
    session = SessionFactory(panel=panel, held_on=dt.date(2027, 6, 1))
    client = APIClient()
    client.force_login(superuser)

    assert not superuser.has_perm("jury.close_session", panel)
    assert not superuser.has_perm("jury.record_decision", call.applications.first())
    response = client.post(f"/api/v1/jury/sessions/{session.pk}/close/", {}, format="json")

    assert response.status_code == 403
    assert Session.objects.get(pk=session.pk).state == SessionState.OPEN


def test_a_superuser_may_not_act_for_a_municipality(superuser):
    grant = make_grant()

    assert not superuser.has_perm("payments.request_disbursement", grant)
    assert not superuser.has_perm("payments.edit_bank_account", grant.application.lead)
    assert member_of(grant.application.lead).has_perm("payments.request_disbursement", grant)


def test_a_superuser_keeps_the_django_admin(superuser, client):
    assert superuser.has_perm("applications.change_application")
    assert superuser.has_perm("payments.view_dashboard")  # the admin role is staff: the rule itself says yes
    client.force_login(superuser)

    assert client.get("/admin/applications/application/").status_code == 200


def test_an_inactive_superuser_has_no_permission(superuser):
    superuser.is_active = False
    assert not superuser.has_perm("applications.change_application")


def test_a_named_rule_is_answered_by_the_rules_alone_and_model_permissions_still_by_the_tables(
        superuser, django_assert_num_queries):
    """A named rule that is no model permission costs no query for a "no" (the model backend, which could
    only say no, read every permission of the user and their groups); a model permission still comes from
    the tables, so the superuser keeps the Django admin."""
    from tests.factories import UserFactory

    jury_member = UserFactory(roles=["jury"])
    assert jury_member.role_names  # the roles are read once, before counting
    with django_assert_num_queries(0):
        assert not jury_member.has_perm("jury.manage_panel")
        assert not jury_member.has_perm("accounts.view_staff_area")
    assert superuser.has_perm("payments.change_grant") and superuser.has_perm("grants.add_call")
    assert not jury_member.has_perm("payments.change_grant")
