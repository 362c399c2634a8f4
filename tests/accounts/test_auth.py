"""Sign-up, e-mail verification, login, password reset, rate limiting and TOTP for staff.

Everything goes through allauth's real views (and our KERN templates for them); mail is
captured by the locmem backend (config.test_settings).
"""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
)
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.middleware import StaffMFARequiredMiddleware
from accounts.models import User
from accounts.permissions import StaffHasMFA
from tests.factories import UserFactory, staff_user
from tests.totp import code_for_secret

PASSWORD = "Geheim-Passwort-123"  # the factories' password
NEW_PASSWORD = "Neues-Langes-Kennwort-2027"
STAFF_ROLES = ["case_worker", "approver", "admin"]
NON_STAFF_ROLES = ["applicant", "jury"]
STAFF_PAGE = "/pruefung/aufrufe/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps rate-limit counters in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def login(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def link_from(message, pattern):
    match = re.search(pattern, message.body)
    assert match, f"no link matching {pattern!r} in:\n{message.body}"
    return match.group(0)


def current_totp_code(secret: str) -> str:
    return code_for_secret(secret)


# --------------------------------------------------------------------------------------
# The pages themselves: German, KERN, one h1, every control labelled, errors linked.
# --------------------------------------------------------------------------------------


class PageAudit(HTMLParser):
    """Collects what the accessibility rules below need from a page."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.html_lang = None
        self.controls = []  # (tag, attrs) of visible form controls
        self.label_for = set()
        self.ids = []
        self.buttons = []
        self._in_label = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if attrs.get("type") not in {"hidden", "submit"}:
                self.controls.append((tag, attrs))
        elif tag == "button":
            self.buttons.append(attrs)


def audit(response) -> PageAudit:
    assert response.status_code == 200, response
    page = PageAudit()
    page.feed(response.content.decode())
    assert page.html_lang == "de"
    assert page.h1 == 1, "exactly one <h1> per page"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for tag, attrs in page.controls:
        assert attrs.get("id") in page.label_for, f"{tag} {attrs} has no <label for=...>"
        assert "kern-form" in attrs.get("class", ""), f"{tag} {attrs} is not KERN-styled"
        for ref in (attrs.get("aria-describedby") or "").split():
            assert ref in page.ids, f"aria-describedby={ref!r} points nowhere"
    for attrs in page.buttons:
        assert "kern-btn" in attrs.get("class", ""), f"button {attrs} is not a KERN button"
    html = response.content.decode()
    assert "kern-heading-large" in html
    for english in ("Sign In", "Sign Up", "Password Reset", "Email Addresses", "Forgot your"):
        assert english not in html
    return page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_entrance_pages_are_german_kern_and_labelled(client, name):
    audit(client.get(reverse(name)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "account_logout",
        "mfa_index",
        "accounts:api-token",
        "accounts:memberships",
        "account_reauthenticate",
    ],
)
def test_account_pages_are_german_kern_and_labelled(client, name):
    client.force_login(UserFactory(roles=["applicant"]))
    page = audit(client.get(reverse(name)))
    assert page.html_lang == "de"


INFORMAL = re.compile(r"\b(du|Du|dein\w*|Dein\w*|dich|Dich|dir|Dir|gib|versuche)\b")


@pytest.mark.django_db
def test_allauth_pages_address_the_user_formally(client):
    pages = [
        reverse(n)
        for n in (
            "account_login",
            "account_signup",
            "account_reset_password",
            "account_reset_password_done",
            "account_email_verification_sent",
        )
    ]
    for path in pages:
        main = client.get(path).content.decode().split("<main", 1)[1]
        assert not INFORMAL.search(main), (path, INFORMAL.search(main).group(0))
    client.force_login(UserFactory())
    main = client.get(reverse("account_logout")).content.decode().split("<main", 1)[1]
    assert not INFORMAL.search(main)


@pytest.mark.django_db
def test_account_settings_pages_carry_the_account_navigation(client):
    client.force_login(UserFactory(roles=["applicant"]))
    html = client.get(reverse("account_change_password")).content.decode()
    assert 'aria-label="Kontoeinstellungen"' in html
    assert f'href="{reverse("account_change_password")}" aria-current="page"' in html
    assert f'href="{reverse("accounts:api-token")}"' in html


@pytest.mark.django_db
def test_login_errors_are_shown_in_german_and_linked_to_the_inputs(client):
    UserFactory(email="kim@example.org")
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    page = audit(response)
    html = response.content.decode()
    assert "Bitte prüfen Sie Ihre Angaben" in html
    assert "Dieses Feld ist zwingend erforderlich." in html
    login_input = next(attrs for tag, attrs in page.controls if attrs.get("name") == "login")
    assert login_input["aria-invalid"] == "true"
    assert "id_login_error" in login_input["aria-describedby"].split()
    assert 'id="id_login_error"' in html


@pytest.mark.django_db
def test_signup_password_rules_are_explained_and_enforced(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "neu@example.org", "password1": "kurz", "password2": "kurz"},
    )
    audit(response)
    assert "mindestens 10 Zeichen" in response.content.decode()
    assert not User.objects.filter(email="neu@example.org").exists()


# --------------------------------------------------------------------------------------
# Sign-up, verification, login.
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signup_sends_verification_mail_and_login_waits_for_it(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Neu.Person@Example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None

    user = User.objects.get(email__iexact="neu.person@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    verification = mail.outbox[0]
    assert verification.to == [user.email]
    assert verification.subject.startswith("[Starke Heimat Hessen]")
    confirm_url = link_from(verification, r"http://testserver/accounts/confirm-email/[^/\s]+/")
    # The portal's voice (issue 11): its name and address, no "Hallo von <host>:<port>!".
    assert verification.subject == "[Starke Heimat Hessen] Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert verification.body.startswith("Guten Tag,")
    assert "Förderportal Starke Heimat Hessen" in verification.body and settings.SITE_URL in verification.body
    assert "Hallo von" not in verification.body and "testserver" not in verification.body.replace(confirm_url, "")
    assert verification.body.count(user.email) == 1

    # Not verified yet: the right password does not log the user in.
    other = client_class_instance(client)
    response = login(other, user.email, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(other) is None

    # The confirmation page is a KERN page; confirming verifies the address.
    path = confirm_url.removeprefix("http://testserver")
    page = client.get(path)
    audit(page)
    text = " ".join(page.content.decode().split())
    assert f'dass <a href="mailto:{user.email}">{user.email}</a> Ihre E-Mail-Adresse für das Förderportal' in text
    assert "E-Mail-Adresse von" not in text and "für Benutzer" not in text
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified

    fresh = client_class_instance(client)
    response = login(fresh, "neu.person@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(fresh) == str(user.pk)


def client_class_instance(client):
    return client.__class__()


@pytest.mark.django_db
def test_signup_with_a_taken_address_creates_no_second_account(client):
    UserFactory(email="kim@example.org")
    client.post(
        reverse("account_signup"),
        {"email": "kim@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert User.objects.filter(email__iexact="kim@example.org").count() == 1
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["kim@example.org", "KIM@Example.ORG"])
def test_login_by_email_after_verification(client, typed):
    user = UserFactory(email="kim@example.org")
    response = login(client, typed, PASSWORD)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="kim@example.org")
    response = login(client, "kim@example.org", "falsch-falsch-falsch")
    audit(response)
    assert (
        "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in response.content.decode()
    )
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_password_reset_mail_is_sent_and_the_link_sets_a_new_password(client):
    user = UserFactory(email="kim@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "kim@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kim@example.org"]
    reset_url = link_from(mail.outbox[0], r"http://testserver/accounts/password/reset/key/\S+/")

    response = client.get(reset_url.removeprefix("http://testserver"))
    assert response.status_code == 302  # allauth moves the key into the session
    set_password_path = response["Location"]
    audit(client.get(set_password_path))
    response = client.post(
        set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert (
        login(client.__class__(), "kim@example.org", PASSWORD).status_code == 200
    )  # old one refused


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


# --------------------------------------------------------------------------------------
# Rate limiting of failed logins (ACCOUNT_RATE_LIMITS login_failed = 5/5m per IP and per address).
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_five_failures_even_the_right_password_is_refused(client):
    user = UserFactory(email="kim@example.org")
    for _ in range(5):
        response = login(client, user.email, "falsch-falsch-falsch")
        assert response.status_code == 200
        assert logged_in_user_id(client) is None
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert "Zu viele gescheiterte Anmeldeversuche" in response.content.decode()


@pytest.mark.django_db
def test_four_failures_still_allow_the_right_password(client):
    user = UserFactory(email="kim@example.org")
    for _ in range(4):
        login(client, user.email, "falsch-falsch-falsch")
    assert login(client, user.email, PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_the_limit_holds_per_address_across_ip_addresses(client):
    user = UserFactory(email="kim@example.org")
    for n in range(5):
        login(client, user.email, "falsch-falsch-falsch", REMOTE_ADDR=f"10.0.0.{n + 1}")
    response = login(client, user.email, PASSWORD, REMOTE_ADDR="10.0.1.99")
    assert logged_in_user_id(client) is None
    assert "Zu viele gescheiterte Anmeldeversuche" in response.content.decode()


@pytest.mark.django_db
def test_the_limit_holds_per_ip_across_addresses(client):
    target = UserFactory(email="ziel@example.org")
    for n in range(5):
        login(client, f"rate{n}@example.org", "falsch-falsch-falsch")
    response = login(client, target.email, PASSWORD)
    assert logged_in_user_id(client) is None
    assert "Zu viele gescheiterte Anmeldeversuche" in response.content.decode()


# --------------------------------------------------------------------------------------
# TOTP is mandatory for staff roles (accounts.middleware, accounts.api.StaffHasMFA).
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize(
    "path", [STAFF_PAGE, "/kommunen/", "/kommunen/anfragen/", "/konto/api-schluessel/"]
)
def test_staff_without_totp_is_sent_to_the_totp_setup_on_every_page(client, role, path):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_superuser_without_totp_is_sent_to_the_totp_setup(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/kommunen/")
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_totp_may_still_reach_account_and_legal_pages(role):
    request = RequestFactory().get(reverse("mfa_index"))
    request.user = UserFactory(roles=[role])
    middleware = StaffMFARequiredMiddleware(lambda r: HttpResponse("durch"))
    assert middleware(request).content == b"durch"


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_middleware_lets_staff_with_totp_through(role, client):
    user = staff_user(role)
    client.force_login(user)  # tests/conftest.py: a session that passed the second factor
    request = RequestFactory().get(STAFF_PAGE)
    request.user = user
    request.session = client.session
    middleware = StaffMFARequiredMiddleware(lambda r: HttpResponse("durch"))
    assert middleware(request).content == b"durch"


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_with_totp_gets_through(client, role):
    client.force_login(staff_user(role))
    response = client.get("/kommunen/")
    assert response.status_code == 200
    assert client.get("/konto/api-schluessel/").status_code == 200
    assert client.get(STAFF_PAGE).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_STAFF_ROLES)
def test_applicants_and_jury_are_not_forced_to_totp(client, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get("/kommunen/").status_code == 200
    assert client.get("/konto/api-schluessel/").status_code == 200


class Ping(APIView):
    """A stand-in endpoint with the project's default API permissions."""

    def get(self, request):
        return Response({"ok": True})


def api_get(user):
    request = APIRequestFactory().get("/api/v1/ping/")
    if user is not None:
        force_authenticate(request, user=user)
    return Ping.as_view()(request)


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_api_refuses_staff_without_totp(role):
    user = UserFactory(roles=[role])
    request = APIRequestFactory().get("/api/v1/ping/")
    request.user = user
    assert StaffHasMFA().has_permission(request, None) is False

    response = api_get(user)
    assert response.status_code == 403
    assert "TOTP" in str(response.data["detail"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_api_lets_staff_with_totp_through(role):
    user = staff_user(role)
    request = APIRequestFactory().get("/api/v1/ping/")
    request.user = user
    assert StaffHasMFA().has_permission(request, None) is True
    assert api_get(user).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_STAFF_ROLES)
def test_api_does_not_force_totp_on_applicants_and_jury(role):
    assert api_get(UserFactory(roles=[role])).status_code == 200


def test_api_permission_does_not_break_on_anonymous_users():
    request = APIRequestFactory().get("/api/v1/ping/")
    request.user = AnonymousUser()
    assert StaffHasMFA().has_permission(request, None) is True  # IsAuthenticated refuses them


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_sets_up_totp_on_the_kern_page_and_then_gets_through(client, role):
    user = UserFactory(roles=[role])
    assert login(client, user.email, PASSWORD).status_code == 302
    assert client.get("/kommunen/")["Location"] == reverse("mfa_activate_totp")

    # allauth asks for the password once more before an authenticator is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    reauth_path = response["Location"]
    assert reauth_path.startswith(reverse("account_reauthenticate"))
    audit(client.get(reauth_path))
    response = client.post(reauth_path, {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")

    response = client.get(reverse("mfa_activate_totp"))
    audit(response)
    html = response.content.decode()
    assert "Authenticator-App aktivieren" in html
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', html).group(1)

    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        pytest.fail("a wrong code activated TOTP")
    assert 'aria-invalid="true"' in response.content.decode()

    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/kommunen/").status_code == 200


@pytest.mark.django_db
def test_staff_login_asks_for_the_totp_code(client):
    user = UserFactory(roles=["case_worker"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None
    audit(client.get(reverse("mfa_authenticate")))

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert logged_in_user_id(client) is None
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)
    assert client.get("/kommunen/").status_code == 200
