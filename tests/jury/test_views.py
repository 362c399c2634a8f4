"""The jury's pages: roles and exclusions, declaration, scoring, panel management, ranking, session."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from applications.enums import ApplicationState as S
from applications.models import Application
from audit.models import AuditEntry
from foundation.exports import CONTENT_TYPES
from jury.enums import AffiliationKind, Declaration, ExclusionKind, SheetState
from jury.models import Affiliation, Assignment, Decision, Panel, Score, ScoreSheet, Session
from jury.services import sync_exclusions
from tests.factories import CallFactory, MunicipalityFactory, UserFactory, member_of, staff_user
from tests.jury.factories import add_member, application_in_evaluation, assign, evaluated_call, score, scored_call

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def criteria_of(call):
    return list(call.program.criteria.order_by("order"))


def score_data(call, values, comments=None, action="draft", confirm=False):
    data = {"action": action}
    for i, c in enumerate(criteria_of(call)):
        data[f"criterion_{c.pk}"] = values[i]
        data[f"comment_{c.pk}"] = (comments or {}).get(i, "")
    if confirm:
        data["confirm"] = "on"
    return data


def stored(member, app):
    sheet = ScoreSheet.objects.filter(assignment__member=member, assignment__application=app).first()
    if sheet is None:
        return None, {}
    return sheet.state, {s.criterion.order: (s.value, s.comment) for s in sheet.scores.select_related("criterion")}


@pytest.fixture
def jury(db):
    """A call in evaluation with a chair, a member and two applications; an excluded member."""
    call, panel = evaluated_call(budget="500000.00", min_scorers=1)
    chair = add_member(panel)
    panel.chair = chair.user
    panel.save()
    member = add_member(panel)
    first = application_in_evaluation(call, grant="300000.00")
    second = application_in_evaluation(call, grant="200000.00")
    first.summary = "Geheimer Inhalt des Antrags"
    first.save()
    excluded = add_member(panel)
    Affiliation.objects.create(member=excluded, kind=AffiliationKind.MUNICIPALITY, municipality=first.lead)
    sync_exclusions(actor=None, panel=panel)
    return {"call": call, "panel": panel, "chair": chair, "member": member, "excluded": excluded,
            "first": first, "second": second}


# ---------------------------------------------------------------- workspace


def test_workspace_lists_assignments_with_status_and_counts(client, jury):
    member, first, second = jury["member"], jury["first"], jury["second"]
    third = application_in_evaluation(jury["call"], grant="100000.00")
    fourth = application_in_evaluation(jury["call"], grant="100000.00")
    assign(member, first, declared=False)
    assign(member, second)
    assign(member, third)
    assign(member, fourth)
    sheet = ScoreSheet.objects.create(assignment=Assignment.objects.get(member=member, application=third))
    ScoreSheet.objects.create(assignment=Assignment.objects.get(member=member, application=fourth),
                              state=SheetState.SUBMITTED)
    html = login(client, member.user).get(reverse("jury:workspace")).content.decode()
    assert "1 abgegeben, 3 offen" in html
    for label in ("Erklärung ausstehend", "zu bewerten", "Entwurf gespeichert", "abgegeben"):
        assert label in html
    assert reverse("jury:declare", args=[first.pk]) in html and reverse("jury:score", args=[second.pk]) in html
    assert sheet.state == SheetState.DRAFT


def test_workspace_searches_and_shows_the_open_or_the_submitted_as_its_counts_count_them(client, jury):
    """A member with many assignments finds the open ones (what "N offen" counts) or one application by its case
    number, title or municipality; a filter that is not valid is shown at its field and changes nothing."""
    import datetime as dt

    from jury.enums import SessionState

    member, call = jury["member"], jury["call"]
    apps = [jury["first"], jury["second"], *(application_in_evaluation(call, grant="100000.00") for _ in range(2))]
    for i, app in enumerate(apps):
        assign(member, app, declared=i != 0)
    ScoreSheet.objects.create(assignment=Assignment.objects.get(member=member, application=apps[2]))
    ScoreSheet.objects.create(assignment=Assignment.objects.get(member=member, application=apps[3]),
                              state=SheetState.SUBMITTED)
    c = login(client, member.user)
    url = reverse("jury:workspace")

    def shown(**params):
        html = c.get(url, params).content.decode()
        return html, {a.pk for a in apps if f">{a.case_number}</th>" in html}

    html, found = shown()
    assert "1 abgegeben, 3 offen" in html and found == {a.pk for a in apps} and "4 Anträge" in html
    html, found = shown(zeigen="offen")
    assert found == {apps[0].pk, apps[1].pk, apps[2].pk} and "3 Anträge" in html and "Filter zurücksetzen" in html
    assert shown(zeigen="abgegeben")[1] == {apps[3].pk}
    assert shown(q=apps[1].case_number)[1] == {apps[1].pk}
    assert shown(q=apps[2].lead.name, zeigen="offen")[1] == {apps[2].pk}
    html, found = shown(q=apps[3].case_number, zeigen="offen")
    assert found == set() and "Keine Anträge für diese Auswahl." in html
    html, found = shown(zeigen="alles")
    assert found == {a.pk for a in apps} and 'id="id_zeigen_error"' in html
    # paging alone is no filter: no reset link
    assert "Filter zurücksetzen" not in shown(seite="1")[0]
    # a closed session ends the evaluation: nothing is open any more, as the count says
    Session.objects.create(panel=jury["panel"], state=SessionState.CLOSED, held_on=dt.date(2027, 3, 1))
    html, found = shown(zeigen="offen")
    assert "1 abgegeben, 0 offen" in html and found == set()
    assert shown(zeigen="abgegeben")[1] == {apps[3].pk}


def test_workspace_is_for_jury_members_and_staff(client, jury):
    assert login(client, member_of(MunicipalityFactory())).get(reverse("jury:workspace")).status_code == 403
    staff = login(client, staff_user()).get(reverse("jury:workspace"))
    assert staff.status_code == 200 and reverse("jury:panel", args=[jury["call"].pk]) in staff.content.decode()


@pytest.mark.parametrize("n", [1, 12])
def test_workspace_query_count_does_not_grow(client, jury, django_assert_max_num_queries, n):
    member = jury["member"]
    for _ in range(n):
        app = application_in_evaluation(jury["call"], grant="100000.00")
        assignment = assign(member, app)
        ScoreSheet.objects.create(assignment=assignment)
    c = login(client, member.user)
    # 8: asking for a permission by name reads the user's model permissions once (ModelBackend), and the
    # session's second-factor check asks whether the user has TOTP (accounts.mfa); +1: the menu asks
    # whether a jury member also acts for a municipality (accounts.rules.is_municipality_member); +2: the
    # counts per panel and the count of the paginated list (foundation.paging).
    with django_assert_max_num_queries(11):
        assert c.get(reverse("jury:workspace")).status_code == 200


# ---------------------------------------------------------------- declaration


def test_declaration_shows_names_only_and_no_conflict_leads_to_scores(client, jury):
    member, first = jury["member"], jury["first"]
    partner = MunicipalityFactory(name="Partnerstadt Beispiel")
    first.partners.add(partner)
    assign(member, first, declared=False)
    c = login(client, member.user)
    assert c.get(reverse("jury:score", args=[first.pk])).url == reverse("jury:declare", args=[first.pk])
    html = c.get(reverse("jury:declare", args=[first.pk])).content.decode()
    assert first.title in html and first.case_number in html and first.lead.name in html
    assert "Partnerstadt Beispiel" in html and "Geheimer Inhalt" not in html
    response = c.post(reverse("jury:declare", args=[first.pk]), {"decision": "no_conflict"})
    assert response.url == reverse("jury:score", args=[first.pk])
    assert Assignment.objects.get(member=member, application=first).declaration == Declaration.NO_CONFLICT
    assert "Geheimer Inhalt" in c.get(reverse("jury:score", args=[first.pk])).content.decode()
    # Declared: the declaration page forwards to the scores.
    assert c.get(reverse("jury:declare", args=[first.pk])).url == reverse("jury:score", args=[first.pk])


def test_declaring_a_conflict_needs_a_reason_then_excludes(client, jury):
    member, first = jury["member"], jury["first"]
    assign(member, first, declared=False)
    c = login(client, member.user)
    url = reverse("jury:declare", args=[first.pk])
    response = c.post(url, {"decision": "conflict", "reason": "  "})
    assert response.status_code == 400 and "Bitte begründen Sie die Befangenheit." in response.content.decode()
    assert Assignment.objects.get(member=member, application=first).declaration == Declaration.PENDING
    response = c.post(url, {"decision": "conflict", "reason": "Ich bin mit dem Bürgermeister verwandt."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("jury:workspace")
    assert "für befangen erklärt" in response.content.decode()
    assignment = Assignment.objects.get(member=member, application=first)
    assert assignment.excluded and assignment.exclusion_kind == ExclusionKind.DECLARED and not assignment.assigned
    assert c.get(reverse("jury:score", args=[first.pk])).status_code == 404
    assert c.get(url).status_code == 404


def test_missing_choice_is_a_form_error(client, jury):
    assign(jury["member"], jury["first"], declared=False)
    response = login(client, jury["member"].user).post(reverse("jury:declare", args=[jury["first"].pk]), {})
    assert response.status_code == 400 and "Bitte wählen Sie eine der beiden Erklärungen." in response.content.decode()


@pytest.mark.parametrize("who", ["excluded", "other_panel", "applicant", "unassigned", "staff"])
def test_score_and_declaration_pages_are_404_for_others(client, jury, who):
    first = jury["first"]
    assign(jury["member"], first)
    other_call, other_panel = evaluated_call()
    user = {
        "excluded": lambda: jury["excluded"].user,
        "other_panel": lambda: assign(add_member(other_panel), application_in_evaluation(
            other_call, grant="100000.00")).member.user,
        "applicant": lambda: member_of(first.lead),
        "unassigned": lambda: jury["chair"].user,
        "staff": lambda: staff_user(),
    }[who]()
    c = login(client, user)
    assert c.get(reverse("jury:score", args=[first.pk])).status_code == 404
    assert c.get(reverse("jury:declare", args=[first.pk])).status_code == 404
    assert c.post(reverse("jury:score", args=[first.pk]), score_data(jury["call"], ["3.0", "3.0"])).status_code == 404


# ---------------------------------------------------------------- scoring


def test_criteria_are_shown_with_allowed_steps_weight_and_threshold(client, jury):
    call = jury["call"]
    c1 = criteria_of(call)[0]
    c1.description = "Wie neu ist der Ansatz?"
    c1.threshold = Decimal("2.0")
    c1.save()
    assign(jury["member"], jury["first"])
    html = login(client, jury["member"].user).get(reverse("jury:score", args=[jury["first"].pk])).content.decode()
    assert "Wie neu ist der Ansatz?" in html and "Schwelle 2" in html and "Gewicht 1" in html
    assert '<option value="0.5">0,5</option>' in html and '<option value="5.0">5</option>' in html
    assert '<option value="5.5">' not in html
    assert "Endgültig abgeben" in html and "eingefroren" in html


def test_draft_keeps_values_and_submission_freezes_them(client, jury):
    call, member, first = jury["call"], jury["member"], jury["first"]
    assign(member, first)
    c = login(client, member.user)
    url = reverse("jury:score", args=[first.pk])
    response = c.post(url, score_data(call, ["4.5", ""], {0: "Gut"}))
    assert response.url == url
    assert stored(member, first) == (SheetState.DRAFT, {1: (Decimal("4.5"), "Gut")} | {2: (None, "")})
    html = c.get(url).content.decode()
    assert '<option value="4.5" selected>' in html

    # Submitting needs the confirmation; without it nothing changes.
    response = c.post(url, score_data(call, ["4.5", "3.0"], {0: "Gut"}, action="submit"))
    assert response.status_code == 400 and "Bitte bestätigen Sie" in response.content.decode()
    assert stored(member, first)[1][2] == (None, "")

    response = c.post(url, score_data(call, ["4.5", "3.0"], {0: "Gut"}, action="submit", confirm=True))
    assert response.url == url
    frozen = stored(member, first)
    assert frozen[0] == SheetState.SUBMITTED and frozen[1][2] == (Decimal("3.0"), "")
    html = c.get(url).content.decode()
    assert "Ihre abgegebenen Punkte" in html and "<select" not in html

    response = c.post(url, score_data(call, ["1.0", "1.0"], {0: "anders", 1: "anders"}))
    assert response.status_code == 400
    assert "Ihre Bewertung ist abgegeben und damit eingefroren." in response.content.decode()
    assert stored(member, first) == frozen


def test_low_score_without_comment_is_refused_and_changes_nothing(client, jury):
    call, member, first = jury["call"], jury["member"], jury["first"]
    assign(member, first)
    c = login(client, member.user)
    url = reverse("jury:score", args=[first.pk])
    c.post(url, score_data(call, ["3.0", "3.0"]))
    response = c.post(url, score_data(call, ["1.0", "3.0"], action="submit", confirm=True))
    assert response.status_code == 400
    assert "Eine niedrige Bewertung braucht einen Kommentar: Kriterium 1." in response.content.decode()
    assert stored(member, first) == (SheetState.DRAFT, {1: (Decimal("3.0"), ""), 2: (Decimal("3.0"), "")})
    # A saved low score without comment is flagged on the page.
    c.post(url, score_data(call, ["1.0", "3.0"]))
    assert "Kommentar erforderlich" in c.get(url).content.decode()
    response = c.post(url, score_data(call, ["1.0", "3.0"], {0: "Kaum übertragbar"}, action="submit", confirm=True))
    assert response.status_code == 302 and stored(member, first)[0] == SheetState.SUBMITTED


def test_value_outside_the_steps_is_a_form_error(client, jury):
    assign(jury["member"], jury["first"])
    url = reverse("jury:score", args=[jury["first"].pk])
    response = login(client, jury["member"].user).post(url, score_data(jury["call"], ["7", "0.3"]))
    assert response.status_code == 400
    assert stored(jury["member"], jury["first"]) == (None, {})


def test_save_and_next_goes_to_the_next_open_application(client, jury):
    call, member = jury["call"], jury["member"]
    apps = [jury["first"], jury["second"], application_in_evaluation(call, grant="100000.00"),
            application_in_evaluation(call, grant="100000.00")]
    apps.sort(key=lambda a: a.case_number)
    for app in apps[:3]:
        assign(member, app)
    assign(member, apps[3], declared=False)
    done = Assignment.objects.get(member=member, application=apps[1])
    ScoreSheet.objects.create(assignment=done, state=SheetState.SUBMITTED)
    c = login(client, member.user)
    response = c.post(reverse("jury:score", args=[apps[0].pk]), score_data(call, ["3.0", ""], action="next"))
    assert response.url == reverse("jury:score", args=[apps[2].pk])  # skips the submitted one
    assert stored(member, apps[0])[1][1] == (Decimal("3.0"), "")
    response = c.post(reverse("jury:score", args=[apps[2].pk]), score_data(call, ["2.5", ""], action="next"))
    assert response.url == reverse("jury:declare", args=[apps[3].pk])  # the next one awaits the declaration
    Assignment.objects.filter(member=member, application=apps[3]).update(declaration=Declaration.NO_CONFLICT)
    response = c.post(reverse("jury:score", args=[apps[3].pk]), score_data(call, ["2.5", ""], action="next"))
    assert response.url == reverse("jury:score", args=[apps[0].pk])  # wraps around to the first open one


# ---------------------------------------------------------------- panel page (case workers)


@pytest.mark.parametrize(("who", "status"), [("case_worker", 200), ("approver", 200), ("chair", 403),
                                             ("applicant", 403)])
def test_panel_page_is_for_staff(client, jury, who, status):
    user = {"case_worker": lambda: staff_user(), "approver": lambda: staff_user("approver"),
            "chair": lambda: jury["chair"].user, "applicant": lambda: member_of(jury["first"].lead)}[who]()
    response = login(client, user).get(reverse("jury:panel", args=[jury["call"].pk]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Zugehörigkeit zu einer beteiligten Kommune" in html  # the automatic exclusion, with its kind
        assert ("Bewertung starten" in html) is (who == "case_worker")


@pytest.mark.parametrize("role", ["case_worker", "admin"])
def test_links_into_the_administration_only_for_those_who_may_use_it(client, jury, role):
    """A case worker manages the panel's work, the administration its members and rules: a case worker is told so
    instead of being sent to the admin, which would refuse them."""
    user = staff_user(role, is_staff=role == "admin", is_superuser=role == "admin")
    c = login(client, user)
    panel_page = c.get(reverse("jury:panel", args=[jury["call"].pk])).content.decode()
    workspace = c.get(reverse("jury:workspace")).content.decode()
    admin_links = [reverse("admin:jury_panel_change", args=[jury["panel"].pk]), reverse("admin:jury_panel_add"),
                   reverse("admin:jury_panelmember_changelist")]
    shown = [link for link in admin_links if link in panel_page + workspace]
    if role == "admin":
        assert shown == admin_links
        assert all(c.get(link).status_code == 200 for link in admin_links)
    else:
        assert shown == []
        assert all(c.get(link, follow=True).status_code == 403 for link in admin_links)  # why they are not offered
        assert "pflegt die Administration in der Verwaltung" in panel_page
        assert "legt die Administration in der Verwaltung an" in workspace


def test_panel_page_is_404_without_panel(client):
    call = CallFactory()
    assert login(client, staff_user()).get(reverse("jury:panel", args=[call.pk])).status_code == 404


def test_start_evaluation_and_assignments(client, jury):
    call, panel, member, first, second = jury["call"], jury["panel"], jury["member"], jury["first"], jury["second"]
    eligible = application_in_evaluation(call, grant="100000.00")
    Application.objects.filter(pk=eligible.pk).update(state=S.ELIGIBLE)
    staff = staff_user()
    c = login(client, staff)
    response = c.post(reverse("jury:panel-start", args=[call.pk]), follow=True)
    assert "1 Antrag ist jetzt in der Bewertung der Jury." in response.content.decode()
    eligible.refresh_from_db()
    assert eligible.state == S.IN_EVALUATION

    # Manual assignment of the excluded member is refused with the service's message.
    response = c.post(reverse("jury:panel-assign", args=[call.pk]),
                      {"member": jury["excluded"].pk, "application": first.case_number}, follow=True)
    assert "ist von diesem Antrag ausgeschlossen" in response.content.decode()
    assert not Assignment.objects.filter(member=jury["excluded"], application=first, assigned=True).exists()
    response = c.post(reverse("jury:panel-assign", args=[call.pk]),
                      {"member": member.pk, "application": first.case_number}, follow=True)
    assert Assignment.objects.get(member=member, application=first).assigned

    # Automatic assignment: three scorers wanted, the first application has only two possible ones.
    response = c.post(reverse("jury:panel-auto-assign", args=[call.pk]), {"per_application": "3"}, follow=True)
    html = response.content.decode()
    assert "Zuweisungen angelegt." in html and "Zu wenige mögliche Bewertende" in html and first.case_number in html
    assert not Assignment.objects.filter(member=jury["excluded"], application=first, assigned=True).exists()
    assert Assignment.objects.filter(application=second, assigned=True).count() == 3

    # Un-assignment.
    assignment = Assignment.objects.get(member=member, application=second)
    c.post(reverse("jury:panel-unassign", args=[call.pk, assignment.pk]))
    assignment.refresh_from_db()
    assert not assignment.assigned
    assert panel.pk == Panel.objects.get(call=call).pk


def test_bad_auto_assign_number_is_refused(client, jury):
    c = login(client, staff_user())
    response = c.post(reverse("jury:panel-auto-assign", args=[jury["call"].pk]), {"per_application": "0"},
                      follow=True)
    assert "Bitte geben Sie eine Zahl zwischen 1 und 50 an." in response.content.decode()
    assert not Assignment.objects.filter(assigned=True).exists()


def test_panel_actions_are_forbidden_for_non_case_workers(client, jury):
    for user in (staff_user("approver"), jury["chair"].user):
        response = login(client, user).post(reverse("jury:panel-auto-assign", args=[jury["call"].pk]),
                                            {"per_application": "1"})
        assert response.status_code == 403
    assert not Assignment.objects.filter(assigned=True).exists()


def test_reopen_needs_a_reason(client, jury):
    member, first = jury["member"], jury["first"]
    sheet = ScoreSheet.objects.create(assignment=assign(member, first), state=SheetState.SUBMITTED)
    c = login(client, staff_user())
    url = reverse("jury:panel-reopen", args=[jury["call"].pk, sheet.pk])
    response = c.post(url, {"reason": ""}, follow=True)
    assert "Bitte begründen Sie" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.state == SheetState.SUBMITTED
    c.post(url, {"reason": "Tippfehler in Kriterium 2"})
    sheet.refresh_from_db()
    assert sheet.state == SheetState.REOPENED
    assert AuditEntry.objects.filter(action="jury.scores_reopened", reason="Tippfehler in Kriterium 2").exists()


def test_reopen_of_another_panels_sheet_is_404(client, jury):
    other_call, other_panel = evaluated_call()
    app = application_in_evaluation(other_call, grant="100000.00")
    sheet = ScoreSheet.objects.create(assignment=assign(add_member(other_panel), app), state=SheetState.SUBMITTED)
    response = login(client, staff_user()).post(reverse("jury:panel-reopen", args=[jury["call"].pk, sheet.pk]),
                                                {"reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("n", [1, 10])
def test_panel_page_query_count_does_not_grow(client, django_assert_max_num_queries, n):
    call, panel = evaluated_call(min_scorers=1)
    members = [add_member(panel) for _ in range(3)]
    for _ in range(n):
        app = application_in_evaluation(call, grant="100000.00")
        for m in members[:2]:
            ScoreSheet.objects.create(assignment=assign(m, app), state=SheetState.SUBMITTED)
        Assignment.objects.create(member=members[2], application=app, excluded=True,
                                  exclusion_kind=ExclusionKind.DECLARED, exclusion_reason="Verwandt")
    c = login(client, staff_user())
    with django_assert_max_num_queries(9):  # the member select is written from the members the page read
        response = c.get(reverse("jury:panel", args=[call.pk]))
    assert response.status_code == 200 and response.content.decode().count("Verwandt") == n


def test_panel_page_member_select_lists_the_panels_members_and_a_sent_member_is_checked(client):
    import re

    call, panel = evaluated_call(min_scorers=1)
    members = sorted((add_member(panel) for _ in range(3)), key=lambda m: (m.user.last_name, m.user.email))
    outsider = add_member(evaluated_call(min_scorers=1)[1])
    c = login(client, staff_user())
    html = c.get(reverse("jury:panel", args=[call.pk])).content.decode()
    select = re.search(r'<select name="member"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [("", "---------"), *((str(m.pk), m.user.display_name) for m in members)]
    app = application_in_evaluation(call, grant="100000.00")
    response = c.post(reverse("jury:panel-assign", args=[call.pk]),
                      {"member": outsider.pk, "application": app.case_number}, follow=True)
    assert "Bitte wählen Sie ein Mitglied dieser Jury" in response.content.decode()
    assert not Assignment.objects.filter(member=outsider).exists()


# ---------------------------------------------------------------- ranking


def test_ranking_for_staff_shows_rows_flags_and_budget(client):
    call, panel, first, second = scored_call()
    html = login(client, staff_user()).get(reverse("jury:ranking", args=[call.pk])).content.decode()
    assert first.case_number in html and second.case_number in html
    assert "Zur Förderung empfohlen" in html and "Nachrückliste" in html
    assert "zu wenige" in html  # two scores, three required
    assert "die verbleibenden Mittel von" in html and "übersteigt." in html
    assert "400.000,00\u00a0€" in html and "100.000,00\u00a0€" in html
    assert "Was wäre, wenn" in html


@pytest.mark.parametrize(("who", "status"), [("member", 200), ("chair", 200), ("other_panel", 403),
                                             ("applicant", 403), ("jury_role_only", 403)])
def test_ranking_permissions(client, who, status):
    call, panel, first, _second = scored_call()
    other_call, other_panel = evaluated_call()
    chair = UserFactory(roles=["jury"])
    Panel.objects.filter(pk=panel.pk).update(chair=chair)
    user = {"member": lambda: panel.members.first().user, "chair": lambda: chair,
            "other_panel": lambda: add_member(other_panel).user, "applicant": lambda: member_of(first.lead),
            "jury_role_only": lambda: UserFactory(roles=["jury"])}[who]()
    c = login(client, user)
    for name in ("jury:ranking", "jury:ranking-csv", "jury:session"):
        assert c.get(reverse(name, args=[call.pk])).status_code == status
    for name in ("jury:ranking-xlsx", "jury:ranking-pdf"):  # requested: a page of the document, or refused
        assert c.post(reverse(name, args=[call.pk])).status_code == (302 if status == 200 else status)
    if status == 200:
        assert "Was wäre, wenn" not in c.get(reverse("jury:ranking", args=[call.pk])).content.decode()


def test_excluded_member_sees_no_row_of_that_application(client):
    call, panel, first, second = scored_call()
    member = add_member(panel)
    Affiliation.objects.create(member=member, kind=AffiliationKind.MUNICIPALITY, municipality=first.lead)
    sync_exclusions(actor=None, panel=panel)
    c = login(client, member.user)
    html = c.get(reverse("jury:ranking", args=[call.pk])).content.decode()
    assert second.case_number in html and first.case_number not in html and first.title not in html
    csv = b"".join(c.get(reverse("jury:ranking-csv", args=[call.pk])).streaming_content).decode("utf-8-sig")
    assert second.case_number in csv and first.case_number not in csv
    with TestCase.captureOnCommitCallbacks(execute=True):
        requested = c.post(reverse("jury:ranking-xlsx", args=[call.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(c.get(requested["Location"] + "datei/").streaming_content)))
    cells = " ".join(str(v) for row in workbook.active.iter_rows(values_only=True) for v in row)
    assert second.case_number in cells and first.case_number not in cells


def test_what_if_shows_another_budget_and_changes_nothing(client):
    call, panel, first, second = scored_call()
    c = login(client, staff_user())
    audit_before = AuditEntry.objects.count()
    html = c.get(reverse("jury:ranking", args=[call.pk]), {"budget": "500.000,00"}).content.decode()
    assert "Was-wäre-wenn – nichts wird gespeichert" in html
    assert "500.000,00\u00a0€" in html and "übersteigt" not in html and "Nachrückliste</span>" not in html
    call.refresh_from_db()
    assert call.total_budget == Decimal("400000.00")
    assert {a.state for a in Application.objects.filter(call=call)} == {S.IN_EVALUATION}
    assert AuditEntry.objects.count() == audit_before
    assert not Session.objects.exists() and not Decision.objects.exists()


def test_what_if_with_a_bad_amount_shows_an_error_and_the_live_list(client):
    call, *_ = scored_call()
    html = login(client, staff_user()).get(reverse("jury:ranking", args=[call.pk]), {"budget": "viel"}).content.decode()
    assert "Bitte geben Sie einen Betrag in Euro an" in html and "Was-wäre-wenn – nichts wird gespeichert" not in html


def test_what_if_is_ignored_for_members(client):
    call, panel, *_ = scored_call()
    response = login(client, panel.members.first().user).get(reverse("jury:ranking", args=[call.pk]),
                                                             {"budget": "999.999.999,00"})
    assert "Was-wäre-wenn – nichts wird gespeichert" not in response.content.decode()


def test_downloads_of_the_current_list(client):
    call, panel, first, second = scored_call()
    c = login(client, staff_user())
    response = c.get(reverse("jury:ranking-csv", args=[call.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="Rangliste-Aufruf-{call.pk}.csv"'
    assert response.streaming  # row by row, not built whole in the request
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert first.case_number in text and second.case_number in text and text.startswith("Platz;Aktenzeichen")
    for name, ext, content_type, magic in (("jury:ranking-xlsx", "xlsx", CONTENT_TYPES["xlsx"], b"PK"),
                                           ("jury:ranking-pdf", "pdf", "application/pdf", b"%PDF")):
        assert c.get(reverse(name, args=[call.pk])).status_code == 405  # requested, not built in the request
        with TestCase.captureOnCommitCallbacks(execute=True):
            requested = c.post(reverse(name, args=[call.pk]))
        assert requested.status_code == 302
        response = c.get(requested["Location"] + "datei/")
        assert response["Content-Type"] == content_type
        assert b"".join(response.streaming_content).startswith(magic)
        assert response["Content-Disposition"] == f'attachment; filename="Rangliste-Aufruf-{call.pk}.{ext}"'


@pytest.mark.parametrize("n", [1, 10])
def test_ranking_query_count_does_not_grow(client, django_assert_max_num_queries, n):
    call, panel = evaluated_call(budget="100000000.00")
    for _ in range(n):
        score(panel, application_in_evaluation(call, grant="100000.00", partners=[MunicipalityFactory()]),
              [[4, 3], [3, 4]])
    for user in (staff_user(), panel.members.first().user):
        c = login(client, user)
        with django_assert_max_num_queries(15):  # 14 + the menu's membership question for the jury member
            response = c.get(reverse("jury:ranking", args=[call.pk]))
        assert response.content.decode().count("T-") >= n


# ---------------------------------------------------------------- session


@pytest.fixture
def session_setup(db):
    call, panel, first, second = scored_call()
    chair = add_member(panel).user
    Panel.objects.filter(pk=panel.pk).update(chair=chair)
    panel.refresh_from_db()
    return call, panel, first, second, chair


def test_chair_opens_decides_and_closes_the_session(client, session_setup, django_capture_on_commit_callbacks):
    call, panel, first, second, chair = session_setup
    third = score(panel, application_in_evaluation(call, grant="100000.00"), [[2, 2], [2, 2]])  # fits: recommended
    c = login(client, chair)
    html = c.get(reverse("jury:session", args=[call.pk])).content.decode()
    assert "Sitzung eröffnen" in html
    c.post(reverse("jury:session-open", args=[call.pk]), {"held_on": "2027-05-04"})
    session = Session.objects.get(panel=panel)
    html = c.get(reverse("jury:session", args=[call.pk])).content.decode()
    assert "Sitzung vom 04.05.2027 (offen)" in html and f'id="decision-{first.pk}"' in html

    # Deviation without justification: the service's message, nothing recorded.
    url = reverse("jury:session-decide", args=[session.pk, third.pk])
    deviation = {f"d{third.pk}-outcome": "not_recommended", f"d{third.pk}-justification": ""}
    response = c.post(url, deviation, follow=True)
    assert "muss schriftlich begründet werden" in response.content.decode()
    response = c.post(url, deviation, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "muss schriftlich begründet werden" in html and "<html" not in html
    assert not Decision.objects.exists()
    response = c.post(url, {**deviation, f"d{third.pk}-justification": "Thema bereits im Portfolio vertreten"},
                      HTTP_HX_REQUEST="true")
    assert "Festgehalten" in response.content.decode()
    assert Decision.objects.get(application=third).outcome == "not_recommended"

    # Closing: confirmation first, then irreversible.
    close_url = reverse("jury:session-close", args=[session.pk])
    assert "kann nicht rückgängig gemacht werden" in c.get(close_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(close_url, {"notes": "Einstimmig."})
    assert response.url == reverse("jury:session", args=[call.pk])
    states = {a.pk: a.state for a in Application.objects.filter(call=call)}
    assert (states[first.pk], states[second.pk], states[third.pk]) == (S.RECOMMENDED, S.RESERVE, S.NOT_RECOMMENDED)
    assert ScoreSheet.objects.filter(assignment__member__panel=panel, final=False).count() == 0
    html = c.get(reverse("jury:session", args=[call.pk])).content.decode()
    assert "Einstimmig." in html
    documents = list(Session.objects.get(pk=session.pk).documents.all())
    assert {d.kind for d in documents} == {"ranking_pdf", "minutes_pdf", "ranking_csv", "ranking_xlsx"}
    for d in documents:
        assert reverse("jury:document", args=[d.pk]) in html

    by_kind = {d.kind: d for d in documents}
    member = panel.members.exclude(user=chair).first().user
    response = login(client, member).get(reverse("jury:document", args=[by_kind["ranking_csv"].pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert first.case_number in b"".join(response.streaming_content).decode("utf-8-sig")
    response = login(client, staff_user()).get(reverse("jury:document", args=[by_kind["minutes_pdf"].pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response = client.get(reverse("jury:document", args=[by_kind["ranking_xlsx"].pk]))
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert login(client, member_of(first.lead)).get(
        reverse("jury:document", args=[by_kind["ranking_pdf"].pk])).status_code == 403
    _other_call, other_panel = evaluated_call()
    assert login(client, add_member(other_panel).user).get(
        reverse("jury:document", args=[by_kind["ranking_pdf"].pk])).status_code == 403
    # Closed: the confirmation page no longer offers to close.
    assert login(client, chair).get(close_url).status_code == 302


def test_only_the_chair_decides_and_closes(client, session_setup):
    call, panel, first, second, chair = session_setup
    session = Session.objects.create(panel=panel, held_on="2027-05-04")
    for user in (panel.members.exclude(user=chair).first().user, staff_user()):
        c = login(client, user)
        assert c.post(reverse("jury:session-decide", args=[session.pk, first.pk]),
                      {f"d{first.pk}-outcome": "recommended"}).status_code == 403
        assert c.get(reverse("jury:session-close", args=[session.pk])).status_code == 403
        assert c.post(reverse("jury:session-close", args=[session.pk]), {"notes": ""}).status_code == 403
    session.refresh_from_db()
    assert session.state == "open" and not Decision.objects.exists()


def test_staff_may_open_a_session_but_members_may_not(client, session_setup):
    call, panel, _first, _second, chair = session_setup
    member = panel.members.exclude(user=chair).first().user
    assert login(client, member).post(reverse("jury:session-open", args=[call.pk]),
                                      {"held_on": "2027-05-04"}).status_code == 403
    assert not Session.objects.exists()
    response = login(client, staff_user()).post(reverse("jury:session-open", args=[call.pk]),
                                                {"held_on": "kein Datum"}, follow=True)
    assert "gültiges Datum" in response.content.decode() and not Session.objects.exists()
    login(client, staff_user()).post(reverse("jury:session-open", args=[call.pk]), {"held_on": "2027-05-04"})
    assert Session.objects.filter(panel=panel, state="open").count() == 1


def test_score_page_is_read_only_after_the_session(client, session_setup):
    call, panel, first, _second, chair = session_setup
    sheet = ScoreSheet.objects.filter(assignment__application=first).select_related("assignment__member").first()
    ScoreSheet.objects.filter(pk=sheet.pk).update(final=True)
    user = sheet.assignment.member.user
    html = login(client, user).get(reverse("jury:score", args=[first.pk])).content.decode()
    assert "die Bewertungen sind endgültig" in html and "<select" not in html
    assert Score.objects.filter(sheet=sheet).count() == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ranking_downloads_neutralise_formulas_in_titles(client, fmt):
    """Defect 11: a title a spreadsheet would run as a formula is written with a leading apostrophe."""
    import csv

    from openpyxl import load_workbook

    injection = '=HYPERLINK("http://x","y")'
    call, panel, first, second = scored_call()
    Application.objects.filter(pk=first.pk).update(title=injection)
    c = login(client, staff_user())
    if fmt == "csv":
        content = b"".join(c.get(reverse("jury:ranking-csv", args=[call.pk])).streaming_content)
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    else:
        with TestCase.captureOnCommitCallbacks(execute=True):
            requested = c.post(reverse("jury:ranking-xlsx", args=[call.pk]))
        content = b"".join(c.get(requested["Location"] + "datei/").streaming_content)
        rows = [["" if v is None else str(v) for v in row]
                for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    titles = {row[1]: row[2] for row in rows[1:]}
    assert titles[first.case_number] == "'" + injection
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


# ---------------------------------------------------------------- one page of rows (issue 13)


@pytest.fixture
def two_per_page(monkeypatch):
    """Pages of two rows, so that a handful of applications fills several pages."""
    import foundation.paging

    class TwoRows(foundation.paging.Paginator):
        def __init__(self, object_list, per_page, *args, **kwargs):
            super().__init__(object_list, 2, *args, **kwargs)

    monkeypatch.setattr(foundation.paging, "Paginator", TwoRows)


def test_ranking_shows_one_page_and_where_the_budget_line_falls(client, two_per_page):
    call, panel = evaluated_call(budget="300000.00")
    apps = [score(panel, application_in_evaluation(call, grant="100000.00"), [[5 - i, 5 - i]]) for i in range(5)]
    c = login(client, staff_user())
    url = reverse("jury:ranking", args=[call.pk])
    html = c.get(url).content.decode()
    assert html.count("data-case=") == 2 and apps[0].case_number in html and apps[3].case_number not in html
    assert 'data-cutoff-page="2"' in html and 'id="cutoff"' not in html
    assert 'href="?seite=2#cutoff"' in html and "Seite 1 von 3" in html and "5 Einträge" in html
    html = c.get(url, {"seite": "2"}).content.decode()
    rows = re.findall(r'data-case="([^"]+)"|id="(cutoff)"', html)
    assert [case or marker for case, marker in rows] == [apps[2].case_number, "cutoff", apps[3].case_number]
    html = c.get(url, {"seite": "3", "budget": "500.000,00"}).content.decode()  # what-if: the line moves
    assert 'id="cutoff"' in html and apps[4].case_number in html


def test_panel_page_shows_one_page_searches_and_filters_by_member(client, two_per_page):
    call, panel = evaluated_call(min_scorers=1)
    member, other = add_member(panel), add_member(panel)
    apps = [application_in_evaluation(call, grant="100000.00", title=f"Dorfplatz {i}") for i in range(3)]
    apps.append(application_in_evaluation(call, grant="100000.00", title="Mühle am Bach"))
    for app in apps[:3]:
        ScoreSheet.objects.create(assignment=assign(member, app), state=SheetState.SUBMITTED)
    assign(other, apps[3])
    c = login(client, staff_user())
    url = reverse("jury:panel", args=[call.pk])
    html = c.get(url).content.decode()
    assert "Seite 1 von 2" in html and apps[0].case_number in html and apps[2].case_number not in html
    assert html.count('<form method="post" id="row-actions"') == 1 and html.count("<textarea") == 1
    html = c.get(url, {"q": "mühle"}).content.decode()
    assert apps[3].case_number in html and apps[0].case_number not in html
    html = c.get(url, {"mitglied": other.pk}).content.decode()
    assert apps[3].case_number in html and apps[0].case_number not in html
    # an action sends the case worker back to the page and filter they came from
    assignment = Assignment.objects.get(member=other, application=apps[3])
    response = c.post(reverse("jury:panel-unassign", args=[call.pk, assignment.pk]),
                      {"seite": "2", "mitglied": str(other.pk), "elsewhere": "x"})
    assert response.status_code == 302 and response.url == f"{url}?seite=2&mitglied={other.pk}"


def test_session_page_shows_one_page_with_a_decision_form_per_row(client, session_setup, two_per_page,
                                                                    django_assert_max_num_queries):
    call, panel, first, second, chair = session_setup
    Session.objects.create(panel=panel, held_on="2027-05-04")
    c = login(client, chair)
    url = reverse("jury:session", args=[call.pk])
    c.get(url)
    cache.clear()  # both counts with the ranking computed, not one of them from the cache
    with django_assert_max_num_queries(40) as few:
        c.get(url)
    for _ in range(4):
        score(panel, application_in_evaluation(call, grant="100000.00"), [[2, 2], [2, 2]])
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = c.get(url).content.decode()
    assert html.count('class="decision stack"') == 2 and "Seite 1 von 3" in html and "6 Einträge" in html
