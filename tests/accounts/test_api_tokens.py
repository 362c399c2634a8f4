"""Personal API keys: named, scoped, expiring, revocable, audited and mailed (issue 10, finding 2)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.exceptions import AccountsError
from accounts.models import ApiToken
from accounts.services import create_api_token, revoke_api_token
from audit.models import AuditEntry
from tests.conftest import _plain_force_login
from tests.factories import UserFactory, api_key_for, staff_user

READ_URL = "/api/v1/calls/"
WRITE_URL = "/api/v1/memberships/"


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_only_the_hash_is_stored_and_the_key_works():
    user = UserFactory(roles=["applicant"])
    key = api_key_for(user)
    token = ApiToken.objects.get(user=user)
    assert key not in token.key_hash and token.prefix == key[:12]
    assert key_client(key).get(READ_URL).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_a_read_only_key_cannot_write():
    user = UserFactory(roles=["applicant"])
    response = key_client(api_key_for(user, scope="read")).post(WRITE_URL, {"municipality": 1}, format="json")
    assert response.status_code == 403
    assert "nur lesen" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_expired_revoked_and_unknown_keys_are_refused(state):
    user = UserFactory(roles=["applicant"])
    key = api_key_for(user)
    token = ApiToken.objects.get(user=user)
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - timedelta(days=2),
                                                    expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        revoke_api_token(user=user, token_id=token.pk)
    else:
        key = key[:-4] + "AAAA"
    response = key_client(key).get(READ_URL)
    assert response.status_code == 401


@pytest.mark.django_db
def test_staff_keys_expire_within_90_days_and_need_the_second_factor():
    user = staff_user("case_worker")
    with pytest.raises(AccountsError):
        create_api_token(user=user, name="x", scope="read", days=365, second_factor_passed=True)
    with pytest.raises(AccountsError):
        create_api_token(user=user, name="x", scope="read", days=90, second_factor_passed=False)
    token, key = create_api_token(user=user, name="x", scope="read", days=90, second_factor_passed=True)
    assert token.expires_at - token.created_at <= timedelta(days=90, seconds=1)
    assert key_client(key).get("/api/v1/staff/memberships/").status_code == 200


@pytest.mark.django_db
def test_creation_renewal_and_revocation_are_audited_and_mailed(client, django_capture_on_commit_callbacks):
    user = UserFactory(roles=["applicant"])
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:api-token"), {"action": "create", "name": "Portal", "scope": "write",
                                                    "days": "365"})
    token = ApiToken.objects.get(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:api-token"), {"action": "renew", "token": token.pk})
    renewed = ApiToken.objects.get(user=user, revoked_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:api-token"), {"action": "revoke", "token": renewed.pk})
        assert response.status_code == 302
        client.post(reverse("accounts:api-token"), {"action": "revoke", "token": renewed.pk})  # second click
    actions = list(AuditEntry.objects.filter(object_id=user.pk, action__startswith="api_token.")
                   .values_list("action", flat=True))
    assert actions == ["api_token.created", "api_token.renewed", "api_token.revoked"]
    assert [m.subject.split("] ")[-1] for m in mail.outbox] == [
        "Neuer API-Schlüssel erzeugt", "API-Schlüssel erneuert", "API-Schlüssel widerrufen"]
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_someone_elses_key_cannot_be_revoked_or_renewed(client):
    owner = UserFactory(roles=["applicant"])
    api_key_for(owner)
    token = ApiToken.objects.get(user=owner)
    client.force_login(UserFactory(roles=["applicant"]))
    for action in ("revoke", "renew"):
        response = client.post(reverse("accounts:api-token"), {"action": action, "token": token.pk})
        assert response.status_code == 400
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_the_page_refuses_a_staff_key_from_a_session_without_the_second_factor():
    user = staff_user("case_worker")
    client = APIClient()
    _plain_force_login(client, user)  # the middleware ends such a session before the page is reached
    client.post(reverse("accounts:api-token"), {"action": "create", "name": "x", "scope": "read", "days": "30"})
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_bad_form_changes_nothing(client):
    user = UserFactory(roles=["applicant"])
    client.force_login(user)
    response = client.post(reverse("accounts:api-token"), {"action": "create", "name": "", "scope": "all",
                                                           "days": "9999"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_keys_in_use_are_listed_before_revoked_ones_on_every_database():
    """PostgreSQL sorts a NULL revocation last, SQLite first: the list writes the order out."""
    from accounts.selectors import api_tokens_of

    user = UserFactory(roles=["applicant"])
    old, _ = create_api_token(user=user, name="alt", scope="read", days=90, second_factor_passed=True)
    new, _ = create_api_token(user=user, name="neu", scope="read", days=90, second_factor_passed=True)
    revoked, _ = create_api_token(user=user, name="weg", scope="read", days=90, second_factor_passed=True)
    revoke_api_token(user=user, token_id=revoked.pk)
    ApiToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert [t.name for t in api_tokens_of(user)] == ["neu", "alt", "weg"]
