"""Login with BundID / Mein Unternehmenskonto (issue 12), against a real SAML IdP in the test.

The IdP is pysaml2's (tests/accounts/saml_idp.py) with its own throwaway keys; the SP is the portal's
allauth SAML provider (accounts.identity.PortalSAMLProvider). Every test drives the real flow through
Django's test client: the login button → redirect to the IdP with an AuthnRequest → the IdP's signed
Response → POST to our ACS URL.
"""

import logging

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.enums import TrustLevel
from accounts.models import UsedAssertion, User
from accounts.trust import SESSION_KEY as TRUST_SESSION_KEY
from applications.models import Application
from tests.accounts import saml_idp
from tests.accounts.saml_idp import BPK2, GIVEN_NAME, MAIL, SURNAME, TRUST_LEVEL
from tests.factories import CallFactory, MunicipalityFactory, UserFactory, member_of
from tests.totp import code_for_secret

pytestmark = pytest.mark.django_db

SLUG = "bundid"
HOST = "foerderportal.hessen.test"
PASSWORD = "Geheim-Passwort-123"  # the factories' password
PERSON = {BPK2: ["bpk2-0815"], MAIL: ["erika.mustermann@example.org"], GIVEN_NAME: ["Erika"],
          SURNAME: ["Mustermann"]}


@pytest.fixture
def client():
    """A browser on the portal's public host name (python3-saml refuses single-label hosts like "testserver")."""
    return Client(HTTP_HOST=HOST)


@pytest.fixture(scope="module")
def idp():
    return saml_idp.make_idp()


@pytest.fixture
def bundid(idp, client):
    """BundID configured in the admin (a SocialApp row) with the IdP's metadata as inline XML."""
    app = SocialApp.objects.create(provider="saml", provider_id="bundid", name="BundID", client_id=SLUG,
                                   settings={"kind": "bundid", "idp": {"metadata_xml": idp.metadata_xml()}})
    idp.learn_sp(client, SLUG)
    return app


def start_login(client, slug=SLUG, next_url=None) -> str:
    """The login button: POST to allauth's SAML login, which redirects to the IdP."""
    data = {"next": next_url} if next_url else {}
    response = client.post(reverse("saml_login", kwargs={"organization_slug": slug}), data)
    assert response.status_code == 302, response.content
    return response["Location"]


def post_to_acs(client, acs_path, data):
    response = client.post(acs_path, data)
    assert response.status_code == 302  # allauth's ACS stores the POST and continues on its finish URL
    return client.get(response["Location"])


def login_via_idp(client, idp, **answer):
    acs_path, data = idp.answer(start_login(client), **answer)
    return post_to_acs(client, acs_path, data), (acs_path, data)


def logged_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_first_login_creates_the_account_with_the_mapped_attributes(client, idp, bundid):
    response, _ = login_via_idp(client, idp, attributes={**PERSON, TRUST_LEVEL: ["STORK-QAA-Level-3"]})
    user = User.objects.get(email="erika.mustermann@example.org")
    assert (user.first_name, user.last_name) == ("Erika", "Mustermann")
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("bundid", "bpk2-0815")
    assert account.extra_data["trust_level"] == TrustLevel.SUBSTANZIELL
    # The address came from BundID: it is confirmed like any other before the account is used.
    assert not EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user(client) is None
    assert "erika.mustermann@example.org" in mail.outbox[-1].to


def test_login_after_confirmation_sets_the_session_trust_level(client, idp, bundid):
    user = verified_person()
    response, _ = login_via_idp(client, idp, attributes=PERSON, class_ref="STORK-QAA-Level-4")
    assert response.status_code == 302, response.content.decode()
    assert logged_in_user(client) == user
    assert client.session[TRUST_SESSION_KEY] == TrustLevel.HOCH


def verified_person(email="erika.mustermann@example.org", uid="bpk2-0815", **kwargs):
    user = UserFactory(email=email, **kwargs)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    SocialAccount.objects.create(user=user, provider="bundid", uid=uid, extra_data={})
    return user


def test_assertion_signed_by_another_key_is_refused(client, idp, bundid, caplog):
    verified_person()
    with caplog.at_level(logging.ERROR):
        response, _ = login_via_idp(client, idp, attributes=PERSON, signed_by_other_key=True)
    assert response.status_code == 400
    assert "konnte nicht bestätigt werden" in response.content.decode()
    assert logged_in_user(client) is None
    assert "Signature validation failed" in caplog.text


def test_expired_assertion_is_refused(client, idp, bundid, caplog):
    verified_person()
    with caplog.at_level(logging.ERROR):
        response, _ = login_via_idp(client, idp, attributes=PERSON, lifetime_minutes=-30)
    assert response.status_code == 400
    assert logged_in_user(client) is None
    assert "expired" in caplog.text or "no longer valid" in caplog.text.lower()


def test_replayed_response_is_refused(client, idp, bundid):
    user = verified_person()
    response, (acs_path, data) = login_via_idp(client, idp, attributes=PERSON)
    assert logged_in_user(client) == user
    assert UsedAssertion.objects.count() == 1
    client.logout()
    # the same Response again: in the same browser …
    response = post_to_acs(client, acs_path, data)
    assert response.status_code == 400
    assert "bereits verwendet" in response.content.decode()
    assert logged_in_user(client) is None
    # … and in another browser that did start a login of its own
    other = Client(HTTP_HOST=HOST)
    start_login(other)
    response = post_to_acs(other, acs_path, data)
    assert response.status_code == 400 and logged_in_user(other) is None


def test_missing_required_attribute_is_refused_with_a_clear_message(client, idp, bundid):
    without_mail = {k: v for k, v in PERSON.items() if k != MAIL}
    response, _ = login_via_idp(client, idp, attributes=without_mail)
    assert response.status_code == 400
    text = response.content.decode()
    assert "BundID hat nicht alle nötigen Angaben übermittelt (es fehlt: E-Mail-Adresse)" in text
    assert logged_in_user(client) is None
    assert not User.objects.exists() and not SocialAccount.objects.exists()


def test_trust_level_too_low_for_the_call_is_refused_with_the_level_needed(client, idp, bundid):
    lead = MunicipalityFactory()
    user = verified_person()
    member_of(lead, user=user)
    call = CallFactory(min_trust_level=TrustLevel.HOCH)
    login_via_idp(client, idp, attributes=PERSON, class_ref="STORK-QAA-Level-3")
    assert logged_in_user(client) == user and client.session[TRUST_SESSION_KEY] == TrustLevel.SUBSTANZIELL
    form = {"call": call.pk, "lead": lead.pk, "title": "Digitales Rathaus"}
    response = client.post(reverse("applications:create"), form)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Vertrauensniveau „hoch“ oder höher nötig" in text and "„substanziell“" in text
    assert not Application.objects.exists()
    # the same person with the online ID card (STORK-QAA-Level-4) may
    client.post(reverse("account_logout"))
    login_via_idp(client, idp, attributes=PERSON, class_ref="STORK-QAA-Level-4")
    response = client.post(reverse("applications:create"), form)
    assert response.status_code == 302 and Application.objects.filter(call=call, lead=lead).count() == 1


def test_password_login_has_no_trust_level_and_is_told_how_to_get_one(client, bundid):
    lead = MunicipalityFactory()
    user = member_of(lead)
    call = CallFactory(min_trust_level=TrustLevel.BASISREGISTRIERUNG)
    client.force_login(user)
    response = client.post(reverse("applications:create"),
                           {"call": call.pk, "lead": lead.pk, "title": "Digitales Rathaus"})
    assert "Bitte melden Sie sich mit BundID oder Mein Unternehmenskonto an" in response.content.decode()
    assert not Application.objects.exists()


def test_local_logout_ends_the_session_and_its_trust_level(client, idp, bundid):
    verified_person()
    login_via_idp(client, idp, attributes=PERSON)
    assert client.session.get(TRUST_SESSION_KEY) == TrustLevel.HOCH
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert logged_in_user(client) is None and TRUST_SESSION_KEY not in client.session


def test_same_email_as_an_existing_account_is_not_linked_until_its_owner_logs_in(client, idp, bundid):
    owner = UserFactory(email="erika.mustermann@example.org")
    EmailAddress.objects.update_or_create(user=owner, email=owner.email, defaults={"verified": True, "primary": True})
    response, _ = login_via_idp(client, idp, attributes=PERSON)
    assert logged_in_user(client) is None
    assert not SocialAccount.objects.exists() and User.objects.count() == 1
    assert response["Location"] == reverse("account_email_verification_sent")  # allauth: "account exists" mail
    # The owner logs in with the password and links BundID from the account page.
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert logged_in_user(client) == owner
    response = client.post(reverse("saml_login", kwargs={"organization_slug": SLUG}), {"process": "connect"})
    acs_path, data = idp.answer(response["Location"], attributes=PERSON)
    post_to_acs(client, acs_path, data)
    account = SocialAccount.objects.get()
    assert (account.user, account.uid) == (owner, "bpk2-0815")
    # from now on BundID logs in to that account
    client.post(reverse("account_logout"))
    login_via_idp(client, idp, attributes=PERSON)
    assert logged_in_user(client) == owner


def test_staff_account_gets_no_session_through_saml_without_its_totp(client, idp, bundid):
    staff = verified_person(roles=["case_worker"])
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    response, _ = login_via_idp(client, idp, attributes=PERSON)
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user(client) is None
    assert client.get("/pruefung/aufrufe/").status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert logged_in_user(client) == staff
    assert client.session[TRUST_SESSION_KEY] == TrustLevel.HOCH
    assert client.get("/pruefung/aufrufe/").status_code == 200


def test_login_page_shows_the_configured_providers(client, bundid):
    idp_settings = {"metadata_xml": bundid.settings["idp"]["metadata_xml"]}
    SocialApp.objects.create(provider="saml", provider_id="unternehmenskonto", name="Mein Unternehmenskonto",
                             client_id="muk", settings={"kind": "unternehmenskonto", "idp": idp_settings})
    text = client.get(reverse("account_login")).content.decode()
    assert text.index("Mit BundID anmelden") < text.index("Mit Mein Unternehmenskonto anmelden")
    assert 'action="/accounts/saml/bundid/login/"' in text and 'action="/accounts/saml/muk/login/"' in text


def totp_code(secret: str) -> str:
    return code_for_secret(secret)
