"""The start page answers "what do I have to do now?" per role, with counts that link to the list
of exactly what they count; the navigation shows each role only what makes sense for it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import MembershipState
from accounts.models import Membership, User
from start.selectors import start_sections
from tests.factories import MunicipalityFactory, UserFactory, member_of, staff_user

from .factories import EXPECTED, SESSION_DAY, add_cases, start_world


@pytest.fixture
def world(db):
    w = start_world()
    add_cases(w, 2)
    return w


def _sections(user):
    return {s.role: s for s in start_sections(user)}


def _counts(section):
    return {t.key: t.count for t in section.tasks}


@pytest.mark.parametrize("role", ["applicant", "case_worker", "approver", "jury"])
def test_each_role_sees_its_own_counts(world, role):
    user = {"applicant": world.applicant, "case_worker": world.case_worker, "approver": world.approver,
            "jury": world.juror}[role]
    sections = _sections(user)
    assert list(sections) == [role]
    assert _counts(sections[role]) == {key: 2 * factor for key, factor in EXPECTED[role].items()}


def test_the_admin_sees_the_case_work_and_an_overview_with_admin_links(world):
    sections = _sections(world.admin)
    assert list(sections) == ["case_worker", "admin"]
    admin = _counts(sections["admin"])
    # requests to check, proofs to check, decisions to confirm, requests to release: 2 each
    assert admin["all_actions"] == 8
    assert admin["decision_prepared"] == 2 and admin["disbursement_to_release"] == 2
    links = dict(sections["admin"].data["links"])
    assert reverse("admin:index") in links.values()


def test_a_person_with_several_roles_sees_each_section(world):
    world.case_worker.groups.add(*world.juror.groups.all())
    assert list(_sections(User.objects.get(pk=world.case_worker.pk))) == ["case_worker", "jury"]


def test_the_jury_section_names_the_session_date(world, client):
    client.force_login(world.juror)
    page = client.get(reverse("home")).content.decode()
    assert SESSION_DAY.strftime("%d.%m.%Y") in page


def test_returned_applications_are_listed_with_their_deadline(world, client):
    client.force_login(world.applicant)
    page = client.get(reverse("home")).content.decode()
    section = _sections(world.applicant)["applicant"]
    for application in section.data["returned"]:
        assert application.revision_deadline.strftime("%d.%m.%Y") in page
    assert len(section.data["returned"]) == 2


@pytest.mark.parametrize("role", ["applicant", "case_worker", "approver", "jury"])
def test_each_count_on_the_page_links_to_its_list(world, client, role):
    user = {"applicant": world.applicant, "case_worker": world.case_worker, "approver": world.approver,
            "jury": world.juror}[role]
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    for task in _sections(user)[role].tasks:
        link = re.search(f'data-task="{task.key}">' + r'\s*<a class="kern-link start-task__link" href="([^"]+)">'
                         r'<span class="start-task__count" data-count>(\d+)</span>', page)
        assert link, task.key
        assert link.group(1).replace("&amp;", "&") == task.url and int(link.group(2)) == task.count
        assert client.get(task.url).status_code == 200, task.url


def test_the_counted_lists_show_exactly_what_is_counted(world, client):
    client.force_login(world.applicant)
    drafts = client.get(reverse("applications:list") + "?state=draft").content.decode()
    assert drafts.count("Entwurf Rathaus") == 2
    everything = client.get(reverse("applications:list")).content.decode()
    assert everything.count("<tr") > drafts.count("<tr")
    proofs = client.get(reverse("payments:proofs") + "?offen=1").content.decode()
    assert proofs.count("Zwischennachweis") < client.get(reverse("payments:proofs")).content.decode().count(
        "Zwischennachweis")
    client.force_login(world.case_worker)
    checks = client.get(reverse("payments:dashboard-actions") + "?kind=formal_check")
    assert checks.content.decode().count(" data-case=") == 2
    assert "Anträge in der Formalprüfung" in checks.content.decode()


def test_the_jury_tiles_lead_to_the_open_assignments_they_count(world, client):
    """The two tiles of a juror (declarations to make, sheets to fill in) count what the workspace lists under
    ?zeigen=offen, where each row says which of the two it is."""
    from start.selectors import jury_section

    client.force_login(world.juror)
    tasks = {t.key: t for t in jury_section(world.juror).tasks}
    assert {t.url for t in tasks.values()} == {reverse("jury:workspace") + "?zeigen=offen"}
    page = client.get(tasks["sheets"].url).content.decode()
    rows = page.count('<th class="kern-table__header case-number" scope="row">')
    assert rows == tasks["declarations"].count + tasks["sheets"].count > 0
    assert page.count(">Erklärung ausstehend<") == tasks["declarations"].count


def test_an_unknown_filter_is_a_404_not_a_500(world, client):
    client.force_login(world.case_worker)
    assert client.get("/zuwendungen/uebersicht/handlungsbedarf/?kind=x").status_code == 404


def test_an_unknown_state_of_the_own_list_is_an_error_at_its_field_not_a_500(world, client):
    client.force_login(world.applicant)
    response = client.get("/antraege/?state=gibtsnicht")
    assert response.status_code == 200 and 'id="id_state_error"' in response.content.decode()


def test_staff_clicking_applications_reach_the_staff_list(world, client):
    client.force_login(world.case_worker)
    response = client.get(reverse("applications:list"))
    assert response.status_code == 302 and response.url == reverse("applications:staff-calls")


@pytest.mark.parametrize("role", ["case_worker", "approver", "admin"])
def test_staff_see_no_applicant_entries(world, client, role):
    client.force_login(getattr(world, role))
    page = client.get(reverse("home")).content.decode()
    for text in ("Neuen Antrag anlegen", "Mitgliedschaft beantragen", "Sie sind noch für keine Kommune"):
        assert text not in page
    for name in ("applications:create", "applications:list", "accounts:memberships"):
        assert f'href="{reverse(name)}"' not in page
    assert f'href="{reverse("applications:staff-calls")}"' in page


def test_a_new_person_is_asked_to_request_a_membership(db, client):
    client.force_login(UserFactory(roles=["applicant"]))
    page = client.get(reverse("home")).content.decode()
    assert "Mitgliedschaft beantragen" in page
    assert f'href="{reverse("applications:create")}"' not in page  # no application without a municipality


def test_a_jury_member_without_municipality_gets_no_applicant_section(world, client):
    client.force_login(world.juror)
    page = client.get(reverse("home")).content.decode()
    assert "Mitgliedschaft beantragen" not in page
    assert f'href="{reverse("jury:workspace")}"' in page


def test_the_navigation_marks_the_current_page_once(world, client):
    client.force_login(world.case_worker)
    page = client.get(reverse("payments:proof-queue")).content.decode()
    current = re.findall(r'<a class="kern-link site-nav__link" href="([^"]+)" aria-current="page">', page)
    assert current == [reverse("payments:proof-queue")]
    home = client.get(reverse("home")).content.decode()
    assert re.findall(r'href="([^"]+)" aria-current="page"', home) == [reverse("home")]


def test_the_navigation_is_grouped_by_task(world, client):
    client.force_login(world.admin)
    page = client.get(reverse("home")).content.decode()
    labels = re.findall(r'<span class="site-nav__label" id="nav-[a-z]+">([^<]+)</span>', page)
    assert labels == ["Anträge", "Jury", "Zuwendungen &amp; Zahlungen", "Betrieb", "Ihr Konto"]
    client.force_login(world.applicant)
    page = client.get(reverse("home")).content.decode()
    assert "nav-operations" not in page and f'href="{reverse("outbox:stuck")}"' not in page


@pytest.mark.parametrize("role", ["applicant", "case_worker", "approver", "admin", "juror"])
def test_the_start_page_queries_do_not_grow_with_the_cases(db, client, django_assert_max_num_queries, role):
    w = start_world()
    add_cases(w, 1)
    user = getattr(w, role)
    client.force_login(user)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("home")).status_code == 200
    add_cases(w, 4)
    for _ in range(3):
        Membership.objects.create(user=UserFactory(), municipality=MunicipalityFactory(),
                                  state=MembershipState.REQUESTED)
    client.force_login(user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("home")).content.decode()
    assert 'data-count>5<' in page  # the page really shows the larger world


def test_a_member_of_a_municipality_who_sits_on_the_jury_sees_both(world):
    member_of(world.lead, user=world.juror)
    assert list(_sections(User.objects.get(pk=world.juror.pk))) == ["applicant", "jury"]


def test_staff_with_a_membership_still_do_not_apply(world):
    member_of(world.lead, user=world.approver)
    assert "applicant" not in _sections(staff_user("approver"))
    assert "applicant" not in _sections(world.approver)


@pytest.mark.parametrize("role, shown, hidden", [
    ("applicant", {"applications:list", "applications:create", "payments:disbursement-grants", "payments:proofs",
                   "accounts:memberships"},
     {"applications:staff-calls", "payments:dashboard", "outbox:stuck", "jury:workspace", "admin:index"}),
    ("juror", {"jury:workspace", "account_email"},
     {"applications:list", "applications:create", "accounts:memberships", "payments:grants"}),
    ("case_worker", {"applications:staff-calls", "accounts:membership-review", "payments:proof-queue",
                     "outbox:stuck"},
     {"applications:list", "applications:create", "accounts:memberships", "admin:index"}),
    ("approver", {"applications:staff-calls", "payments:decisions", "payments:disbursement-queue"},
     {"applications:create", "accounts:membership-review", "admin:index"}),
    ("admin", {"admin:index", "outbox:stuck", "accounts:membership-review"}, {"applications:create"}),
])
def test_the_menu_shows_each_role_what_makes_sense_for_it(world, role, shown, hidden):
    from foundation.navigation import menu_for

    urls = {link.url for group in menu_for(getattr(world, role), "/") for link in group.links}
    assert {reverse(name) for name in shown} <= urls
    assert not {reverse(name) for name in hidden} & urls
