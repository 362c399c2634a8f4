"""The second factor holds at every door into a staff session (issue 10, finding 1).

A session counts for a user with TOTP only once the code was entered in that session; the admin
has no password form of its own; changing or removing a factor needs the current one; every
change of a factor is audited and mailed to its owner.
"""


import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from tests.conftest import _plain_force_login
from tests.factories import UserFactory
from tests.totp import code_for_secret

PASSWORD = "Geheim-Passwort-123"  # the factories' password
STAFF_PAGES = ["/pruefung/aufrufe/", "/kommunen/pruefung/", "/zuwendungen/dashboard/", "/admin/",
               "/konto/api-schluessel/"]
STAFF_API = ["/api/v1/staff/memberships/", "/api/v1/applications/"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def code(secret: str) -> str:
    return code_for_secret(secret)


@pytest.fixture
def admin_with_totp(db):
    user = UserFactory(roles=["admin"], is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


def password_only_session(user) -> Client:
    """A session made by a password check outside allauth's login stages (as the admin login did)."""
    client = Client()
    _plain_force_login(client, user)
    return client


def full_login(client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": code(user.totp_secret)})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


@pytest.mark.django_db
def test_admin_login_with_the_password_alone_gives_no_session(client, admin_with_totp):
    response = client.post("/admin/login/?next=/admin/",
                           {"username": admin_with_totp.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.session.get("_auth_user_id") is None
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert client.get("/api/v1/staff/memberships/").status_code in (401, 403)
    assert not Token.objects.filter(user=admin_with_totp).exists()


@pytest.mark.django_db
def test_admin_login_page_sends_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


@pytest.mark.django_db
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_session_without_the_second_factor_is_ended_on_every_staff_page(admin_with_totp, path):
    client = password_only_session(admin_with_totp)
    response = client.get(path, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert client.session.get("_auth_user_id") is None


@pytest.mark.django_db
@pytest.mark.parametrize("path", STAFF_API)
def test_a_session_without_the_second_factor_cannot_use_the_api(admin_with_totp, path):
    client = password_only_session(admin_with_totp)
    assert client.get(path).status_code in (401, 403)


@pytest.mark.django_db
def test_a_session_without_the_second_factor_cannot_create_a_token(admin_with_totp):
    client = password_only_session(admin_with_totp)
    client.post("/konto/api-schluessel/")
    assert not Token.objects.filter(user=admin_with_totp).exists()


@pytest.mark.django_db
def test_a_session_without_the_second_factor_cannot_remove_or_replace_it(admin_with_totp):
    client = password_only_session(admin_with_totp)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_login"))
    # Re-authenticating with the password alone does not help: the session is gone.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=admin_with_totp, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_the_full_login_opens_staff_pages_and_the_api(client, admin_with_totp):
    full_login(client, admin_with_totp)
    assert client.get("/pruefung/aufrufe/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/staff/memberships/").status_code == 200


@pytest.mark.django_db
def test_removing_the_second_factor_needs_the_current_code(client, admin_with_totp):
    full_login(client, admin_with_totp)
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] -= 3600  # the login was an hour ago
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()

    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    # The password alone is not enough.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert Authenticator.objects.filter(user=admin_with_totp, type=Authenticator.Type.TOTP).exists()

    # A wrong code does not help either; the current one does.
    client.post(reverse("mfa_reauthenticate"), {"code": "000000"})
    assert client.post(reverse("mfa_deactivate_totp"))["Location"].startswith(reverse("mfa_reauthenticate"))
    cache.clear()  # allauth refuses a code twice in its 30 s window (kept in the cache); the test reuses it
    response = client.post(reverse("mfa_reauthenticate"), {"code": code(admin_with_totp.totp_secret)})
    assert response.status_code == 302
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=admin_with_totp, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_every_change_of_a_second_factor_is_audited_and_mailed(client, django_capture_on_commit_callbacks):
    user = UserFactory(roles=["applicant"])
    client.force_login(user)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    from accounts.services import record_second_factor_change

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_second_factor_change(user=user, authenticator=authenticator, change="removed")
    entry = AuditEntry.objects.get(action="second_factor.removed", object_id=user.pk)
    assert entry.actor == user
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "entfernt" in mail.outbox[0].subject


@pytest.mark.django_db
def test_setting_up_totp_through_the_page_counts_as_passing_it_and_is_mailed(client,
                                                                           django_capture_on_commit_callbacks):
    import re

    user = UserFactory(roles=["case_worker"])
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    html = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', html).group(1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="second_factor.added", object_id=user.pk).exists()
    assert any("eingerichtet" in m.subject and m.to == [user.email] for m in mail.outbox)
    assert client.get("/pruefung/aufrufe/").status_code == 200


@pytest.mark.django_db
def test_password_reset_does_not_open_a_staff_session(client, admin_with_totp):
    import re

    client.post(reverse("account_reset_password"), {"email": admin_with_totp.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    response = client.get(link)
    response = client.post(response["Location"], {"password1": "Ein-Neues-Kennwort-2027",
                                                  "password2": "Ein-Neues-Kennwort-2027"})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") is None
    assert client.get("/pruefung/aufrufe/")["Location"].startswith(reverse("account_login"))
