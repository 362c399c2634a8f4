"""The jury API (/api/v1/jury/...): who may do what, exclusions, frozen scores, the session, queries."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import yaml
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from applications.enums import ApplicationState as S
from applications.models import Application
from audit.models import AuditEntry
from jury import services
from jury.enums import AffiliationKind, DecisionOutcome, Declaration
from jury.models import (
    Affiliation,
    Assignment,
    Decision,
    Panel,
    PanelMember,
    Score,
    ScoreSheet,
    Session,
    SessionDocument,
)
from tests.factories import MunicipalityFactory, UserFactory, member_of, staff_user
from tests.jury.factories import application_in_evaluation, evaluated_call, score

pytestmark = pytest.mark.django_db

API = "/api/v1/jury/"
ROLES = ("staff", "chair", "member", "excluded", "other", "applicant")


@dataclass
class World:
    panel: Panel
    other_panel: Panel
    app: Application  # scored by member and chair; the excluded member is excluded from it
    app2: Application  # same lead; member and chair assigned, declarations pending
    app3: Application  # another lead; scored by the excluded member
    users: dict
    members: dict
    criteria: list

    def client(self, role) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.users[role])
        return client

    def sheet(self, role, app=None) -> ScoreSheet:
        return ScoreSheet.objects.get(assignment__member=self.members[role], assignment__application=app or self.app)


def _assign(member, app, declaration=Declaration.NO_CONFLICT):
    return Assignment.objects.create(member=member, application=app, assigned=True, declaration=declaration)


def _submit(user, app, values, criteria):
    services.save_scores(user=user, application_id=app.pk, submit=True,
                         values={c.pk: (str(v), "Begründung") for c, v in zip(criteria, values, strict=True)})


@pytest.fixture
def world(db) -> World:
    call, panel = evaluated_call(budget="400000.00", criteria=((1, "", None), (1, "", None)), min_scorers=1)
    criteria = list(call.program.criteria.order_by("order"))
    other_call, other_panel = evaluated_call()
    app = application_in_evaluation(call, grant="300000.00")
    app2 = application_in_evaluation(call, grant="200000.00")
    app2.lead = app.lead
    app2.save(update_fields=["lead"])
    app3 = application_in_evaluation(call, grant="100000.00")
    users = {"staff": staff_user(), "chair": UserFactory(roles=["jury"]), "member": UserFactory(roles=["jury"]),
             "excluded": UserFactory(roles=["jury"]), "other": UserFactory(roles=["jury"]),
             "applicant": member_of(app.lead)}
    panel.chair = users["chair"]
    panel.save(update_fields=["chair"])
    members = {role: PanelMember.objects.create(panel=panel, user=users[role])
               for role in ("chair", "member", "excluded")}
    members["other"] = PanelMember.objects.create(panel=other_panel, user=users["other"])
    for role in ("chair", "member"):
        _assign(members[role], app)
        _assign(members[role], app2, Declaration.PENDING)
    _assign(members["excluded"], app3)
    services.add_affiliation(actor=users["staff"], member=members["excluded"], kind=AffiliationKind.MUNICIPALITY,
                             municipality=app.lead, function="Gemeindevertretung")
    _submit(users["member"], app, [4, 4], criteria)
    _submit(users["chair"], app, [3, 3], criteria)
    _submit(users["excluded"], app3, [5, 5], criteria)
    return World(panel=panel, other_panel=other_panel, app=app, app2=app2, app3=app3, users=users, members=members,
                 criteria=criteria)


def test_the_world_is_what_the_tests_assume(world):
    excluded = Assignment.objects.filter(member=world.members["excluded"], excluded=True)
    assert set(excluded.values_list("application_id", flat=True)) == {world.app.pk, world.app2.pk}
    assert AuditEntry.objects.filter(action="jury.excluded").count() == 2


# ---------------------------------------------------------------- the permission matrix


def _session(world):
    return Session.objects.create(panel=world.panel, held_on=dt.date(2027, 6, 1))


def _document(world):
    session = _session(world)
    document = SessionDocument(session=session, kind=SessionDocument.Kind.RANKING_CSV, sha256="0" * 64)
    document.file.save("ranking.csv", ContentFile(b"Platz;Aktenzeichen\n"), save=True)
    return session


def _fresh_assignment(world):
    member = PanelMember.objects.create(panel=world.panel, user=UserFactory(roles=["jury"]))
    return _assign(member, world.app3)


def _decision_payload(world):
    from jury.selectors import ranking

    row = next(r for r in ranking(call=world.panel.call).rows if r.application == world.app3)
    return {"application": world.app3.pk, "outcome": row.outcome}


# (name, prepare(world) -> (method, url, data), expected status per role in ROLES order)
MATRIX = [
    ("panel detail", lambda w: ("get", f"{API}panels/{w.panel.pk}/", None), (200, 200, 200, 200, 404, 404)),
    ("add member", lambda w: ("post", f"{API}panels/{w.panel.pk}/members/",
                              {"user": UserFactory(roles=["jury"]).pk}), (201, 403, 403, 403, 403, 403)),
    ("add affiliation", lambda w: ("post", f"{API}panels/{w.panel.pk}/affiliations/",
                                   {"member": w.members["member"].pk, "kind": "umbrella",
                                    "organisation": "Hessischer Städtetag"}), (201, 403, 403, 403, 403, 403)),
    ("start evaluation", lambda w: ("post", f"{API}panels/{w.panel.pk}/start-evaluation/", {}),
     (200, 403, 403, 403, 403, 403)),
    ("auto assign", lambda w: ("post", f"{API}panels/{w.panel.pk}/auto-assign/", {"per_application": 2}),
     (200, 403, 403, 403, 403, 403)),
    ("assign", lambda w: ("post", f"{API}panels/{w.panel.pk}/assign/",
                          {"member": w.members["member"].pk, "application": w.app3.pk}),
     (200, 403, 403, 403, 403, 403)),
    ("panel assignments", lambda w: ("get", f"{API}panels/{w.panel.pk}/assignments/", None),
     (200, 403, 403, 403, 403, 403)),
    ("unassign", lambda w: ("post", f"{API}assignments/{_fresh_assignment(w).pk}/unassign/", {}),
     (200, 403, 403, 403, 403, 403)),
    ("workload", lambda w: ("get", f"{API}panels/{w.panel.pk}/workload/", None), (200, 200, 403, 403, 404, 404)),
    ("own assignments", lambda w: ("get", f"{API}assignments/", None), (200, 200, 200, 200, 200, 200)),
    ("declare", lambda w: ("post", f"{API}applications/{w.app2.pk}/declare/", {"conflict": False}),
     (404, 200, 200, 404, 404, 404)),
    ("application content", lambda w: ("get", f"{API}applications/{w.app.pk}/", None),
     (200, 200, 200, 404, 404, 404)),
    ("own scores", lambda w: ("get", f"{API}applications/{w.app.pk}/scores/", None),
     (404, 200, 200, 404, 404, 404)),
    # The member's and the chair's sheets are submitted: frozen.
    ("save scores", lambda w: ("put", f"{API}applications/{w.app.pk}/scores/",
                               {"scores": [{"criterion": w.criteria[0].pk, "value": "1"}]}),
     (404, 400, 400, 404, 404, 404)),
    ("submit scores", lambda w: ("post", f"{API}applications/{w.app.pk}/scores/submit/", {}),
     (404, 400, 400, 404, 404, 404)),
    # Only the ministry and the chair (declared, own sheet submitted) see everyone's sheets (issue 10.3).
    ("all sheets", lambda w: ("get", f"{API}applications/{w.app.pk}/sheets/", None),
     (200, 200, 404, 404, 404, 404)),
    ("reopen sheet", lambda w: ("post", f"{API}sheets/{w.sheet('member').pk}/reopen/", {"reason": "Tippfehler"}),
     (200, 403, 403, 403, 403, 403)),
    ("ranking", lambda w: ("get", f"{API}panels/{w.panel.pk}/ranking/", None), (200, 200, 200, 200, 404, 404)),
    ("ranking what-if", lambda w: ("get", f"{API}panels/{w.panel.pk}/ranking/?budget=100000.00", None),
     (200, 403, 403, 403, 404, 404)),
    ("sessions", lambda w: ("get", f"{API}panels/{w.panel.pk}/sessions/", None), (200, 200, 200, 200, 404, 404)),
    ("open session", lambda w: ("post", f"{API}panels/{w.panel.pk}/sessions/", {"held_on": "2027-06-01"}),
     (201, 201, 403, 403, 404, 404)),
    ("session detail", lambda w: ("get", f"{API}sessions/{_session(w).pk}/", None), (200, 200, 200, 200, 404, 404)),
    ("decision", lambda w: ("post", f"{API}sessions/{_session(w).pk}/decisions/", _decision_payload(w)),
     (403, 200, 403, 403, 404, 404)),
    ("close session", lambda w: ("post", f"{API}sessions/{_session(w).pk}/close/", {"notes": "Einstimmig."}),
     (403, 200, 403, 403, 404, 404)),
    ("document", lambda w: ("get", f"{API}sessions/{_document(w).pk}/documents/ranking_csv/", None),
     (200, 200, 200, 403, 404, 404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "prepare", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(world, role, name, prepare, expected):
    method, url, data = prepare(world)
    response = getattr(world.client(role), method)(url, data, format="json")
    want = expected[ROLES.index(role)]
    assert response.status_code == want, (name, role, getattr(response, "data", None))
    if want in (400, 403, 404):
        assert "detail" in response.data


def test_anonymous_gets_nothing(world):
    for url in (f"{API}panels/", f"{API}panels/{world.panel.pk}/ranking/", f"{API}applications/{world.app.pk}/"):
        assert APIClient().get(url).status_code in (401, 403)


def test_staff_without_totp_is_refused(world):
    client = APIClient()
    client.force_authenticate(UserFactory(roles=["case_worker"]))
    assert client.get(f"{API}panels/").status_code == 403


def test_panel_list_is_scoped(world):
    def ids(role):
        return {p["id"] for p in world.client(role).get(f"{API}panels/").data["results"]}

    assert {world.panel.pk, world.other_panel.pk} <= ids("staff")
    assert ids("chair") == ids("member") == ids("excluded") == {world.panel.pk}
    assert ids("other") == {world.other_panel.pk}
    assert ids("applicant") == set()
    row = world.client("chair").get(f"{API}panels/").data["results"][0]
    assert row["role"] == {"is_member": True, "is_chair": True, "can_manage": False}
    assert row["n_members"] == 3

    def role(who, panel):
        rows = world.client(who).get(f"{API}panels/").data["results"]
        return next(r["role"] for r in rows if r["id"] == panel.pk)

    assert role("member", world.panel) == {"is_member": True, "is_chair": False, "can_manage": False}
    assert role("staff", world.panel) == {"is_member": False, "is_chair": False, "can_manage": True}
    assert role("other", world.other_panel)["is_member"] is True
    assert world.client("member").get(f"{API}panels/{world.panel.pk}/").data["role"]["is_member"] is True


def test_panel_detail_has_members_affiliations_rules(world):
    data = world.client("member").get(f"{API}panels/{world.panel.pk}/").data
    assert data["chair"]["id"] == world.users["chair"].pk
    assert data["min_scorers"] == 1 and data["spread_threshold"] == "1.50"
    assert [c["id"] for c in data["criteria"]] == [c.pk for c in world.criteria]
    by_user = {m["user"]["id"]: m for m in data["members"]}
    excluded = by_user[world.users["excluded"].pk]
    assert excluded["affiliations"][0]["municipality"]["id"] == world.app.lead_id
    assert by_user[world.users["chair"].pk]["is_chair"] is True


# ---------------------------------------------------------------- composing the panel


def test_staff_composes_the_panel_and_errors_are_400_with_field(world):
    staff = world.client("staff")
    newcomer = UserFactory(roles=["jury"])
    response = staff.post(f"{API}panels/{world.panel.pk}/members/", {"user": newcomer.pk}, format="json")
    assert response.status_code == 201
    assert newcomer.pk in {m["user"]["id"] for m in response.data["members"]}

    not_jury = UserFactory()
    response = staff.post(f"{API}panels/{world.panel.pk}/members/", {"user": not_jury.pk}, format="json")
    assert response.status_code == 400 and "Jurymitglied" in response.data["detail"]
    assert not PanelMember.objects.filter(user=not_jury).exists()

    response = staff.post(f"{API}panels/{world.panel.pk}/affiliations/",
                          {"member": world.members["member"].pk, "kind": "municipality"}, format="json")
    assert response.status_code == 400 and response.data["field"] == "municipality"

    # A member of another panel cannot be named here.
    response = staff.post(f"{API}panels/{world.panel.pk}/assign/",
                          {"member": world.members["other"].pk, "application": world.app3.pk}, format="json")
    assert response.status_code == 400 and "member" in response.data
    # An excluded member cannot be assigned: the service says why, nothing changes.
    response = staff.post(f"{API}panels/{world.panel.pk}/assign/",
                          {"member": world.members["excluded"].pk, "application": world.app.pk}, format="json")
    assert response.status_code == 400 and "ausgeschlossen" in response.data["detail"]
    assert not Assignment.objects.get(member=world.members["excluded"], application=world.app).assigned


def test_affiliation_with_a_municipality_excludes_the_member_at_once(world):
    response = world.client("staff").post(
        f"{API}panels/{world.panel.pk}/affiliations/",
        {"member": world.members["member"].pk, "kind": "municipality", "municipality": world.app3.lead_id},
        format="json")
    assert response.status_code == 201
    assert Assignment.objects.get(member=world.members["member"], application=world.app3).excluded
    assert world.client("member").get(f"{API}applications/{world.app3.pk}/sheets/").status_code == 404


def test_auto_assign_and_unassign(world):
    staff = world.client("staff")
    response = staff.post(f"{API}panels/{world.panel.pk}/auto-assign/", {"per_application": 2}, format="json")
    assert response.status_code == 200
    assert set(response.data) == {"created", "short"}
    # app and app2 have only two possible scorers; the excluded member is never assigned.
    assert not Assignment.objects.filter(member=world.members["excluded"], application=world.app, assigned=True)
    response = staff.post(f"{API}panels/{world.panel.pk}/auto-assign/", {"per_application": 0}, format="json")
    assert response.status_code == 400 and "per_application" in response.data

    rows = staff.get(f"{API}panels/{world.panel.pk}/assignments/").data["results"]
    excluded_rows = [r for r in rows if r["excluded"]]
    assert {r["application"] for r in excluded_rows} == {world.app.pk, world.app2.pk}
    assert all(r["exclusion_kind"] == "automatic" for r in excluded_rows)

    submitted = Assignment.objects.get(member=world.members["member"], application=world.app)
    response = staff.post(f"{API}assignments/{submitted.pk}/unassign/", {}, format="json")
    assert response.status_code == 400 and "abgegeben" in response.data["detail"]
    assert staff.post(f"{API}assignments/999999/unassign/", {}, format="json").status_code == 404


def test_workload(world):
    rows = world.client("chair").get(f"{API}panels/{world.panel.pk}/workload/").data
    by_member = {r["id"]: r for r in rows}
    assert by_member[world.members["member"].pk]["n_assigned"] == 2
    assert by_member[world.members["member"].pk]["n_done"] == 1
    assert by_member[world.members["excluded"].pk]["n_excluded"] == 2


# ---------------------------------------------------------------- declaring and scoring


def test_member_declares_then_scores_a_draft_then_submits(world):
    partners = [MunicipalityFactory(name="Bad Partnerstadt"), MunicipalityFactory(name="Altpartnerdorf")]
    world.app2.partners.add(*partners)
    shown = [{"id": m.pk, "name": m.name, "kind": m.kind, "official_key": m.official_key}
             for m in sorted(partners, key=lambda m: m.name)]
    member = world.client("member")
    url = f"{API}applications/{world.app2.pk}/"
    assert member.get(url).status_code == 404  # not before the declaration
    assert member.get(f"{url}scores/").status_code == 404

    assignments = member.get(f"{API}assignments/").data["results"]
    row = next(a for a in assignments if a["application"]["id"] == world.app2.pk)
    assert row["declaration"] == "pending" and row["may_score"] is False and row["sheet_state"] is None
    assert row["application"]["partners"] == shown  # prefetched as a list (PARTNERS), in the usual order
    assert next(a for a in assignments if a["application"]["id"] == world.app.pk)["application"]["partners"] == []

    response = member.post(f"{url}declare/", {"conflict": False}, format="json")
    assert response.status_code == 200 and response.data["may_score"] is True
    assert response.data["application"]["partners"] == shown
    again = member.post(f"{url}declare/", {"conflict": False}, format="json")
    assert again.status_code == 400 and "bereits" in again.data["detail"]

    content = member.get(url)
    assert content.status_code == 200
    assert content.data["title"] == world.app2.title and content.data["grant_amount"] == "200000.00"

    c1, c2 = world.criteria
    response = member.put(f"{url}scores/", {"scores": [{"criterion": c1.pk, "value": "3.5", "comment": ""}]},
                          format="json")
    assert response.status_code == 200, response.data
    assert response.data["state"] == "draft" and response.data["editable"] is True
    assert [(s["criterion"], s["value"]) for s in response.data["scores"]] == [(c1.pk, "3.5"), (c2.pk, None)]

    response = member.post(f"{url}scores/submit/", {}, format="json")
    assert response.status_code == 400 and "Kriterium 2" in response.data["detail"]

    response = member.put(f"{url}scores/", {"scores": [{"criterion": c2.pk, "value": 7}]}, format="json")
    assert response.status_code == 400 and response.data["field"] == f"criterion_{c2.pk}"
    response = member.put(f"{url}scores/", {"scores": [{"criterion": c2.pk, "value": "2.3"}]}, format="json")
    assert response.status_code == 400 and response.data["field"] == f"criterion_{c2.pk}"
    response = member.put(f"{url}scores/", {"scores": [{"criterion": c1.pk, "value": "1"},
                                                       {"criterion": c1.pk, "value": "2"}]}, format="json")
    assert response.status_code == 400 and "scores" in response.data
    response = member.put(f"{url}scores/", {"scores": [{"criterion": 999999, "value": "2"}]}, format="json")
    assert response.status_code == 400 and "Unbekanntes" in response.data["detail"]
    assert Score.objects.get(sheet__assignment__application=world.app2, criterion=c1).value == Decimal("3.5")

    response = member.post(f"{url}scores/submit/", {"scores": [{"criterion": c2.pk, "value": "4"}]}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["state"] == "submitted" and response.data["editable"] is False
    assert response.data["submitted_at"] is not None


def test_declared_conflict_excludes_and_needs_a_reason(world):
    member = world.client("member")
    url = f"{API}applications/{world.app2.pk}/"
    response = member.post(f"{url}declare/", {"conflict": True, "reason": " "}, format="json")
    assert response.status_code == 400 and response.data["field"] == "reason"
    assert Assignment.objects.get(member=world.members["member"], application=world.app2).declaration == "pending"

    response = member.post(f"{url}declare/", {"conflict": True, "reason": "Mein Bruder ist Bürgermeister."},
                           format="json")
    assert response.status_code == 200
    assert member.get(url).status_code == 404
    assert member.get(f"{url}sheets/").status_code == 404
    assert AuditEntry.objects.filter(action="jury.excluded", data__member=world.users["member"].email).exists()


def test_frozen_scores_refuse_put_and_change_nothing(world):
    member = world.client("member")
    url = f"{API}applications/{world.app.pk}/scores/"
    before = list(Score.objects.filter(sheet=world.sheet("member")).values_list("criterion_id", "value", "comment"))
    response = member.put(url, {"scores": [{"criterion": world.criteria[0].pk, "value": "1", "comment": "x"}]},
                          format="json")
    assert response.status_code == 400
    assert "eingefroren" in response.data["detail"]
    after = list(Score.objects.filter(sheet=world.sheet("member")).values_list("criterion_id", "value", "comment"))
    assert after == before
    data = member.get(url).data
    assert data["state"] == "submitted" and data["editable"] is False


def test_reopen_is_recorded_in_the_audit_trail_and_unfreezes(world):
    staff, member = world.client("staff"), world.client("member")
    sheet = world.sheet("member")
    response = staff.post(f"{API}sheets/{sheet.pk}/reopen/", {"reason": " "}, format="json")
    assert response.status_code == 400 and response.data["field"] == "reason"
    assert not AuditEntry.objects.filter(action="jury.scores_reopened").exists()

    response = staff.post(f"{API}sheets/{sheet.pk}/reopen/", {"reason": "Bewertung verwechselt"}, format="json")
    assert response.status_code == 200 and response.data["state"] == "reopened"
    entry = AuditEntry.objects.get(action="jury.scores_reopened")
    assert entry.object_id == world.app.pk and entry.reason == "Bewertung verwechselt"
    assert entry.actor == world.users["staff"] and (entry.from_state, entry.to_state) == ("submitted", "reopened")
    assert entry.data["member"] == world.users["member"].email

    again = staff.post(f"{API}sheets/{sheet.pk}/reopen/", {"reason": "nochmal"}, format="json")
    assert again.status_code == 400
    response = member.put(f"{API}applications/{world.app.pk}/scores/",
                          {"scores": [{"criterion": world.criteria[0].pk, "value": "2"}]}, format="json")
    assert response.status_code == 200 and response.data["state"] == "reopened"
    assert staff.post(f"{API}sheets/999999/reopen/", {"reason": "x"}, format="json").status_code == 404


# ---------------------------------------------------------------- exclusion: 404 everywhere


def test_excluded_member_sees_nothing_of_the_application(world):
    excluded = world.client("excluded")
    for suffix in ("", "scores/", "sheets/"):
        response = excluded.get(f"{API}applications/{world.app.pk}/{suffix}")
        assert response.status_code == 404, suffix
    response = excluded.put(f"{API}applications/{world.app.pk}/scores/",
                            {"scores": [{"criterion": world.criteria[0].pk, "value": "1"}]}, format="json")
    assert response.status_code == 404
    assert excluded.post(f"{API}applications/{world.app.pk}/declare/", {"conflict": False},
                         format="json").status_code == 404
    assert world.app.pk not in {a["application"]["id"] for a in excluded.get(f"{API}assignments/").data["results"]}
    # ... but their own, unrelated application is there.
    assert excluded.get(f"{API}applications/{world.app3.pk}/").status_code == 200


def test_ranking_leaves_out_the_rows_of_an_excluded_member_only(world):
    staff_rows = world.client("staff").get(f"{API}panels/{world.panel.pk}/ranking/").data["rows"]
    member_rows = world.client("member").get(f"{API}panels/{world.panel.pk}/ranking/").data["rows"]
    excluded_rows = world.client("excluded").get(f"{API}panels/{world.panel.pk}/ranking/").data["rows"]
    all_ids = {world.app.pk, world.app2.pk, world.app3.pk}
    assert {r["application"] for r in staff_rows} == all_ids
    # Another member's exclusion does not hide the row from this member.
    assert {r["application"] for r in member_rows} == all_ids
    assert {r["application"] for r in excluded_rows} == {world.app3.pk}
    # The remaining row is the same as in the whole list (same place, same outcome, same budget left).
    full = next(r for r in staff_rows if r["application"] == world.app3.pk)
    assert excluded_rows[0] == full


def test_sheets_of_an_application(world):
    staff_sheets = world.client("staff").get(f"{API}applications/{world.app.pk}/sheets/").data
    assert {s["member"] for s in staff_sheets} == {world.members["member"].pk, world.members["chair"].pk}
    assert {s["state"] for s in staff_sheets} == {"submitted"}
    # The chair, declared and with their own sheet submitted, sees the overview; a member never does.
    chair_sheets = world.client("chair").get(f"{API}applications/{world.app.pk}/sheets/").data
    assert {s["member"] for s in chair_sheets} == {world.members["member"].pk, world.members["chair"].pk}
    assert world.client("member").get(f"{API}applications/{world.app.pk}/sheets/").status_code == 404
    # Reopened, the chair's own sheet is no longer submitted: no one else's scores until it is again.
    services.reopen_scores(actor=world.users["staff"], sheet_id=world.sheet("chair").pk, reason="Nachtrag")
    assert world.client("chair").get(f"{API}applications/{world.app.pk}/sheets/").status_code == 404
    assert len(world.client("staff").get(f"{API}applications/{world.app.pk}/sheets/").data) == 2
    # The chair has not declared for app3: the excluded member's submitted sheet stays hidden from them.
    assert world.client("chair").get(f"{API}applications/{world.app3.pk}/sheets/").status_code == 404
    app3 = world.client("staff").get(f"{API}applications/{world.app3.pk}/sheets/").data
    assert [s["member"] for s in app3] == [world.members["excluded"].pk]
    assert [sc["value"] for sc in app3[0]["scores"]] == ["5.0", "5.0"]


# ---------------------------------------------------------------- ranking


def test_ranking_shape_and_money_as_strings(world):
    data = world.client("member").get(f"{API}panels/{world.panel.pk}/ranking/").data
    assert data["budget"] == "400000.00" and data["what_if"] is False
    assert data["committed"] == "400000.00"  # app3 (100k) and app (300k)
    rows = {r["application"]: r for r in data["rows"]}
    top = rows[world.app3.pk]
    assert top["position"] == 1 and top["outcome"] == "recommended" and top["total"] == "5.0000"
    assert top["grant"] == "100000.00" and top["budget_left"] == "300000.00"
    assert top["grant_by_year"] == [{"year": 2027, "amount": "100000.00"}]
    assert [m["criterion"] for m in top["means"]] == [c.pk for c in world.criteria]
    app = rows[world.app.pk]
    assert app["position"] == 2 and app["spread"] == "1.0000" and app["n_scores"] == 2
    assert app["means"][0]["mean"] == "3.5000" and app["too_few"] is False
    assert app["case_number"] == world.app.case_number and app["lead"]["id"] == world.app.lead_id
    unscored = rows[world.app2.pk]
    assert unscored["position"] is None and unscored["outcome"] == "not_recommended" and unscored["total"] is None
    assert unscored["explanation"].startswith("Nicht empfohlen")


def test_what_if_changes_nothing(world):
    staff = world.client("staff")
    before = (AuditEntry.objects.count(), Decision.objects.count(), Session.objects.count(),
              list(Application.objects.order_by("pk").values_list("state", "updated_at")),
              world.panel.call.total_budget)
    response = staff.get(f"{API}panels/{world.panel.pk}/ranking/", {"budget": "100000.00"})
    assert response.status_code == 200
    assert response.data["what_if"] is True and response.data["budget"] == "100000.00"
    rows = {r["application"]: r["outcome"] for r in response.data["rows"]}
    assert rows[world.app3.pk] == "recommended" and rows[world.app.pk] == "reserve"
    world.panel.call.refresh_from_db()
    after = (AuditEntry.objects.count(), Decision.objects.count(), Session.objects.count(),
             list(Application.objects.order_by("pk").values_list("state", "updated_at")),
             world.panel.call.total_budget)
    assert after == before
    normal = staff.get(f"{API}panels/{world.panel.pk}/ranking/").data
    assert normal["budget"] == "400000.00" and normal["what_if"] is False

    for bad in ("abc", "-1", "NaN", "1.234", "1" * 20):
        response = staff.get(f"{API}panels/{world.panel.pk}/ranking/", {"budget": bad})
        assert response.status_code == 400 and "budget" in response.data, bad


# ---------------------------------------------------------------- session


def test_chair_deviation_needs_a_justification(world):
    chair = world.client("chair")
    session = chair.post(f"{API}panels/{world.panel.pk}/sessions/", {"held_on": "2027-06-01"}, format="json").data
    assert session["state"] == "open"
    again = chair.post(f"{API}panels/{world.panel.pk}/sessions/", {"held_on": "2027-06-02"}, format="json")
    assert again.status_code == 200 and again.data["id"] == session["id"]
    url = f"{API}sessions/{session['id']}/decisions/"

    response = chair.post(url, {"application": world.app.pk, "outcome": "reserve"}, format="json")
    assert response.status_code == 400 and response.data["field"] == "justification"
    assert not Decision.objects.exists()

    response = chair.post(url, {"application": world.app.pk, "outcome": "reserve",
                                "justification": "Ausgewogenes Portfolio der Regionen"}, format="json")
    assert response.status_code == 200 and response.data["decisions_count"] == 1
    decision = chair.get(response.data["decisions_url"]).data["results"][0]
    assert (decision["computed"], decision["outcome"], decision["deviates"]) == ("recommended", "reserve", True)

    response = chair.post(url, {"application": world.app2.pk, "outcome": "maybe"}, format="json")
    assert response.status_code == 400 and "outcome" in response.data
    response = chair.post(url, {"application": 999999, "outcome": "reserve"}, format="json")
    assert response.status_code == 404 and "detail" in response.data


def test_close_moves_application_states_and_freezes_scores(world, django_capture_on_commit_callbacks):
    chair = world.client("chair")
    session = Session.objects.create(panel=world.panel, held_on=dt.date(2027, 6, 1))
    chair.post(f"{API}sessions/{session.pk}/decisions/", {"application": world.app.pk, "outcome": "reserve",
                                                          "justification": "Portfolio"}, format="json")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = chair.post(f"{API}sessions/{session.pk}/close/", {"notes": "Einstimmig."}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["state"] == "closed" and response.data["notes"] == "Einstimmig."
    assert len(callbacks) >= 1  # the documents are rendered after the commit
    states = dict(Application.objects.filter(call=world.panel.call).values_list("pk", "state"))
    assert states == {world.app.pk: S.RESERVE, world.app2.pk: S.NOT_RECOMMENDED, world.app3.pk: S.RECOMMENDED}
    assert all(ScoreSheet.objects.filter(assignment__member__panel=world.panel).values_list("final", flat=True))

    again = chair.post(f"{API}sessions/{session.pk}/close/", {}, format="json")
    assert again.status_code == 400 and "bereits" in again.data["detail"]
    response = chair.post(f"{API}sessions/{session.pk}/decisions/",
                          {"application": world.app3.pk, "outcome": "recommended"}, format="json")
    assert response.status_code == 400
    response = world.client("member").put(f"{API}applications/{world.app.pk}/scores/", {"scores": []}, format="json")
    assert response.status_code == 400


def test_session_hides_the_excluded_members_decisions_and_documents(world):
    session = _document(world)
    Decision.objects.create(session=session, application=world.app, computed=DecisionOutcome.RECOMMENDED,
                            outcome=DecisionOutcome.RECOMMENDED, decided_by=world.users["chair"])
    Decision.objects.create(session=session, application=world.app3, computed=DecisionOutcome.RECOMMENDED,
                            outcome=DecisionOutcome.RECOMMENDED, decided_by=world.users["chair"])
    excluded = world.client("excluded").get(f"{API}sessions/{session.pk}/").data
    decisions = world.client("excluded").get(excluded["decisions_url"]).data
    assert excluded["decisions_count"] == 1 and [d["application"] for d in decisions["results"]] == [world.app3.pk]
    assert excluded["documents"] == []
    chair = world.client("chair").get(f"{API}sessions/{session.pk}/").data
    decisions = world.client("chair").get(chair["decisions_url"]).data
    assert decisions["count"] == 2 and {d["application"] for d in decisions["results"]} == {world.app.pk,
                                                                                           world.app3.pk}
    assert len(world.client("member").get(f"{API}sessions/{session.pk}/").data["documents"]) == 1
    document = chair["documents"][0]
    assert document["kind"] == "ranking_csv"
    assert document["download_url"].endswith(f"/api/v1/jury/sessions/{session.pk}/documents/ranking_csv/")

    response = world.client("chair").get(document["download_url"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content) == b"Platz;Aktenzeichen\n"
    missing = world.client("chair").get(f"{API}sessions/{session.pk}/documents/minutes_pdf/")
    assert missing.status_code == 404
    assert world.client("chair").get(f"{API}sessions/{session.pk}/documents/nonsense/").status_code == 404
    decision = world.client("excluded").post(f"{API}sessions/{session.pk}/decisions/",
                                             {"application": world.app.pk, "outcome": "reserve"}, format="json")
    assert decision.status_code == 403


# ---------------------------------------------------------------- query counts


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, getattr(response, "data", None)
    return len(ctx.captured_queries)


def _grow(world, n):
    """n more applications, each with two submitted sheets of new members and a decision."""
    session = Session.objects.filter(panel=world.panel).first() or _session(world)
    for i in range(n):
        partner = MunicipalityFactory()
        app = application_in_evaluation(world.panel.call, grant="100000.00", partners=[partner],
                                        years={2027: "1", 2028: "1"})
        score(world.panel, app, [[3, 4], [4, 5]])
        _assign(world.members["member"], app)
        Assignment.objects.create(member=world.members["excluded"], application=app, excluded=True,
                                  exclusion_kind="declared", exclusion_reason="befangen",
                                  declaration=Declaration.CONFLICT)
        Affiliation.objects.create(member=world.members["chair"], kind=AffiliationKind.OTHER, organisation=f"V{i}")
        Decision.objects.create(session=session, application=app, computed=DecisionOutcome.RESERVE,
                                outcome=DecisionOutcome.RESERVE, decided_by=world.users["chair"])
    for _ in range(n):
        evaluated_call()[1].members.create(user=world.users["member"])
    for kind in SessionDocument.Kind.values:
        if not session.documents.filter(kind=kind).exists():
            document = SessionDocument(session=session, kind=kind, sha256="0" * 64)
            document.file.save(f"x.{document.extension}", ContentFile(b"x"), save=True)
    return session


QUERY_URLS = [
    ("member", lambda w, s: f"{API}panels/"),
    ("staff", lambda w, s: f"{API}panels/"),
    ("member", lambda w, s: f"{API}panels/{w.panel.pk}/"),
    ("member", lambda w, s: f"{API}assignments/"),
    ("staff", lambda w, s: f"{API}panels/{w.panel.pk}/assignments/"),
    ("staff", lambda w, s: f"{API}panels/{w.panel.pk}/workload/"),
    ("staff", lambda w, s: f"{API}panels/{w.panel.pk}/ranking/"),
    ("staff", lambda w, s: f"{API}panels/{w.panel.pk}/ranking/?budget=250000"),
    ("member", lambda w, s: f"{API}panels/{w.panel.pk}/ranking/"),
    ("excluded", lambda w, s: f"{API}panels/{w.panel.pk}/ranking/"),
    ("chair", lambda w, s: f"{API}applications/{w.app.pk}/sheets/"),
    ("staff", lambda w, s: f"{API}applications/{w.app.pk}/sheets/"),
    ("chair", lambda w, s: f"{API}sessions/{s.pk}/"),
    ("excluded", lambda w, s: f"{API}sessions/{s.pk}/"),
    ("chair", lambda w, s: f"{API}sessions/{s.pk}/decisions/"),
    ("member", lambda w, s: f"{API}panels/{w.panel.pk}/sessions/"),
]


@pytest.mark.parametrize(("role", "make_url"), QUERY_URLS, ids=[
    "panels-member", "panels-staff", "panel-detail", "own-assignments", "panel-assignments", "workload",
    "ranking-staff", "ranking-what-if", "ranking-member", "ranking-excluded", "sheets-chair", "sheets-staff",
    "session-chair", "session-excluded", "session-decisions", "sessions"])
def test_query_count_does_not_grow_with_rows(world, role, make_url):
    session = _grow(world, 1)
    url = make_url(world, session)
    client = world.client(role)
    _queries(client, url)  # warm up the per-user caches (roles, TOTP)
    cache.clear()  # both counts of a computed ranking, not one of them from the cache (jury.ranking)
    few = _queries(client, url)
    _grow(world, 8)
    # More sheets on the same application, too.
    for _ in range(5):
        user = UserFactory(roles=["jury"])
        member = PanelMember.objects.create(panel=world.panel, user=user)
        _assign(member, world.app)
        _submit(user, world.app, [2, 3], world.criteria)
    cache.clear()
    many = _queries(client, url)
    assert many <= few, (url, few, many)


# ---------------------------------------------------------------- schema


def staff_schema_client() -> APIClient:
    from tests.factories import staff_user

    client = APIClient()
    client.force_login(staff_user("case_worker"))
    return client


def test_schema_lists_the_jury_endpoints(db):
    response = staff_schema_client().get("/api/schema/")
    assert response.status_code == 200
    paths = yaml.safe_load(response.content)["paths"]
    for path, methods in {
        "/api/v1/jury/panels/": {"get"},
        "/api/v1/jury/panels/{id}/ranking/": {"get"},
        "/api/v1/jury/panels/{id}/sessions/": {"get", "post"},
        "/api/v1/jury/applications/{id}/scores/": {"get", "put"},
        "/api/v1/jury/applications/{id}/scores/submit/": {"post"},
        "/api/v1/jury/sheets/{id}/reopen/": {"post"},
        "/api/v1/jury/sessions/{id}/documents/{kind}/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    ranking = yaml.safe_load(response.content)["components"]["schemas"]["RankingRow"]["properties"]
    assert ranking["grant"]["type"] == "string" and ranking["grant"]["format"] == "decimal"


def test_ranking_rows_come_one_page_at_a_time_with_the_budget_line(world, monkeypatch):
    """The rows are paginated like every list (page, count/next/previous); cutoff names the last
    recommended row and the page it is on, whatever page is asked for."""
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 1)
    staff = world.client("staff")
    url = f"{API}panels/{world.panel.pk}/ranking/"
    full = _all_rows(staff, url)
    first = staff.get(url).data
    assert first["count"] == len(full) >= 2 and len(first["rows"]) == 1 and first["previous"] is None
    assert first["next"].endswith("page=2")
    recommended = [i for i, r in enumerate(full) if r["outcome"] == "recommended"]
    last = full[recommended[-1]]
    assert first["cutoff"] == {"position": last["position"], "application": last["application"],
                               "case_number": last["case_number"], "page": recommended[-1] + 1}
    assert staff.get(url, {"page": str(len(full))}).data["cutoff"] == first["cutoff"]
    assert staff.get(url, {"page": str(len(full) + 1)}).status_code == 404


def _all_rows(client, url):
    rows, page = [], client.get(url).data
    while True:
        rows += page["rows"]
        if not page["next"]:
            return rows
        page = client.get(page["next"]).data


def test_own_assignments_answer_state_and_search_as_the_workspace(world):
    """`?state=open|submitted` and `?search=` narrow a member's own assignments (selectors.narrow_assignments)."""
    member = world.client("member")

    def ids(**params):
        response = member.get(f"{API}assignments/", params)
        assert response.status_code == 200, response.data
        return {a["application"]["id"] for a in response.data["results"]}

    assert ids() == {world.app.pk, world.app2.pk}
    assert ids(state="open") == {world.app2.pk} and ids(state="submitted") == {world.app.pk}
    assert ids(search=world.app2.case_number) == {world.app2.pk}
    assert ids(search=world.app3.case_number) == set()  # another member's: not found
    assert ids(state="submitted", search=world.app2.case_number) == set()
    for bad in ({"state": "offen"}, {"search": "x" * 201}):
        response = member.get(f"{API}assignments/", bad)
        assert response.status_code == 400 and set(response.data) == set(bad)


def test_panel_assignments_answer_member_and_search_as_the_panel_page(world):
    """The staff's rows member × application, narrowed as the panel's page narrows its applications: one member
    (`?member=`, a member of this panel only) and a text (`?search=`)."""
    staff = world.client("staff")
    url = f"{API}panels/{world.panel.pk}/assignments/"

    def rows(**params):
        response = staff.get(url, params)
        assert response.status_code == 200, response.data
        return {(r["member"], r["application"]) for r in response.data["results"]}

    everything = rows()
    mine = rows(member=world.members["member"].pk)
    assert mine == {r for r in everything if r[0] == world.members["member"].pk} and len(mine) == 2
    assert rows(search=world.app3.case_number) == {r for r in everything if r[1] == world.app3.pk} != set()
    assert rows(member=world.members["member"].pk, search=world.app3.case_number) == set()
    for bad in ({"member": world.members["other"].pk}, {"member": "x"}, {"search": "x" * 201}):
        response = staff.get(url, bad)
        assert response.status_code == 400 and set(response.data) == set(bad)
