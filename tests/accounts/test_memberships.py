"""Membership requests, decisions and invitations — through the services and through the pages."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts import services
from accounts.enums import MembershipState
from accounts.exceptions import AccountsError
from accounts.models import Invitation, Membership, User
from accounts.rules import is_approved_member
from accounts.selectors import approved_municipalities
from audit.models import AuditEntry
from tests.accounts.test_auth import audit
from tests.factories import MunicipalityFactory, UserFactory, staff_user

DECIDING_ROLES = ["case_worker", "admin"]
NON_DECIDING_ROLES = ["applicant", "jury", "approver"]
PASSWORD = "Neues-Langes-Kennwort-2027"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def town(db):
    return MunicipalityFactory(name="Musterstadt")


@pytest.fixture
def case_worker(db):
    return staff_user("case_worker", email="sachbearbeitung@hessen.example")


@pytest.fixture
def requester(db):
    return UserFactory(roles=["applicant"], email="buergermeisterin@musterstadt.example")


@pytest.fixture
def open_request(town, requester):
    return services.request_membership(user=requester, municipality=town, function="Hauptamt")


def audit_trail(obj):
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).order_by("pk")
    )


def actions(obj):
    return [e.action for e in audit_trail(obj)]


def can_act_for(user, municipality) -> bool:
    fresh = User.objects.get(pk=user.pk)  # selectors cache per user object
    return is_approved_member(fresh, municipality) and municipality in approved_municipalities(
        fresh
    )


def user_for(role):
    return (
        staff_user(role)
        if role in {"case_worker", "approver", "admin"}
        else UserFactory(roles=[role])
    )


def flash_messages(response):
    return [str(m) for m in response.wsgi_request._messages]


# --------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_is_open_audited_and_announced_to_case_workers(
    town, requester, case_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.request_membership(
            user=requester, municipality=town, function="Hauptamt"
        )
    assert membership.state == MembershipState.REQUESTED
    assert membership.function == "Hauptamt"
    assert not can_act_for(requester, town)
    (entry,) = audit_trail(membership)
    assert (entry.action, entry.actor, entry.to_state) == (
        "membership.requested",
        requester,
        "requested",
    )
    assert [m.to for m in mail.outbox] == [[case_worker.email]]
    assert "Neue Anfrage" in mail.outbox[0].subject
    assert requester.email in mail.outbox[0].body


@pytest.mark.django_db
def test_requesting_twice_returns_the_open_request(town, requester, open_request):
    again = services.request_membership(user=requester, municipality=town)
    assert again.pk == open_request.pk
    assert Membership.objects.filter(user=requester).count() == 1
    assert actions(open_request) == ["membership.requested"]


@pytest.mark.django_db
def test_an_inactive_municipality_cannot_be_requested(town, requester):
    town.active = False
    town.save(update_fields=["active"])
    with pytest.raises(AccountsError, match="nicht mehr aktiv"):
        services.request_membership(user=requester, municipality=town)
    assert not Membership.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", DECIDING_ROLES)
def test_approval_lets_the_user_act_and_is_audited(
    role, town, requester, open_request, django_capture_on_commit_callbacks
):
    decider = staff_user(role)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.approve_membership(actor=decider, membership_id=open_request.pk)
    assert membership.state == MembershipState.APPROVED
    assert membership.decided_by == decider
    assert membership.decided_at is not None
    assert can_act_for(requester, town)
    entry = audit_trail(membership)[-1]
    assert (entry.action, entry.actor, entry.from_state, entry.to_state) == (
        "membership.approved",
        decider,
        "requested",
        "approved",
    )
    assert [m.to for m in mail.outbox] == [[requester.email]]
    assert "bestätigt" in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_refusal_needs_a_reason(case_worker, open_request, reason):
    with pytest.raises(AccountsError, match="begründen"):
        services.refuse_membership(actor=case_worker, membership_id=open_request.pk, reason=reason)
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.REQUESTED
    assert open_request.decided_by is None
    assert actions(open_request) == ["membership.requested"]


@pytest.mark.django_db
def test_refusal_with_reason_is_stored_audited_and_mailed(
    case_worker, town, requester, open_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.refuse_membership(
            actor=case_worker,
            membership_id=open_request.pk,
            reason="  Keine Funktion in der Verwaltung.  ",
        )
    assert membership.state == MembershipState.REFUSED
    assert membership.reason == "Keine Funktion in der Verwaltung."
    assert not can_act_for(requester, town)
    entry = audit_trail(membership)[-1]
    assert (entry.action, entry.actor, entry.reason) == (
        "membership.refused",
        case_worker,
        "Keine Funktion in der Verwaltung.",
    )
    assert "Keine Funktion in der Verwaltung." in mail.outbox[0].body


@pytest.mark.django_db
def test_after_a_refusal_the_user_may_ask_again(case_worker, town, requester, open_request):
    services.refuse_membership(actor=case_worker, membership_id=open_request.pk, reason="Unklar")
    again = services.request_membership(user=requester, municipality=town)
    assert again.pk != open_request.pk
    assert again.state == MembershipState.REQUESTED


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_nobody_decides_their_own_request(town, decision):
    worker = staff_user("case_worker")
    own = services.request_membership(user=worker, municipality=town)
    with pytest.raises(AccountsError, match="eigene"):
        if decision == "approve":
            services.approve_membership(actor=worker, membership_id=own.pk)
        else:
            services.refuse_membership(actor=worker, membership_id=own.pk, reason="Test")
    own.refresh_from_db()
    assert own.state == MembershipState.REQUESTED
    # A colleague can.
    services.approve_membership(actor=staff_user("case_worker"), membership_id=own.pk)
    assert can_act_for(worker, town)


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_DECIDING_ROLES)
def test_only_case_workers_decide(role, open_request):
    actor = user_for(role)
    with pytest.raises(AccountsError, match="Sachbearbeitung"):
        services.approve_membership(actor=actor, membership_id=open_request.pk)
    with pytest.raises(AccountsError, match="Sachbearbeitung"):
        services.refuse_membership(actor=actor, membership_id=open_request.pk, reason="Nein")
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.REQUESTED
    assert actions(open_request) == ["membership.requested"]


@pytest.mark.django_db
@pytest.mark.parametrize("second", ["approve", "refuse"])
def test_a_second_decision_changes_nothing(case_worker, open_request, second):
    first = services.approve_membership(actor=case_worker, membership_id=open_request.pk)
    with pytest.raises(AccountsError, match="bereits entschieden"):
        if second == "approve":
            services.approve_membership(
                actor=staff_user("case_worker"), membership_id=open_request.pk
            )
        else:
            services.refuse_membership(
                actor=case_worker, membership_id=open_request.pk, reason="Doch nicht"
            )
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.APPROVED
    assert open_request.decided_at == first.decided_at
    assert open_request.decided_by == case_worker
    assert actions(open_request) == ["membership.requested", "membership.approved"]


@pytest.mark.django_db
def test_revocation_needs_a_reason_and_ends_the_right_to_act(
    case_worker, town, requester, open_request
):
    services.approve_membership(actor=case_worker, membership_id=open_request.pk)
    with pytest.raises(AccountsError):
        services.revoke_membership(actor=case_worker, membership_id=open_request.pk, reason=" ")
    assert can_act_for(requester, town)
    services.revoke_membership(
        actor=case_worker, membership_id=open_request.pk, reason="Ausgeschieden"
    )
    assert not can_act_for(requester, town)
    assert actions(open_request)[-1] == "membership.revoked"


# --------------------------------------------------------------------------------------
# Invitations
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invitation_of_an_existing_verified_user_approves_at_once(case_worker, town, requester):
    result = services.invite_member(
        actor=case_worker, email=" Buergermeisterin@Musterstadt.example ", municipality=town
    )
    assert isinstance(result, Membership)
    assert result.state == MembershipState.APPROVED
    assert result.decided_by == case_worker
    assert can_act_for(requester, town)
    assert Invitation.objects.get().accepted_at is not None
    entry = audit_trail(result)[-1]
    assert (entry.action, entry.actor, entry.to_state) == (
        "membership.approved",
        case_worker,
        "approved",
    )


@pytest.mark.django_db
def test_invitation_approves_an_open_request_of_the_invited_user(
    case_worker, town, requester, open_request
):
    services.invite_member(actor=case_worker, email=requester.email, municipality=town)
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.APPROVED
    assert Membership.objects.filter(user=requester).count() == 1


@pytest.mark.django_db
def test_inviting_twice_keeps_one_invitation(case_worker, town):
    services.invite_member(actor=case_worker, email="neu@musterstadt.example", municipality=town)
    services.invite_member(actor=case_worker, email="NEU@musterstadt.example", municipality=town)
    invitation = Invitation.objects.get()
    assert actions(invitation) == ["invitation.created"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_DECIDING_ROLES)
def test_only_case_workers_invite(role, town):
    with pytest.raises(AccountsError):
        services.invite_member(
            actor=user_for(role), email="neu@musterstadt.example", municipality=town
        )
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invitation_becomes_membership_when_the_new_user_confirms_the_address(
    client, case_worker, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            actor=case_worker, email="neu@musterstadt.example", municipality=town
        )
    assert isinstance(invitation, Invitation)
    assert actions(invitation) == ["invitation.created"]
    assert [m.to for m in mail.outbox] == [["neu@musterstadt.example"]]
    assert "Musterstadt" in mail.outbox[0].body

    client.post(
        reverse("account_signup"),
        {"email": "neu@musterstadt.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    user = User.objects.get(email="neu@musterstadt.example")
    assert not Membership.objects.filter(user=user).exists()  # not before the address is confirmed

    body = mail.outbox[-1].body
    path = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", body).group(1)
    client.post(path)

    membership = Membership.objects.get(user=user)
    assert membership.state == MembershipState.APPROVED
    assert membership.municipality == town
    assert membership.decided_by == case_worker
    assert can_act_for(user, town)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    entry = audit_trail(membership)[-1]
    assert (entry.action, entry.actor) == ("membership.approved", case_worker)


@pytest.mark.django_db
def test_invitation_of_an_unverified_user_waits_for_the_confirmation(client, case_worker, town):
    user = UserFactory(email="spaeter@musterstadt.example")
    EmailAddress.objects.filter(user=user).update(verified=False)
    result = services.invite_member(actor=case_worker, email=user.email, municipality=town)
    assert isinstance(result, Invitation)
    assert not can_act_for(user, town)

    confirmation = EmailConfirmationHMAC(EmailAddress.objects.get(user=user))
    client.post(reverse("account_confirm_email", args=[confirmation.key]))
    assert EmailAddress.objects.get(user=user).verified
    assert can_act_for(user, town)


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_requests_a_membership_on_the_page(client, town, requester):
    client.force_login(requester)
    page = client.get(reverse("accounts:memberships"))
    audit(page)
    assert "Musterstadt" in page.content.decode()

    response = client.post(
        reverse("accounts:memberships"), {"municipality": town.pk, "function": "Hauptamt"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=requester).state == MembershipState.REQUESTED
    html = client.get(reverse("accounts:memberships")).content.decode()
    assert "Ihre Anfrage wurde gesendet" in html
    assert "Beantragt" in html


@pytest.mark.django_db
def test_membership_request_without_municipality_shows_an_error(client, town, requester):
    client.force_login(requester)
    response = client.post(reverse("accounts:memberships"), {"municipality": "", "function": ""})
    audit(response)
    assert "kern-error" in response.content.decode()
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_review_page_lists_open_requests(client, case_worker, open_request, town):
    own = services.request_membership(
        user=case_worker, municipality=MunicipalityFactory(name="Eigenstadt")
    )
    services.request_membership(user=UserFactory(), municipality=town)
    client.force_login(case_worker)
    response = client.get(reverse("accounts:membership-review"))
    audit(response)  # also: no duplicate ids among the per-request forms
    html = response.content.decode()
    assert open_request.user.email in html
    assert reverse("accounts:membership-decide", args=[open_request.pk, "approve"]) in html
    assert reverse("accounts:membership-decide", args=[open_request.pk, "refuse"]) in html
    assert reverse("accounts:membership-decide", args=[own.pk, "approve"]) not in html
    assert reverse("accounts:invite") in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_DECIDING_ROLES)
def test_review_pages_are_forbidden_to_others(client, role, open_request):
    client.force_login(user_for(role))
    assert client.get(reverse("accounts:membership-review")).status_code == 403
    url = reverse("accounts:membership-decide", args=[open_request.pk, "approve"])
    assert client.post(url).status_code == 403
    assert client.post(reverse("accounts:invite"), {"email": "x@example.org"}).status_code == 403
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.REQUESTED


@pytest.mark.django_db
def test_review_pages_need_a_login(client, open_request):
    response = client.get(reverse("accounts:membership-review"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_approve_on_the_page_and_a_second_click_changes_nothing(client, case_worker, open_request):
    client.force_login(case_worker)
    url = reverse("accounts:membership-decide", args=[open_request.pk, "approve"])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:membership-review")
    assert "Die Mitgliedschaft wurde bestätigt." in flash_messages(response)
    open_request.refresh_from_db()
    decided_at = open_request.decided_at

    response = client.post(url)
    assert response.status_code == 302
    assert "Über diese Anfrage wurde bereits entschieden." in flash_messages(response)
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.APPROVED
    assert open_request.decided_at == decided_at
    assert actions(open_request) == ["membership.requested", "membership.approved"]


@pytest.mark.django_db
def test_refuse_on_the_page_needs_a_reason(client, case_worker, open_request):
    client.force_login(case_worker)
    url = reverse("accounts:membership-decide", args=[open_request.pk, "refuse"])
    response = client.post(url, {"reason": ""})
    assert "Bitte begründen Sie die Ablehnung." in flash_messages(response)
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.REQUESTED

    client.post(url, {"reason": "Nicht zuständig"})
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.REFUSED
    assert open_request.reason == "Nicht zuständig"


@pytest.mark.django_db
def test_own_request_cannot_be_decided_on_the_page(client, town):
    worker = staff_user("case_worker")
    own = services.request_membership(user=worker, municipality=town)
    client.force_login(worker)
    response = client.post(reverse("accounts:membership-decide", args=[own.pk, "approve"]))
    assert any("eigene" in m for m in flash_messages(response))
    own.refresh_from_db()
    assert own.state == MembershipState.REQUESTED


@pytest.mark.django_db
def test_bad_decisions_give_clear_answers(client, case_worker, open_request):
    client.force_login(case_worker)
    assert (
        client.post(
            reverse("accounts:membership-decide", args=[open_request.pk, "maybe"])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("accounts:membership-decide", args=[open_request.pk, "approve"])
        ).status_code
        == 405
    )
    response = client.post(reverse("accounts:membership-decide", args=[999999, "approve"]))
    assert "Diese Anfrage existiert nicht." in flash_messages(response)
    open_request.refresh_from_db()
    assert open_request.state == MembershipState.REQUESTED


@pytest.mark.django_db
def test_invite_on_the_page(client, case_worker, town, django_capture_on_commit_callbacks):
    client.force_login(case_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite"),
            {"email": "neu@musterstadt.example", "municipality": town.pk},
        )
    assert response.status_code == 302
    assert "Die Einladung wurde versendet." in flash_messages(response)
    assert Invitation.objects.get().email == "neu@musterstadt.example"
    assert [m.to for m in mail.outbox] == [["neu@musterstadt.example"]]


@pytest.mark.django_db
def test_invite_with_a_bad_address_shows_the_form_again(client, case_worker, town):
    client.force_login(case_worker)
    response = client.post(
        reverse("accounts:invite"), {"email": "kein-at-zeichen", "municipality": town.pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "kern-error" in html
    assert html.count("<h1") == 1
    assert not Invitation.objects.exists()


# --------------------------------------------------------------------------------------
# API token page
# --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_key_is_shown_once_and_renewal_invalidates_the_old_one(client, requester):
    from accounts.models import ApiToken

    client.force_login(requester)
    audit(client.get(reverse("accounts:api-token")))

    response = client.post(reverse("accounts:api-token"), {"action": "create", "name": "Portal", "scope": "read",
                                                           "days": "90"})
    audit(response)
    first = re.search(r'id="api-key" type="text" value="([^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=requester)
    assert first.startswith(token.prefix) and token.scope == "read"
    assert first not in client.get(reverse("accounts:api-token")).content.decode()

    response = client.post(reverse("accounts:api-token"), {"action": "renew", "token": token.pk})
    second = re.search(r'id="api-key" type="text" value="([^"]+)"', response.content.decode()).group(1)
    assert second != first
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.filter(user=requester, revoked_at__isnull=True).count() == 1


def _requests(n):
    for _ in range(n):
        Membership.objects.create(user=UserFactory(roles=["applicant"]), municipality=MunicipalityFactory(),
                                  state=MembershipState.REQUESTED, function="Bauamt")


@pytest.mark.django_db
def test_the_review_shows_one_page_of_requests_with_their_count(client, django_assert_max_num_queries):
    """One form pair per request on the page, 25 at most; the queries do not grow with the requests."""
    client.force_login(staff_user("case_worker"))
    url = reverse("accounts:membership-review")
    _requests(1)
    client.get(url)
    with django_assert_max_num_queries(30) as one:
        client.get(url)
    _requests(29)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('class="kern-card membership-request"') == 25 and "Offene Anfragen (30)" in html
    assert "Seite 1 von 2" in html
    second = client.get(url, {"seite": "2"}).content.decode()
    assert second.count('class="kern-card membership-request"') == 5


def test_case_workers_find_open_requests_by_person_or_municipality_on_the_page_and_in_the_api(client, db):
    """Every word of the search must be found in the person's first or last name, e-mail address or the
    municipality's name; a too long search is an error at its field (page) or a 400 (API) and narrows nothing."""
    from rest_framework.test import APIClient

    lauterbach, vilbel = MunicipalityFactory(name="Lauterbach (Hessen)"), MunicipalityFactory(name="Bad Vilbel")
    jo = UserFactory(first_name="Jo", last_name="Brandt", email="jo.brandt@lauterbach.example")
    eva = UserFactory(first_name="Eva", last_name="Lang", email="e.lang@bad-vilbel.example")
    services.request_membership(user=jo, municipality=lauterbach)
    services.request_membership(user=jo, municipality=vilbel)
    services.request_membership(user=eva, municipality=vilbel)
    worker = staff_user("case_worker")
    client.force_login(worker)
    url = reverse("accounts:membership-review")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return html, set(re.findall(r'<h3 id="request-\d+-heading" class="kern-title">([^<]+)</h3>', html))

    html, found = shown()
    assert len(found) == 3 and "Filter zurücksetzen" not in html
    assert shown(q="brandt")[1] == {"Jo Brandt – Lauterbach (Hessen)", "Jo Brandt – Bad Vilbel"}
    assert shown(q="Jo Vilbel")[1] == {"Jo Brandt – Bad Vilbel"}  # every word, in any field
    assert shown(q="e.lang@")[1] == {"Eva Lang – Bad Vilbel"}
    html, found = shown(q="Marburg")
    assert found == set() and "Keine offene Anfrage für diese Suche." in html
    html, found = shown(q="x" * 201)
    assert len(found) == 3 and 'id="id_q_error"' in html

    api = APIClient()
    api.force_authenticate(worker)
    body = api.get("/api/v1/staff/memberships/", {"search": "jo vilbel"}).json()
    assert body["count"] == 1 and body["results"][0]["municipality"]["name"] == "Bad Vilbel"
    assert api.get("/api/v1/staff/memberships/", {"search": "x" * 201}).status_code == 400
