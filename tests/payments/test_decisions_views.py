"""Pages of the decisions area: staff Bewilligung, case page, confirm with four eyes, municipality grant page,
waiver of appeal, notice download, and who may see what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.enums import ApplicationState as AS
from grants.models import Call
from payments.enums import DecisionKind, DecisionState, GrantState
from payments.models import Amendment, Decision, Grant, Notice
from payments.services import decisions as services
from tests.factories import CallFactory, MunicipalityFactory, UserFactory, member_of, staff_user
from tests.payments import factories as td

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_render(no_render_all):
    yield


@pytest.fixture
def no_render_all():
    from unittest import mock

    with mock.patch("payments.services.decisions._dispatch_notice"):
        yield


def issued(grant: Grant) -> Grant:
    """The grant with its notice rendered (the task, called directly)."""
    from payments import tasks

    tasks.render_grant_notice(grant_id=grant.pk)
    grant.refresh_from_db()
    return grant


def test_staff_pages_render_and_list_reserve(client):
    call = CallFactory()
    rec = td.decidable(call, grant="150000.00")
    res = td.decidable(call, grant="120000.00", state=AS.RESERVE)
    client.force_login(staff_user("case_worker"))
    page = client.get(reverse("payments:decisions"))
    assert page.status_code == 200 and call.title in page.content.decode()
    page = client.get(reverse("payments:decisions-call", args=[call.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and rec.case_number in html and res.case_number in html
    assert "Nachrücker" in html and "16.000.000,00" in html
    page = client.get(reverse("payments:decision-case", args=[rec.pk]))
    assert page.status_code == 200 and "Entscheidung vorbereiten" in page.content.decode()


def test_the_call_list_counts_per_call_what_is_to_decide_and_to_confirm(client):
    import re

    first, second = CallFactory(title="Aufruf Eins"), CallFactory(title="Aufruf Zwei")
    apps = [td.decidable(first), td.decidable(first), td.decidable(first, state=AS.RESERVE)]
    td.decidable(second, state=AS.RESERVE)
    worker = staff_user("case_worker")
    services.prepare_decision(actor=worker, application_id=apps[0].pk, kind=DecisionKind.APPROVE)
    client.force_login(worker)
    html = client.get(reverse("payments:decisions")).content.decode()

    def counts(title):
        row = re.search(rf">{title}</a></th>(.*?)</tr>", html, re.S).group(1)
        return re.findall(r'data-label="Zu (?:entscheiden|bestätigen)">(\d+)<', row)

    assert counts("Aufruf Eins") == ["3", "1"] and counts("Aufruf Zwei") == ["1", "0"]


@pytest.mark.parametrize("role", ["applicant", "jury"])
def test_staff_pages_refuse_others(client, role):
    call = CallFactory()
    app = td.decidable(call)
    client.force_login(UserFactory(roles=[role]))
    for url in (reverse("payments:decisions"), reverse("payments:decisions-call", args=[call.pk]),
                reverse("payments:decision-case", args=[app.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("payments:decision-prepare", args=[app.pk]), {"kind": "approve"}).status_code == 403
    assert not Decision.objects.exists()


def test_prepare_and_confirm_through_the_pages_with_four_eyes(client):
    call = CallFactory()
    app = td.decidable(call, grant="150000.00")
    worker, approver = staff_user("case_worker"), staff_user("approver")
    from django.contrib.auth.models import Group

    worker.groups.add(Group.objects.get_or_create(name="approver")[0])  # may both prepare and confirm in general
    client.force_login(worker)
    response = client.post(reverse("payments:decision-prepare", args=[app.pk]), {"kind": "reject", "reasons": ""})
    assert response.status_code == 400 and "begründet" in response.content.decode()
    response = client.post(reverse("payments:decision-prepare", args=[app.pk]), {"kind": "approve"})
    assert response.status_code == 302
    decision = Decision.objects.get()
    # The preparer cannot confirm: the page says so, and a POST is refused.
    page = client.get(reverse("payments:decision-confirm", args=[decision.pk]))
    assert "Vier-Augen-Prinzip" in page.content.decode() and "endgültig bestätigen" not in page.content.decode()
    response = client.post(reverse("payments:decision-confirm", args=[decision.pk]))
    assert response.status_code == 400 and "Vier-Augen" in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == DecisionState.PREPARED and Call.objects.get(pk=call.pk).committed == 0
    client.force_login(approver)
    page = client.get(reverse("payments:decision-confirm", args=[decision.pk]))
    assert page.status_code == 200 and "endgültig bestätigen" in page.content.decode()
    assert client.post(reverse("payments:decision-confirm", args=[decision.pk])).status_code == 302
    assert client.post(reverse("payments:decision-confirm", args=[decision.pk])).status_code == 302  # harmless
    assert Call.objects.get(pk=call.pk).committed == Decimal("150000.00") and Grant.objects.count() == 1


def test_case_worker_cannot_confirm_and_refusal_names_shortfall(client):
    call = CallFactory(total_budget=Decimal("100000.00"))
    app = td.decidable(call, grant="130000.00")
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    client.force_login(staff_user("case_worker"))
    assert client.post(reverse("payments:decision-confirm", args=[decision.pk])).status_code == 403
    client.force_login(staff_user("approver"))
    response = client.post(reverse("payments:decision-confirm", args=[decision.pk]))
    assert response.status_code == 400 and "es fehlen 30.000,00" in response.content.decode()


def test_discard_through_the_page(client):
    app = td.decidable(CallFactory())
    worker = staff_user("case_worker")
    decision = services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    client.force_login(worker)
    assert client.post(reverse("payments:decision-discard", args=[decision.pk]), {"reason": ""}).status_code == 400
    assert client.post(reverse("payments:decision-discard", args=[decision.pk]),
                       {"reason": "Falsche Zahlen"}).status_code == 302
    assert Decision.objects.get().state == DecisionState.DISCARDED


def test_municipality_sees_its_grant_downloads_notices_and_waives(client):
    grant = issued(td.approved(grant="150000.00")[0])
    member = member_of(grant.application.lead)
    client.force_login(member)
    listing = client.get(reverse("payments:grants")).content.decode()
    assert grant.case_number in listing
    page = client.get(reverse("payments:grant", args=[grant.pk])).content.decode()
    notice = Notice.objects.get(grant=grant)
    assert reverse("payments:notice-download", args=[notice.pk]) in page and "Auf Rechtsbehelfe verzichten" in page
    response = client.get(reverse("payments:notice-download", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="Zuwendungsbescheid-{grant.case_number}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The waiver needs the confirmation.
    assert client.get(reverse("payments:grant-waive", args=[grant.pk])).status_code == 200
    assert client.post(reverse("payments:grant-waive", args=[grant.pk]), {}).status_code == 400
    assert Grant.objects.get(pk=grant.pk).state == GrantState.NOTICE_ISSUED
    assert client.post(reverse("payments:grant-waive", args=[grant.pk]), {"confirm": "on"}).status_code == 302
    grant.refresh_from_db()
    assert grant.state == GrantState.FINAL and grant.final_on == services.today()


def test_the_list_of_grants_searches_filters_and_counts(client):
    """Staff find a grant among thousands by case number, title or municipality and by state; the page says how many
    it shows; a filter that is not valid is shown at its field and changes nothing."""
    first = issued(td.approved(grant="150000.00")[0])
    second, _ = td.approved(grant="160000.00")
    Grant.objects.filter(pk=first.pk).update(state=GrantState.FINAL)
    client.force_login(staff_user("case_worker"))
    url = reverse("payments:grants")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return html, {g.case_number for g in (first, second) if f">{g.case_number}</a>" in html}

    html, found = shown()
    assert found == {first.case_number, second.case_number} and "2 Zuwendungen" in html
    assert shown(q=first.case_number)[1] == {first.case_number}
    assert shown(q=second.application.lead.name)[1] == {second.case_number}
    html, found = shown(state=GrantState.FINAL)
    assert found == {first.case_number} and "1 Zuwendung<" in html and "Filter zurücksetzen" in html
    html, found = shown(state=GrantState.FINAL, q=second.case_number)
    assert found == set() and "Keine Zuwendungen für diese Auswahl." in html
    html, found = shown(state="paid")
    assert found == {first.case_number, second.case_number} and 'id="id_state_error"' in html
    # a municipality's member searches only its own
    client.force_login(member_of(second.application.lead))
    assert shown(q=first.case_number)[1] == set() and shown()[1] == {second.case_number}


def test_other_municipality_gets_404(client):
    grant = issued(td.approved()[0])
    notice = Notice.objects.get(grant=grant)
    client.force_login(member_of(MunicipalityFactory()))
    assert client.get(reverse("payments:grant", args=[grant.pk])).status_code == 404
    assert client.get(reverse("payments:grant-waive", args=[grant.pk])).status_code == 404
    assert client.post(reverse("payments:grant-waive", args=[grant.pk]), {"confirm": "on"}).status_code == 404
    assert client.get(reverse("payments:notice-download", args=[notice.pk])).status_code == 404
    assert grant.case_number not in client.get(reverse("payments:grants")).content.decode()
    assert Grant.objects.get(pk=grant.pk).state == GrantState.NOTICE_ISSUED


def test_staff_cannot_waive_for_the_municipality(client):
    grant = issued(td.approved()[0])
    client.force_login(staff_user("approver"))
    assert client.get(reverse("payments:grant", args=[grant.pk])).status_code == 200
    assert client.post(reverse("payments:grant-waive", args=[grant.pk]), {"confirm": "on"}).status_code == 403


def test_amendment_pages_prepare_and_confirm_by_two_people(client):
    grant, ctx = td.approved(grant="150000.00")
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.FINAL)
    client.force_login(member_of(grant.application.lead))
    assert client.get(reverse("payments:grant-amend", args=[grant.pk])).status_code == 403
    client.force_login(ctx["worker"])
    url = reverse("payments:grant-amend", args=[grant.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"project_end": "2029-03-31", "reason": "Lieferverzug"})
    assert response.status_code == 400  # no confirmation
    response = client.post(url, {"amount": "140.000,00", "project_end": "2029-03-31", "reason": "Lieferverzug",
                                 "confirm": "on"})
    amendment = Amendment.objects.get(grant=grant)
    assert response.status_code == 302 and response["Location"] == reverse("payments:amendment", args=[amendment.pk])
    grant.refresh_from_db()
    assert grant.amount == Decimal("150000.00")  # not yet: a second person confirms
    page = client.get(response["Location"]).content.decode()
    assert "Vier-Augen-Prinzip" in page and "bestätigen und Änderungsbescheid" not in page
    assert client.post(response["Location"], {"action": "confirm"}).status_code == 403
    client.force_login(ctx["approver"])
    assert "bestätigen und Änderungsbescheid" in client.get(response["Location"]).content.decode()
    assert client.post(response["Location"], {"action": "confirm"}).status_code == 302
    grant.refresh_from_db()
    assert grant.amount == Decimal("140000.00") and grant.project_end == dt.date(2029, 3, 31)


def test_list_pages_do_not_grow_queries_with_rows(client, django_assert_max_num_queries):
    call = CallFactory()
    lead = MunicipalityFactory()
    member = member_of(lead)
    td.decidable(call, state=AS.RESERVE)
    td.approved(call, lead=lead)
    staff = staff_user("case_worker")

    def count(user, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [(staff, reverse("payments:decisions-call", args=[call.pk])), (staff, reverse("payments:decisions")),
            (member, reverse("payments:grants")), (staff, reverse("payments:grants"))]
    before = [count(u, url) for u, url in urls]
    for _ in range(4):
        td.decidable(call, state=AS.RESERVE)
        td.decidable(call, state=AS.RECOMMENDED)
        td.approved(call, lead=lead)
    after = [count(u, url) for u, url in urls]
    assert after == before, (before, after)


def test_the_call_page_reads_its_budget_years_and_panel_once(client):
    """The overview, the candidates' tranche check and the ranking share the call's budget years; the
    ranking's panel is read once (issue 13: every page ≤ 10 queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.jury.factories import scored_call

    call = scored_call()[0]
    client.force_login(staff_user("case_worker"))
    url = reverse("payments:decisions-call", args=[call.pk])
    client.get(url)  # the ranking's cache is filled on the first visit
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "grants_callbudgetyear"' in q for q in sql) == 1, sql
    assert sum('FROM "jury_panel"' in q for q in sql) == 1, sql
    assert len(sql) <= 12, sql
