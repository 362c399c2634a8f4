"""Pages: permissions per role, guessed ids, uploads, the live calculation, list query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from applications.enums import ApplicationState as S
from applications.models import Application, Attachment
from tests.factories import (
    ApplicationFactory,
    MunicipalityFactory,
    UserFactory,
    complete_draft,
    member_of,
    minimal_pdf,
    staff_user,
)

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["detail", "edit", "submit", "withdraw", "check"])
def test_another_municipalitys_case_is_404(client, draft, name):
    stranger = member_of(MunicipalityFactory())
    response = login(client, stranger).get(reverse(f"applications:{name}", args=[draft.pk]))
    assert response.status_code == 404 if name != "check" else response.status_code in (403, 404)


def test_guessed_attachment_and_receipt_are_404(client, complete, applicant):
    services.submit_application(actor=applicant, application_id=complete.pk)
    att = complete.attachments.first()
    stranger = member_of(MunicipalityFactory())
    c = login(client, stranger)
    assert c.get(reverse("applications:attachment-download", args=[complete.pk, att.pk])).status_code == 404
    assert c.get(reverse("applications:receipt", args=[complete.pk, 1])).status_code == 404


def test_receipt_download_for_lead_and_staff_only(client, complete, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(actor=applicant, application_id=complete.pk)
    url = reverse("applications:receipt", args=[complete.pk, 1])
    response = login(client, applicant).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    partner = MunicipalityFactory()
    complete.partners.add(partner)
    assert login(client, member_of(partner)).get(url).status_code == 403
    assert login(client, staff_user("case_worker")).get(url).status_code == 200


ROLE_MATRIX = [
    # (role, state, may see detail, may edit)
    ("lead", S.DRAFT, 200, 200), ("partner", S.DRAFT, 200, 403), ("stranger", S.DRAFT, 404, 404),
    ("case_worker", S.DRAFT, 404, 404), ("lead", S.SUBMITTED, 200, 403), ("partner", S.SUBMITTED, 200, 403),
    ("case_worker", S.SUBMITTED, 200, 403), ("approver", S.SUBMITTED, 200, 403), ("jury", S.SUBMITTED, 404, 404),
]


@pytest.mark.parametrize(("role", "state", "detail", "edit"), ROLE_MATRIX)
def test_pages_per_role_and_state(client, complete, applicant, role, state, detail, edit):
    partner = MunicipalityFactory()
    complete.partners.add(partner)
    if state == S.SUBMITTED:
        services.submit_application(actor=applicant, application_id=complete.pk)
    user = {"lead": lambda: applicant, "partner": lambda: member_of(partner),
            "stranger": lambda: member_of(MunicipalityFactory()), "case_worker": lambda: staff_user("case_worker"),
            "approver": lambda: staff_user("approver"), "jury": lambda: UserFactory(roles=["jury"])}[role]()
    c = login(client, user)
    assert c.get(reverse("applications:detail", args=[complete.pk])).status_code == detail
    assert c.get(reverse("applications:edit", args=[complete.pk])).status_code == edit


@pytest.mark.parametrize(("step", "role", "allowed"), [
    ("start", "case_worker", True), ("start", "approver", False), ("start", "lead", False),
    ("start", "admin", True),
])
def test_formal_check_step_permissions(client, complete, applicant, step, role, allowed):
    services.submit_application(actor=applicant, application_id=complete.pk)
    user = applicant if role == "lead" else staff_user(role)
    response = login(client, user).post(reverse("applications:check-step", args=[complete.pk, step]))
    complete.refresh_from_db()
    assert (complete.state == S.IN_FORMAL_CHECK) is allowed
    assert response.status_code == (302 if allowed else 403)


def test_edit_form_saves_financing_plan_in_german_format(client, draft, applicant):
    data = {
        "title": "Smarte Straßenbeleuchtung", "summary": "s", "objectives": "o", "benefit": "b",
        "transferability": "t", "start_date": "2027-03-01", "end_date": "2028-12-31",
        "topics": [draft.call.program.topics.first().pk], "declaration_not_started": "on",
        "costs-TOTAL_FORMS": "2", "costs-INITIAL_FORMS": "0", "costs-MIN_NUM_FORMS": "0", "costs-MAX_NUM_FORMS": "200",
        "costs-0-category": "investment", "costs-0-description": "Leuchten", "costs-0-budget_year": "2027",
        "costs-0-amount": "150.000,50", "costs-0-eligible": "on",
        "costs-1-category": "other", "costs-1-description": "Feier", "costs-1-budget_year": "2028",
        "costs-1-amount": "1000",
        "third-TOTAL_FORMS": "1", "third-INITIAL_FORMS": "0", "third-MIN_NUM_FORMS": "0", "third-MAX_NUM_FORMS": "50",
    }
    response = login(client, applicant).post(reverse("applications:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.eligible_costs == Decimal("150000.50")
    assert draft.grant_amount == Decimal("135000.45")
    assert draft.total_costs == Decimal("151000.50")


def test_edit_form_with_bad_amount_saves_nothing(client, draft, applicant):
    data = {"title": "X", "costs-TOTAL_FORMS": "1", "costs-INITIAL_FORMS": "0", "costs-MIN_NUM_FORMS": "0",
            "costs-MAX_NUM_FORMS": "200", "costs-0-category": "investment", "costs-0-description": "L",
            "costs-0-budget_year": "2027", "costs-0-amount": "zwölf", "third-TOTAL_FORMS": "0",
            "third-INITIAL_FORMS": "0", "third-MIN_NUM_FORMS": "0", "third-MAX_NUM_FORMS": "50"}
    response = login(client, applicant).post(reverse("applications:edit", args=[draft.pk]), data)
    assert response.status_code == 400
    assert "Bitte geben Sie einen Betrag in Euro an" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title != "X" and not draft.cost_lines.exists()


@pytest.mark.parametrize("amount", ["1e30", "1e-30", "NaN", "Infinity", "-5", "abc", "1" * 27, "1.234,567"])
@pytest.mark.parametrize("page", ["edit", "calculate"])
def test_junk_amounts_in_the_form_and_live_preview_are_messages_not_500(client, draft, applicant, amount, page):
    data = {"title": "X", "costs-TOTAL_FORMS": "1", "costs-INITIAL_FORMS": "0", "costs-MIN_NUM_FORMS": "0",
            "costs-MAX_NUM_FORMS": "200", "costs-0-category": "investment", "costs-0-description": "L",
            "costs-0-budget_year": "2027", "costs-0-amount": amount, "costs-0-eligible": "on",
            "third-TOTAL_FORMS": "0", "third-INITIAL_FORMS": "0", "third-MIN_NUM_FORMS": "0",
            "third-MAX_NUM_FORMS": "50"}
    response = login(client, applicant).post(reverse(f"applications:{page}", args=[draft.pk]), data,
                                             HTTP_HX_REQUEST="true")
    assert response.status_code == (400 if page == "edit" else 200)
    if page == "edit":
        html = response.content.decode()
        assert any(w in html for w in ("kein gültiger Betrag", "nicht negativ", "größer als 0", "zu groß",
                                       "Nachkommastellen"))
    assert not draft.cost_lines.exists()


def test_live_calculation_shows_grant_and_minimum_shortfall(client, draft, applicant):
    data = {"costs-TOTAL_FORMS": "1", "costs-INITIAL_FORMS": "0", "costs-MIN_NUM_FORMS": "0",
            "costs-MAX_NUM_FORMS": "200", "costs-0-category": "investment", "costs-0-description": "L",
            "costs-0-budget_year": "2027", "costs-0-amount": "100.000,00", "costs-0-eligible": "on",
            "third-TOTAL_FORMS": "0", "third-INITIAL_FORMS": "0", "third-MIN_NUM_FORMS": "0",
            "third-MAX_NUM_FORMS": "50"}
    response = login(client, applicant).post(reverse("applications:calculate", args=[draft.pk]), data,
                                             HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "90.000,00\u00a0€" in html and "um 10.000,00\u00a0€ unter der Mindestzuwendung" in html
    assert not draft.cost_lines.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("vertrag.pdf", b"Hallo, ich bin eine Textdatei", "kein PDF"),
    ("leer.pdf", b"", "leer"),
    ("kaputt.pdf", b"%PDF-1.4\n garbage \n%%EOF", "beschädigt"),
])
def test_rejected_uploads_store_nothing(client, draft, applicant, name, content, message):
    response = login(client, applicant).post(
        reverse("applications:attachment-upload", args=[draft.pk]),
        {"kind": "council_resolution", "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        follow=True)
    assert message in response.content.decode() or "Bitte wählen Sie" in response.content.decode()
    assert not Attachment.objects.exists()


def test_too_large_upload_is_refused(client, draft, applicant, settings):
    settings.MAX_UPLOAD_MB = 1
    big = minimal_pdf() + b"%" + b"x" * (1024 * 1024)
    response = login(client, applicant).post(
        reverse("applications:attachment-upload", args=[draft.pk]),
        {"kind": "other", "file": SimpleUploadedFile("gross.pdf", big)}, follow=True)
    assert "größer als 1 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_valid_upload_is_private_and_hashed(client, draft, applicant):
    response = login(client, applicant).post(
        reverse("applications:attachment-upload", args=[draft.pk]),
        {"kind": "council_resolution", "file": SimpleUploadedFile("beschluss.txt", minimal_pdf())})
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert att.original_name == "beschluss.pdf" and len(att.sha256) == 64
    assert not att.file.name.startswith("/") and att.file.name.endswith(".pdf")
    download = client.get(reverse("applications:attachment-download", args=[draft.pk, att.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"


def test_submit_confirmation_then_submit(client, complete, applicant):
    c = login(client, applicant)
    page = c.get(reverse("applications:submit", args=[complete.pk]))
    assert "Jetzt verbindlich einreichen" in page.content.decode()
    c.post(reverse("applications:submit", args=[complete.pk]))
    complete.refresh_from_db()
    assert complete.state == S.SUBMITTED
    again = c.post(reverse("applications:submit", args=[complete.pk]), follow=True)
    assert "bereits eingereicht" in again.content.decode()


def test_withdraw_needs_confirmation(client, complete, applicant):
    c = login(client, applicant)
    assert c.get(reverse("applications:withdraw", args=[complete.pk])).status_code == 200
    complete.refresh_from_db()
    assert complete.state == S.DRAFT
    c.post(reverse("applications:withdraw", args=[complete.pk]), {"reason": "Doch nicht"})
    complete.refresh_from_db()
    assert complete.state == S.WITHDRAWN


def test_timeline_shows_history(client, complete, applicant):
    services.submit_application(actor=applicant, application_id=complete.pk)
    html = login(client, applicant).get(reverse("applications:detail", args=[complete.pk])).content.decode()
    assert "Antrag eingereicht (Entwurf → Eingereicht)" in html


# ---- staff list: filters, CSV, and query counts that do not grow with the rows

def _submitted(call, n, joint=False):
    apps = []
    for _ in range(n):
        lead = MunicipalityFactory()
        user = member_of(lead)
        partners = [MunicipalityFactory()] if joint else []
        app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user, partners=partners)
        apps.append(services.submit_application(actor=user, application_id=app.pk))
    return apps


def test_staff_list_filters_and_csv(client, call):
    single = _submitted(call, 2)
    joint = _submitted(call, 1, joint=True)
    c = login(client, staff_user("case_worker"))
    url = reverse("applications:staff-call", args=[call.pk])
    html = c.get(url, {"joint": "joint"}).content.decode()
    assert joint[0].title in html and single[0].title not in html
    html = c.get(url, {"q": single[1].case_number}).content.decode()
    assert single[1].title in html and single[0].title not in html
    csv = b"".join(c.get(reverse("applications:staff-call-csv", args=[call.pk]), {"joint": "single"})
                   .streaming_content).decode()
    assert csv.count("\n") == 3 and "180000,00" in csv and joint[0].case_number not in csv


def test_staff_list_counts_partner_municipalities_in_real_plural_forms(client, call):
    """Issue 11: "gemeinsam mit 1 Partnerin / 2 Partnern" mixed two words; one term, two forms."""
    for n in (1, 2):
        lead = MunicipalityFactory()
        user = member_of(lead)
        app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user,
                             partners=[MunicipalityFactory() for _ in range(n)])
        services.submit_application(actor=user, application_id=app.pk)
    html = login(client, staff_user("case_worker")).get(reverse("applications:staff-call", args=[call.pk]))
    text = " ".join(html.content.decode().split())
    assert "gemeinsam mit 1 Partnerkommune<" in text and "gemeinsam mit 2 Partnerkommunen<" in text
    assert "Partnerin" not in text and "Partnern" not in text


def test_staff_list_refuses_a_search_longer_than_the_api_allows(client, call):
    """The page and the API (StaffFilterSerializer: 200 characters) accept the same searches."""
    (app,) = _submitted(call, 1)
    c = login(client, staff_user("case_worker"))
    html = c.get(reverse("applications:staff-call", args=[call.pk]), {"q": "x" * 201}).content.decode()
    assert 'id="id_q_error"' in html and app.title in html  # not applied: the list is unfiltered
    response = c.get("/api/v1/staff/applications/", {"call": call.pk, "search": "x" * 201})
    assert response.status_code == 400


def test_staff_list_names_the_landkreis_under_the_municipality_and_the_title_keeps_its_room(client, call):
    """The call's list had nine columns at 1280 px: the title, the column staff look for, wrapped word by word. The
    Landkreis is now a second line in the municipality's cell (one column fewer), the title column keeps its room."""
    (app,) = _submitted(call, 1)
    html = login(client, staff_user("case_worker")).get(
        reverse("applications:staff-call", args=[call.pk])).content.decode()
    row = html[html.index(app.case_number):]
    row = row[:row.index("</tr>")]
    kreis = app.lead.landkreis.name
    assert f'{app.lead.name}<br><span class="kern-body kern-body--small">{kreis}</span>' in row
    assert row.count("<td") == 7 and 'cell-title" data-label="Titel"' in row  # the case number's cell is before it
    assert 'data-label="Landkreis"' not in html and 'class="filters filters--many"' in html


def test_staff_list_runs_without_distinct_or_group_by_and_gives_each_case_once(call):
    """Issue 13: `.distinct()` with `Count("partners")` made the page's COUNT(*) a DISTINCT over every column with
    GROUP BY. A case with two partners and two topics still appears once, filtered by topic and joint."""
    from applications.selectors import staff_applications

    lead = MunicipalityFactory()
    user = member_of(lead)
    topics = list(call.program.topics.all()[:2])
    app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user,
                         partners=[MunicipalityFactory(), MunicipalityFactory()])
    app.topics.set(topics)
    services.submit_application(actor=user, application_id=app.pk)
    _submitted(call, 1)
    for filters in ({}, {"topic": str(topics[0].pk)}, {"joint": "joint"}):
        qs = staff_applications(call_id=call.pk, **filters)
        sql = str(qs.query).upper()
        # every GROUP BY is the partner count's, inside its subquery
        assert "DISTINCT" not in sql and sql.count("GROUP BY") == sql.count('GROUP BY U0."APPLICATION_ID")') >= 1
        rows = list(qs)
        assert [r.pk for r in rows].count(app.pk) == 1 and qs.count() == len(rows)
    assert {r.pk: r.n_partners for r in staff_applications(call_id=call.pk)}[app.pk] == 2
    assert [r.pk for r in staff_applications(call_id=call.pk, topic=str(topics[1].pk))] == [app.pk]


INJECTION = '=HYPERLINK("http://x","y")'


def test_staff_csv_neutralises_formulas_in_titles(client, call):
    """Defect 11: an application title that a spreadsheet would run as a formula gets an apostrophe."""
    import csv as csv_module
    import io

    (application,) = _submitted(call, 1)
    Application.objects.filter(pk=application.pk).update(title=INJECTION)
    c = login(client, staff_user("case_worker"))
    text = b"".join(c.get(reverse("applications:staff-call-csv", args=[call.pk])).streaming_content
                    ).decode("utf-8-sig")
    rows = list(csv_module.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][1] == "'" + INJECTION
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_staff_list_is_for_staff_only(client, call, applicant):
    assert login(client, applicant).get(reverse("applications:staff-call", args=[call.pk])).status_code == 403


@pytest.mark.parametrize("url_name", ["applications:staff-call", "applications:staff-call-csv"])
def test_staff_list_query_count_constant(client, call, django_assert_max_num_queries, url_name):
    c = login(client, staff_user("case_worker"))
    url = reverse(url_name, args=[call.pk])
    _submitted(call, 1)
    with django_assert_max_num_queries(14) as one:
        b"".join(getattr(c.get(url), "streaming_content", [b""]))
    _submitted(call, 12, joint=True)
    with django_assert_max_num_queries(len(one.captured_queries)):
        b"".join(getattr(c.get(url), "streaming_content", [b""]))


def test_applicant_list_searches_filters_and_counts(client, call, lead, applicant):
    """A municipality's own list: a search (title, case number, lead's name) and a state filter, the count of what is
    shown, a reset link; a filter that is not valid is shown at its field and changes nothing."""
    sent = services.submit_application(actor=applicant, application_id=complete_draft(
        ApplicationFactory(call=call, lead=lead, created_by=applicant, title="Sensornetz Lahn"), user=applicant).pk)
    draft = ApplicationFactory(call=call, lead=lead, created_by=applicant, title="Bürger-App")
    c = login(client, applicant)
    url = reverse("applications:list")

    def shown(**params):
        html = c.get(url, params).content.decode()
        return html, {a.title for a in (sent, draft) if f">{a.title}</a>" in html}

    html, titles = shown()
    assert titles == {"Sensornetz Lahn", "Bürger-App"} and "2 Anträge" in html and "Filter zurücksetzen" not in html
    html, titles = shown(q="sensornetz")
    assert titles == {"Sensornetz Lahn"} and "1 Antrag<" in html and "Filter zurücksetzen" in html
    assert shown(q=sent.case_number)[1] == {"Sensornetz Lahn"}
    assert shown(state="draft")[1] == {"Bürger-App"}
    html, titles = shown(state="draft", q="sensornetz")
    assert titles == set() and "Keine Anträge für diese Auswahl." in html
    html, titles = shown(state="sent")
    assert titles == {"Sensornetz Lahn", "Bürger-App"} and 'id="id_state_error"' in html


def test_applicant_list_without_applications_offers_no_search(client, applicant):
    html = login(client, applicant).get(reverse("applications:list")).content.decode()
    assert "Noch keine Anträge." in html and 'role="search"' not in html


def test_applicant_list_query_count_constant(client, call, lead, applicant, django_assert_max_num_queries):
    c = login(client, applicant)
    ApplicationFactory(call=call, lead=lead, created_by=applicant)
    with django_assert_max_num_queries(12) as one:
        c.get(reverse("applications:list"))
    for _ in range(15):
        ApplicationFactory(call=call, lead=lead, created_by=applicant)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert c.get(reverse("applications:list")).status_code == 200


def test_revision_page_flow(client, complete, applicant):
    worker = staff_user("case_worker")
    services.submit_application(actor=applicant, application_id=complete.pk)
    c = login(client, worker)
    c.post(reverse("applications:check-step", args=[complete.pk, "start"]))
    assert c.get(reverse("applications:check", args=[complete.pk])).status_code == 200
    deadline = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    c.post(reverse("applications:check-step", args=[complete.pk, "return"]), {"reason": "Unterschrift fehlt",
                                                                               "deadline": deadline})
    complete.refresh_from_db()
    assert complete.state == S.RETURNED and complete.revision_reason == "Unterschrift fehlt"


def test_staff_calls_page_keeps_its_queries_and_shows_one_page(client, django_assert_max_num_queries):
    from tests.factories import CallFactory

    c = login(client, staff_user("case_worker"))
    CallFactory()
    c.get(reverse("applications:staff-calls"))
    with django_assert_max_num_queries(20) as one:
        c.get(reverse("applications:staff-calls"))
    for _ in range(26):
        CallFactory()
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = c.get(reverse("applications:staff-calls")).content.decode()
    assert "Seite 1 von 2" in html and "27 Einträge" in html
