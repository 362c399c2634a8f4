"""Identity providers seen from the outside (issue 12): the login page's buttons, the SP metadata the
ministry hands to BundID, the API's provider list and own account, the account page's linked identities.
None of these needs the IdP itself (tests/accounts/test_saml.py drives the real login)."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client, override_settings
from django.urls import reverse

from accounts.identity import effective_settings
from accounts.trust import SESSION_KEY as TRUST_SESSION_KEY
from accounts.trust import meets, record_session_trust_level
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOST = "foerderportal.hessen.test"
# An IdP configured inline (entity ID, certificate, SSO URL); the certificate is a placeholder body,
# enough for the SP's metadata and the lists (no assertion is checked here).
IDP = {"entity_id": "https://idp.bundid.test/idp/metadata", "sso_url": "https://idp.bundid.test/idp/sso",
       "x509cert": "MIIBszCCAVmgAwIBAgIUPlaceholderOnlyForMetadata"}


def providers_setting(*apps):
    return {"saml": {"provider_class": "accounts.identity.PortalSAMLProvider", "APPS": list(apps)},
            "openid_connect": {"APPS": []}}


BUNDID = {"client_id": "bundid", "provider_id": "bundid", "name": "BundID",
          "settings": {"kind": "bundid", "idp": IDP, "advanced": {"want_assertion_signed": False}}}
MUK = {"client_id": "muk", "provider_id": "unternehmenskonto", "name": "Mein Unternehmenskonto",
       "settings": {"kind": "unternehmenskonto", "idp": IDP}}


@pytest.fixture
def client():
    return Client(HTTP_HOST=HOST)


def test_login_page_without_any_provider_shows_only_email_and_password(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mit BundID anmelden" not in text and "/accounts/saml/" not in text and "/accounts/oidc/" not in text
    assert client.get("/api/v1/identity-providers/").json() == {"count": 0, "next": None, "previous": None,
                                                                 "results": []}


@override_settings(SOCIALACCOUNT_PROVIDERS=providers_setting(MUK, BUNDID))
def test_settings_configured_providers_are_listed_bundid_first(client):
    text = client.get(reverse("account_login")).content.decode()
    assert text.index("Mit BundID anmelden") < text.index("Mit Mein Unternehmenskonto anmelden")
    data = client.get("/api/v1/identity-providers/").json()
    assert [(p["kind"], p["name"], p["login_url"], p["metadata_url"]) for p in data["results"]] == [
        ("bundid", "BundID", "/accounts/saml/bundid/login/", "/accounts/saml/bundid/metadata/"),
        ("unternehmenskonto", "Mein Unternehmenskonto", "/accounts/saml/muk/login/", "/accounts/saml/muk/metadata/"),
    ]


@override_settings(SOCIALACCOUNT_PROVIDERS=providers_setting(BUNDID))
def test_sp_metadata_for_the_ministry_wants_signed_assertions_whatever_the_settings_say(client):
    response = client.get("/accounts/saml/bundid/metadata/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    xml = response.content.decode()
    assert 'WantAssertionsSigned="true"' in xml
    assert f"http://{HOST}/accounts/saml/bundid/acs/" in xml
    assert effective_settings(BUNDID["settings"])["advanced"]["reject_idp_initiated_sso"] is True


def test_preset_fills_in_what_the_provider_leaves_out_and_its_own_settings_win():
    settings = effective_settings({"kind": "bundid", "idp": IDP,
                                   "attribute_mapping": {"email": ["urn:example:mail"]}})
    assert settings["attribute_mapping"]["email"] == ["urn:example:mail"]
    assert settings["attribute_mapping"]["uid"] == ["urn:oid:1.3.6.1.4.1.25484.494450.3"]
    assert settings["required_attributes"] == ["uid", "email", "last_name"]


@pytest.mark.parametrize(("level", "required", "ok"), [
    (None, "", True), (None, "basisregistrierung", False), ("basisregistrierung", "basisregistrierung", True),
    ("basisregistrierung", "substanziell", False), ("substanziell", "substanziell", True),
    ("hoch", "substanziell", True), ("substanziell", "hoch", False), ("hoch", "hoch", True),
])
def test_trust_levels_are_ordered(level, required, ok):
    assert meets(level, required) is ok


@override_settings(SOCIALACCOUNT_PROVIDERS=providers_setting(BUNDID, MUK))
def test_provider_list_does_not_grow_its_queries_with_the_providers(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/identity-providers/").json()["count"] == 2
    SocialApp.objects.create(provider="saml", provider_id="other", name="Anderer Anbieter", client_id="other",
                             settings={"idp": IDP})
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/identity-providers/").json()["count"] == 3


@override_settings(SOCIALACCOUNT_PROVIDERS=providers_setting(BUNDID))
def test_own_account_in_the_api_shows_the_trust_level_and_linked_identities(client):
    assert client.get("/api/v1/account/").status_code in (401, 403)
    user = UserFactory(roles=["applicant"])
    SocialAccount.objects.create(user=user, provider="bundid", uid="bpk2-secret", extra_data={})
    client.force_login(user)
    data = client.get("/api/v1/account/").json()
    assert (data["email"], data["roles"], data["trust_level"]) == (user.email, ["applicant"], None)
    assert [(i["provider"], i["name"]) for i in data["identities"]] == [("bundid", "BundID")]
    assert "bpk2-secret" not in str(data)  # the pseudonym is not handed out
    session = client.session
    session[TRUST_SESSION_KEY] = "substanziell"
    session.save()
    assert client.get("/api/v1/account/").json()["trust_level"] == "substanziell"


def test_a_session_trust_level_belongs_to_its_user_only(rf):
    from types import SimpleNamespace

    from accounts.trust import session_trust_level

    user, other = UserFactory(), UserFactory()
    request = SimpleNamespace(session={"_auth_user_id": str(user.pk)}, user=user)
    record_session_trust_level(request, "hoch")
    assert session_trust_level(request) == "hoch"
    assert session_trust_level(SimpleNamespace(session=request.session, user=other)) is None
    assert session_trust_level(SimpleNamespace(session=request.session, user=user, auth="api-key")) is None


@override_settings(SOCIALACCOUNT_PROVIDERS=providers_setting(BUNDID))
def test_account_page_lists_linked_identities_and_offers_to_link_one(client):
    user = UserFactory()
    SocialAccount.objects.create(user=user, provider="bundid", uid="bpk2-0815", extra_data={})
    SocialAccount.objects.create(user=user, provider="removed-provider", uid="x", extra_data={})
    client.force_login(user)
    response = client.get(reverse("socialaccount_connections"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "BundID – verknüpft am" in text and "removed-provider – verknüpft am" in text
    assert "BundID verknüpfen" in text and 'name="process" value="connect"' in text
    assert "bpk2-0815" not in text


@override_settings(SOCIALACCOUNT_PROVIDERS=providers_setting(
    BUNDID, {**MUK, "settings": {"kind": "unternehmenskonto", "idp": {"metadata_xml": "<kein XML"}}}))
def test_a_provider_with_broken_metadata_loses_its_button_not_the_login_page(client, caplog):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mit BundID anmelden" in text and "Mein Unternehmenskonto" not in text
    assert "identity provider muk left out" in caplog.text
