"""Login through a Land's staff directory with OpenID Connect (issue 12): allauth's openid_connect provider,
configured in the settings (OIDC_PROVIDERS → SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]).

The directory is faked only at the process boundary: its HTTP answers (discovery document, token
endpoint, userinfo, JWKS) come from a requests transport adapter mounted on allauth's HTTP session.
"""

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings
from django.urls import reverse

from accounts.identity import configured_providers
from accounts.models import User
from accounts.trust import SESSION_KEY as TRUST_SESSION_KEY
from tests.factories import UserFactory
from tests.totp import code_for_secret

pytestmark = pytest.mark.django_db

ISSUER = "https://login.hessen.test/realms/landesverwaltung"
PROVIDER_ID = "landesverzeichnis"
CLIENT_ID = "foerderportal"
PROVIDERS = {
    "saml": {"provider_class": "accounts.identity.PortalSAMLProvider", "APPS": []},
    "openid_connect": {"APPS": [{
        "provider_id": PROVIDER_ID, "name": "Landesverzeichnis", "client_id": CLIENT_ID, "secret": "geheim",
        "settings": {"server_url": ISSUER},
    }]},
}


class FakeDirectory(requests.adapters.BaseAdapter):
    """The staff directory's HTTP endpoints, answering allauth's requests."""

    def __init__(self, claims: dict):
        super().__init__()
        self.claims = claims
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.calls = []

    def _json(self, request, data, status=200):
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(data).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def send(self, request, **kwargs):
        path = urlsplit(request.url).path
        self.calls.append((request.method, path))
        if path.endswith("/.well-known/openid-configuration"):
            return self._json(request, {
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth", "token_endpoint": f"{ISSUER}/token",
                "userinfo_endpoint": f"{ISSUER}/userinfo", "jwks_uri": f"{ISSUER}/certs",
                "token_endpoint_auth_methods_supported": ["client_secret_post"]})
        if path.endswith("/token") and request.method == "POST":
            now = int(time.time())
            id_token = jwt.encode({"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **self.claims},
                                  self.key, algorithm="RS256", headers={"kid": "k1"})
            return self._json(request, {"access_token": "at-123", "token_type": "Bearer", "expires_in": 300,
                                        "id_token": id_token})
        if path.endswith("/userinfo"):
            return self._json(request, self.claims)
        return self._json(request, {"error": "not_found"}, status=404)

    def close(self):
        pass


@pytest.fixture
def directory(monkeypatch):
    fake = FakeDirectory({"sub": "staff-0042", "email": "kim.beispiel@hmdi.hessen.test", "email_verified": True,
                          "given_name": "Kim", "family_name": "Beispiel"})

    def session(self):
        s = requests.Session()
        s.mount("https://login.hessen.test/", fake)
        return s

    monkeypatch.setattr(DefaultSocialAccountAdapter, "get_requests_session", session)
    with override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS):
        yield fake


def oidc_login(client):
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}))
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(f"{ISSUER}/auth")
    state = parse_qs(urlsplit(location).query)["state"][0]
    return client.get(reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID}),
                      {"code": "code-1", "state": state})


def logged_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_first_login_creates_the_account_from_the_directory(client, directory):
    response = oidc_login(client)
    user = User.objects.get(email="kim.beispiel@hmdi.hessen.test")
    assert (user.first_name, user.last_name) == ("Kim", "Beispiel")
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == (PROVIDER_ID, "staff-0042")
    # the directory vouches for the address (email_verified): allauth takes it as confirmed
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302 and logged_in_user(client) == user
    assert TRUST_SESSION_KEY not in client.session  # a staff directory login has no eID trust level
    assert ("POST", "/realms/landesverwaltung/token") in directory.calls


def test_existing_account_with_that_address_is_not_taken_over(client, directory):
    owner = UserFactory(email="kim.beispiel@hmdi.hessen.test")
    oidc_login(client)
    assert logged_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1 and owner.has_usable_password()


def test_staff_login_through_the_directory_still_asks_for_totp(client, directory):
    staff = UserFactory(email="kim.beispiel@hmdi.hessen.test", roles=["case_worker"])
    SocialAccount.objects.create(user=staff, provider=PROVIDER_ID, uid="staff-0042", extra_data={})
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    response = oidc_login(client)
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user(client) is None
    assert client.get("/api/v1/staff/memberships/").status_code in (401, 403)
    code = code_for_secret(secret)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert logged_in_user(client) == staff
    assert client.get("/api/v1/staff/memberships/").status_code == 200


def test_staff_without_totp_reaches_only_the_setup_after_a_directory_login(client, directory):
    staff = UserFactory(email="kim.beispiel@hmdi.hessen.test", roles=["approver"])
    SocialAccount.objects.create(user=staff, provider=PROVIDER_ID, uid="staff-0042", extra_data={})
    oidc_login(client)
    assert logged_in_user(client) == staff
    response = client.get("/zuwendungen/dashboard/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_the_directory_is_listed_as_a_provider(rf, directory):
    request = rf.get("/")
    [provider] = configured_providers(request)
    assert (provider.kind, provider.app_id, provider.name) == ("openid_connect", PROVIDER_ID, "Landesverzeichnis")
    assert provider.login_url == reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})
