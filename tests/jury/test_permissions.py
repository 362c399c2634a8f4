"""The permission table of the jury: every role × every jury permission × own / foreign / excluded object,
asserted through the rule itself, the page and the API alike (issue 8: "permissions declared once")."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from rest_framework.test import APIClient

from jury import services
from jury.enums import SessionState
from jury.models import Decision, SessionDocument
from tests.factories import member_of, staff_user
from tests.jury.factories import (
    AssignmentFactory,
    PanelMemberFactory,
    SessionFactory,
    application_in_evaluation,
    evaluated_call,
    score,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/jury/"
ROLES = ["applicant", "member", "chair", "excluded_member", "excluded_chair", "case_worker", "approver", "admin"]
OBJECTS = ["own", "foreign", "excluded"]
PERMISSIONS = ["jury.view_ranking", "jury.view_ranking_row", "jury.view_workload", "jury.record_decision",
               "jury.view_scores_of_application", "jury.download_session_documents"]
STAFF = {"case_worker", "approver", "admin"}
CHAIRS = {"chair", "excluded_chair"}
EXCLUDED = {"excluded_member", "excluded_chair"}


def expected(role: str, permission: str, obj: str) -> bool:
    """The table, written out from the domain rules (docs/jury.md)."""
    staff = role in STAFF
    sits = role not in STAFF and role != "applicant" and obj != "foreign"
    chair = role in CHAIRS and obj != "foreign"
    excluded_here = role in EXCLUDED and obj == "excluded"
    return {
        "jury.view_ranking": staff or sits,
        # The row of an application is hidden from whoever is excluded from it.
        "jury.view_ranking_row": staff or (sits and not excluded_here),
        "jury.view_workload": staff or chair,
        # An excluded chair may not decide on the application they are excluded from.
        "jury.record_decision": chair and not excluded_here,
        # The chair only, once declared free of conflict with the own sheet submitted (done for `own`).
        "jury.view_scores_of_application": staff or (chair and obj == "own"),
        # The documents show every application's scores: not for anyone excluded from one of them.
        "jury.download_session_documents": staff or (sits and role not in EXCLUDED),
    }[permission]


@pytest.fixture
def world(db):
    """Panel A (own): applications `own` (scored by everyone of A) and `excluded` (the excluded member and
    the excluded chair declared a conflict). Panel B (foreign): application `foreign`."""
    call, panel = evaluated_call(min_scorers=1)
    own = score(panel, application_in_evaluation(call, grant="200000.00"), [[4, 4]])
    excluded = score(panel, application_in_evaluation(call, grant="150000.00"), [[3, 3]])
    other_call, other_panel = evaluated_call(min_scorers=1)
    foreign = score(other_panel, application_in_evaluation(other_call, grant="100000.00"), [[5, 5]])
    other_panel.chair = PanelMemberFactory(panel=other_panel).user
    other_panel.save(update_fields=["chair"])
    users = {"applicant": member_of(own.lead)}
    for role in ("member", "chair", "excluded_member", "excluded_chair"):
        member = PanelMemberFactory(panel=panel)
        users[role] = member.user
        AssignmentFactory(member=member, application=own)
        services.save_scores(user=member.user, application_id=own.pk, submit=True,
                             values={c.pk: ("4", "") for c in call.program.criteria.all()})
        if role in EXCLUDED:
            AssignmentFactory(member=member, application=excluded, declared_conflict=True)
    for role in STAFF:
        users[role] = staff_user(role)
    return {"panel": panel, "other_panel": other_panel, "users": users,
            "apps": {"own": own, "excluded": excluded, "foreign": foreign}}


def _make_chair(world, role):
    panel = world["panel"]
    panel.chair = world["users"]["excluded_chair" if role == "excluded_chair" else "chair"]
    panel.save(update_fields=["chair"])


def _panel(world, obj):
    return world["other_panel"] if obj == "foreign" else world["panel"]


def _session(world, obj, *, closed=False):
    panel = _panel(world, obj)
    session = panel.sessions.first() or SessionFactory(
        panel=panel, held_on=dt.date(2027, 6, 1), state=SessionState.CLOSED if closed else SessionState.OPEN)
    if closed and not session.documents.exists():
        document = SessionDocument(session=session, kind=SessionDocument.Kind.RANKING_CSV, sha256="0" * 64)
        document.file.save("ranking.csv", ContentFile(b"Platz;Aktenzeichen\n"), save=True)
    return session


def _doors(world, permission, obj, client, api):
    """(page allowed?, API allowed?) for one permission and object."""
    app = world["apps"][obj]
    panel = _panel(world, obj)
    if permission == "jury.view_ranking":
        page = client.get(reverse("jury:ranking", args=[panel.call_id]))
        answer = api.get(f"{API}panels/{panel.pk}/ranking/")
        return page.status_code == 200, answer.status_code == 200
    if permission == "jury.view_ranking_row":
        page = client.get(reverse("jury:ranking", args=[panel.call_id]))
        answer = api.get(f"{API}panels/{panel.pk}/ranking/")
        rows = [r["application"] for r in answer.data["rows"]] if answer.status_code == 200 else []
        return (page.status_code == 200 and f'data-case="{app.case_number}"' in page.content.decode(),
                app.pk in rows)
    if permission == "jury.view_workload":
        page = client.get(reverse("jury:session", args=[panel.call_id]))
        answer = api.get(f"{API}panels/{panel.pk}/workload/")
        return page.status_code == 200 and 'id="workload"' in page.content.decode(), answer.status_code == 200
    if permission == "jury.record_decision":
        session = _session(world, obj)
        page = client.post(reverse("jury:session-decide", args=[session.pk, app.pk]),
                           {f"d{app.pk}-outcome": "reserve", f"d{app.pk}-justification": "Portfolio"})
        by_page = page.status_code == 302 and Decision.objects.filter(session=session, application=app).exists()
        Decision.objects.filter(session=session).delete()
        answer = api.post(f"{API}sessions/{session.pk}/decisions/",
                          {"application": app.pk, "outcome": "reserve", "justification": "Portfolio"}, format="json")
        return by_page, answer.status_code == 200
    if permission == "jury.view_scores_of_application":
        page = client.get(reverse("jury:sheets", args=[app.pk]))
        answer = api.get(f"{API}applications/{app.pk}/sheets/")
        return page.status_code == 200, answer.status_code == 200
    if permission == "jury.download_session_documents":
        session = _session(world, obj, closed=True)
        document = session.documents.get()
        page = client.get(reverse("jury:document", args=[document.pk]))
        answer = api.get(f"{API}sessions/{session.pk}/documents/ranking_csv/")
        return page.status_code == 200, answer.status_code == 200
    raise AssertionError(permission)


def _object_of(world, permission, obj):
    if permission in ("jury.record_decision", "jury.view_scores_of_application", "jury.view_ranking_row"):
        return world["apps"][obj]
    if permission == "jury.download_session_documents":
        return _session(world, obj, closed=True)
    return _panel(world, obj)


@pytest.mark.parametrize("permission", PERMISSIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, world, role, permission):
    _make_chair(world, role)
    user = world["users"][role]
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    for obj in OBJECTS:
        want = expected(role, permission, obj)
        fresh = type(user).objects.get(pk=user.pk)  # no per-user caches from the doors
        assert fresh.has_perm(permission, _object_of(world, permission, obj)) == want, (role, permission, obj)
        by_page, by_api = _doors(world, permission, obj, client, api)
        assert (by_page, by_api) == (want, want), (role, permission, obj)
