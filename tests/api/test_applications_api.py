"""The applications API as a portal (token auth) and the ministry's case workers use it."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from applications.enums import ApplicationState as S
from applications.models import Application, Attachment, Receipt
from applications.services import submit_application
from audit.models import AuditEntry
from grants.models import Call
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MunicipalityFactory,
    ProgramFactory,
    UserFactory,
    api_key_for,
    complete_draft,
    member_of,
    minimal_pdf,
    pdf_upload,
    staff_user,
)

API = "/api/v1/applications/"


def token_client(user) -> APIClient:
    """An API client that authenticates as a portal does: with the user's token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    client.get("/api/v1/programs/")  # the key's first use records its time; query counts start after it
    return client


def url(application, suffix: str = "") -> str:
    return f"{API}{application.pk}/{suffix}"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def stored_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def submitted(call, *, partners=(), eligible_amount=Decimal("200000.00")):
    """A submitted application of a fresh municipality, through the services."""
    lead = MunicipalityFactory()
    user = member_of(lead)
    application = ApplicationFactory(call=call, lead=lead, created_by=user)
    complete_draft(application, user=user, partners=partners, eligible_amount=eligible_amount)
    submit_application(actor=user, application_id=application.pk)
    application.refresh_from_db()
    return application, user


# ---------------------------------------------------------------- the portal's whole way


def test_portal_flow_from_draft_to_receipt(
    call, lead, applicant, django_capture_on_commit_callbacks
):
    api = token_client(applicant)
    topic = call.program.topics.get(number=2)
    partner = MunicipalityFactory()

    calls = api.get("/api/v1/calls/")
    assert calls.status_code == 200
    assert [c["id"] for c in calls.data["results"]] == [call.pk]
    assert calls.data["results"][0]["is_accepting"] is True

    created = api.post(
        API, {"call": call.pk, "lead": lead.pk, "title": "Smarte Straßenbeleuchtung"}, format="json"
    )
    assert created.status_code == 201, created.data
    assert created.data["state"] == S.DRAFT
    assert created.data["case_number"] is None
    app_id = created.data["id"]
    app_url = f"{API}{app_id}/"

    updated = api.patch(
        app_url,
        {
            "summary": "LED mit Sensorik",
            "objectives": "Energie sparen",
            "benefit": "Sichere Wege",
            "transferability": "Für alle Gemeinden",
            "start_date": "2027-03-01",
            "end_date": "2028-12-31",
            "declaration_not_started": True,
            "declaration_own_share": True,
            "topics": [topic.pk],
            "partners": [partner.pk],
            "cost_lines": [
                {
                    "category": "investment",
                    "description": "Leuchten",
                    "budget_year": 2027,
                    "amount": "150000.00",
                },
                {
                    "category": "services",
                    "description": "Plattform",
                    "budget_year": 2028,
                    "amount": "50000.55",
                },
                {
                    "category": "other",
                    "description": "Bewirtung",
                    "budget_year": 2028,
                    "amount": "999.99",
                    "eligible": False,
                },
            ],
            "third_party": [{"source": "Stiftung Energie", "amount": "10000"}],
        },
        format="json",
    )
    assert updated.status_code == 200, updated.data
    data = updated.data
    # 90 % of 200,000.55 = 180,000.495 -> rounded down to the cent; money as decimal strings.
    assert data["grant_amount"] == "180000.49"
    assert data["figures"]["grant"] == "180000.49"
    assert data["figures"]["total_costs"] == "201000.54"
    assert data["figures"]["eligible_costs"] == "200000.55"
    assert data["figures"]["third_party_funds"] == "10000.00"
    assert data["figures"]["own_share"] == "11000.05"
    assert data["figures"]["by_year"] == [
        {"year": 2027, "total": "150000.00", "eligible": "150000.00"},
        {"year": 2028, "total": "51000.54", "eligible": "50000.55"},
    ]
    assert [(c["description"], c["amount"], c["eligible"]) for c in data["cost_lines"]] == [
        ("Leuchten", "150000.00", True),
        ("Plattform", "50000.55", True),
        ("Bewirtung", "999.99", False),
    ]
    assert data["third_party"] == [{"source": "Stiftung Energie", "amount": "10000.00"}]
    assert [t["id"] for t in data["topics"]] == [topic.pk]
    assert [p["id"] for p in data["partners"]] == [partner.pk] and data["is_joint"] is True
    assert any("Ratsbeschluss" in p for p in data["submission_problems"])
    assert data["permissions"]["can_edit"] is True

    uploaded = api.post(
        f"{app_url}attachments/",
        {"kind": "council_resolution", "file": pdf_upload()},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.data
    assert uploaded.data["original_name"] == "ratsbeschluss.pdf"
    listed = api.get(f"{app_url}attachments/")
    assert [a["id"] for a in listed.data] == [uploaded.data["id"]]
    download = api.get(uploaded.data["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert body(download) == minimal_pdf()

    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"{app_url}submit/")
    assert sent.status_code == 200, sent.data
    year = timezone.localdate().year
    assert sent.data["state"] == S.SUBMITTED
    assert re.fullmatch(rf"SHH2-{year}-0001", sent.data["case_number"])
    assert sent.data["submitted_at"]

    status = api.get(app_url)
    assert status.data["state_display"] == "Eingereicht"
    assert status.data["case_number"] == sent.data["case_number"]
    assert status.data["submission_problems"] == []
    assert status.data["permissions"] == {
        "can_edit": False,
        "can_withdraw": True,
        "can_check": False,
        "can_download_receipt": True,
    }
    assert [r["version"] for r in status.data["receipts"]] == [1]

    timeline = api.get(f"{app_url}timeline/")
    assert timeline.status_code == 200
    actions = [e["action"] for e in timeline.data]
    assert actions[:4] == [
        "application.created",
        "application.updated",
        "attachment.added",
        "application.submitted",
    ]
    assert "receipt.created" in actions
    submitted_entry = timeline.data[3]
    assert (
        submitted_entry["to_state"] == S.SUBMITTED
        and submitted_entry["to_state_display"] == "Eingereicht"
    )
    assert submitted_entry["actor_name"] == applicant.display_name
    assert submitted_entry["action_label"] == "Antrag eingereicht"
    assert submitted_entry["from_state_display"] == "Entwurf"
    assert submitted_entry["data"]["case_number"] == sent.data["case_number"]

    receipt = api.get(status.data["receipts"][0]["download_url"], HTTP_ACCEPT="application/pdf")
    assert receipt.status_code == 200
    assert body(receipt).startswith(b"%PDF")
    assert receipt["Cache-Control"] == "private, no-store"

    mine = api.get(API)
    assert [(a["id"], a["state"], a["is_lead"]) for a in mine.data["results"]] == [
        (app_id, S.SUBMITTED, True)
    ]


def test_programs_list_topics(call, applicant):
    response = token_client(applicant).get("/api/v1/programs/")
    assert response.status_code == 200
    [program] = response.data["results"]
    assert program["funding_rate"] == "0.9000"
    assert program["min_grant"] == "100000.00" and program["max_grant"] == "2500000.00"
    assert [t["number"] for t in program["topics"]] == [1, 2, 3]


def test_closed_and_draft_calls_are_not_listed_as_open(call, applicant):
    CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=30),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    draft_call = CallFactory(state="draft")
    api = token_client(applicant)
    response = api.get("/api/v1/calls/")
    assert [c["id"] for c in response.data["results"]] == [call.pk]
    assert response.data["results"][0]["budget_years"] == [
        {"year": 2027, "amount": "8000000.00"},
        {"year": 2028, "amount": "8000000.00"},
    ]
    assert api.get(f"/api/v1/calls/{draft_call.pk}/").status_code == 404


def test_anonymous_requests_are_refused(complete):
    client = APIClient()
    assert client.get(API).status_code == 401
    assert client.post(url(complete, "submit/")).status_code == 401
    assert client.get("/api/v1/calls/").status_code == 401


def test_session_login_works_as_well(complete, applicant):
    client = APIClient()
    client.force_login(applicant)
    assert client.get(url(complete)).status_code == 200


# ---------------------------------------------------------------- bad input changes nothing


def test_update_with_a_bad_amount_changes_nothing(complete, applicant):
    before = list(complete.cost_lines.values_list("description", "amount"))
    response = token_client(applicant).patch(
        url(complete),
        {
            "summary": "Neu",
            "cost_lines": [
                {
                    "category": "investment",
                    "description": "Server",
                    "budget_year": 2027,
                    "amount": "12,5x",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data["field"] == "cost_lines[0].amount"
    assert "kein gültiger Betrag" in response.data["detail"]
    complete.refresh_from_db()
    assert complete.summary == "Kurz"
    assert list(complete.cost_lines.values_list("description", "amount")) == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {
                "cost_lines": [
                    {
                        "category": "investment",
                        "description": "X",
                        "budget_year": 2027,
                        "amount": "10.001",
                    }
                ]
            },
            "cost_lines[0].amount",
            "zwei Nachkommastellen",
        ),
        (
            {
                "cost_lines": [
                    {
                        "category": "investment",
                        "description": "X",
                        "budget_year": 2031,
                        "amount": "10",
                    }
                ]
            },
            "cost_lines[0].budget_year",
            "außerhalb",
        ),
        (
            {"third_party": [{"source": "Bund", "amount": "-5"}]},
            "third_party[0].amount",
            "größer als 0",
        ),
        (
            {"start_date": "2028-01-01", "end_date": "2027-01-01"},
            "end_date",
            "nach dem Projektbeginn",
        ),
        ({"title": "  "}, "title", "Projekttitel"),
    ],
)
def test_service_rules_come_back_as_400_with_field(complete, applicant, payload, field, message):
    response = token_client(applicant).patch(url(complete), payload, format="json")
    assert response.status_code == 400
    assert response.data["field"] == field
    assert message in response.data["detail"]
    complete.refresh_from_db()
    assert complete.start_date == dt.date(2027, 3, 1) and complete.title.startswith(
        "Digitales Rathaus"
    )


@pytest.mark.parametrize(
    "payload", [{"state": "eligible"}, {"case_number": "X-1"}, {"grant_amount": "1"}, {}]
)
def test_unknown_or_read_only_keys_and_empty_updates_are_refused(complete, applicant, payload):
    client = token_client(applicant)
    before = AuditEntry.objects.count()
    response = client.patch(url(complete), payload, format="json")
    assert response.status_code == 400
    complete.refresh_from_db()
    assert complete.state == S.DRAFT and complete.case_number is None
    assert AuditEntry.objects.count() == before


def test_create_for_a_municipality_the_user_is_not_member_of_is_refused(call, applicant):
    other = MunicipalityFactory()
    response = token_client(applicant).post(
        API, {"call": call.pk, "lead": other.pk, "title": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "nicht als Mitglied" in response.data["detail"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ratsbeschluss.pdf", b"Dies ist nur ein umbenannter Text.\n" * 20, "kein PDF"),
        ("leer.pdf", b"", "leer"),
    ],
)
def test_non_pdf_and_empty_uploads_are_refused_and_nothing_is_stored(
    draft, applicant, name, content, message
):
    files_before = stored_files()
    response = token_client(applicant).post(
        url(draft, "attachments/"),
        {
            "kind": "council_resolution",
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 400, response.data
    assert response.data["field"] == "file"
    assert message in response.data["detail"]
    assert not Attachment.objects.exists()
    assert stored_files() == files_before
    assert not AuditEntry.objects.filter(action="attachment.added").exists()


def test_upload_without_file_is_refused(draft, applicant):
    response = token_client(applicant).post(
        url(draft, "attachments/"), {"kind": "other"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.data
    assert not Attachment.objects.exists()


def test_submit_after_the_deadline_is_refused(complete, applicant, call):
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    response = token_client(applicant).post(url(complete, "submit/"))
    assert response.status_code == 400
    assert "Einreichungsfrist" in response.data["detail"]
    complete.refresh_from_db()
    assert complete.state == S.DRAFT and complete.case_number is None
    assert not Receipt.objects.exists()


def test_incomplete_draft_cannot_be_submitted(draft, applicant):
    response = token_client(applicant).post(url(draft, "submit/"))
    assert response.status_code == 400
    assert "Ratsbeschluss" in response.data["detail"]
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_submitted_application_can_no_longer_be_edited(call):
    application, user = submitted(call)
    api = token_client(user)
    response = api.patch(url(application), {"summary": "Nachträglich"}, format="json")
    assert response.status_code == 400
    assert "nicht bearbeiten" in response.data["detail"]
    assert api.post(url(application, "submit/")).status_code == 400
    upload = api.post(
        url(application, "attachments/"),
        {"kind": "other", "file": pdf_upload()},
        format="multipart",
    )
    assert upload.status_code == 400
    application.refresh_from_db()
    assert application.summary == "Kurz" and application.attachments.count() == 1


def test_lead_removes_an_attachment_of_a_draft(complete, applicant):
    attachment = complete.attachments.get()
    api = token_client(applicant)
    response = api.delete(url(complete, f"attachments/{attachment.pk}/"))
    assert response.status_code == 204
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert api.get(url(complete, f"attachments/{attachment.pk}/")).status_code == 404


def test_withdraw_then_withdraw_again(call):
    application, user = submitted(call)
    api = token_client(user)
    response = api.post(
        url(application, "withdraw/"), {"reason": "Projekt verschoben"}, format="json"
    )
    assert response.status_code == 200 and response.data["state"] == S.WITHDRAWN
    again = api.post(url(application, "withdraw/"), {}, format="json")
    assert again.status_code == 400
    assert "bereits zurückgezogen" in again.data["detail"]


# ---------------------------------------------------------------- who sees and does what


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"title": "Gekapert"}),
        ("post", "submit/", None),
        ("post", "withdraw/", {}),
        ("get", "attachments/", None),
        ("post", "attachments/", "upload"),
        ("get", "timeline/", None),
        ("get", "receipts/1/", None),
    ],
)
def test_another_municipality_gets_404_by_guessed_id(complete, method, suffix, payload):
    outsider = member_of(MunicipalityFactory())
    if payload == "upload":
        response = token_client(outsider).post(
            url(complete, suffix), {"kind": "other", "file": pdf_upload()}, format="multipart"
        )
    else:
        response = getattr(token_client(outsider), method)(
            url(complete, suffix), payload, format="json"
        )
    assert response.status_code == 404
    assert response.data["detail"] == "Nicht gefunden."
    complete.refresh_from_db()
    assert complete.state == S.DRAFT and complete.title.startswith("Digitales Rathaus")
    assert complete.attachments.count() == 1


def test_guessed_attachment_id_of_another_application_is_404(complete, call):
    other_lead = MunicipalityFactory()
    outsider = member_of(other_lead)
    own = ApplicationFactory(call=call, lead=other_lead, created_by=outsider)
    foreign = complete.attachments.get()
    api = token_client(outsider)
    assert api.get(url(own, f"attachments/{foreign.pk}/")).status_code == 404
    assert api.delete(url(own, f"attachments/{foreign.pk}/")).status_code == 404
    assert Attachment.objects.filter(pk=foreign.pk).exists()


def test_list_shows_only_own_applications(complete, call):
    other, _user = submitted(call)
    outsider = member_of(MunicipalityFactory())
    assert token_client(outsider).get(API).data["results"] == []
    ids = [a["id"] for a in token_client(complete.created_by).get(API).data["results"]]
    assert ids == [complete.pk] and other.pk not in ids


def test_own_list_is_searched_and_filtered_by_state(call, lead, applicant):
    """A municipality's list answers ?state= and ?search= (title, case number, lead's name) as its page does."""
    complete = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=applicant, title="Sensornetz Lahn"),
                              user=applicant)
    sent = submit_application(actor=applicant, application_id=complete.pk)
    draft = ApplicationFactory(call=call, lead=lead, created_by=applicant, title="Bürger-App")
    other, _user = submitted(call)
    api = token_client(applicant)

    def ids(**params):
        response = api.get(API, params)
        assert response.status_code == 200, response.data
        return {a["id"] for a in response.data["results"]}

    assert ids() == {sent.pk, draft.pk}
    assert ids(state="draft") == {draft.pk} and ids(state="submitted") == {sent.pk}
    assert ids(search="sensornetz") == {sent.pk} and ids(search=sent.case_number[-4:]) == {sent.pk}
    assert ids(search=lead.name) == {sent.pk, draft.pk}
    assert ids(search=other.title) == set()  # another municipality's case stays out of reach
    assert ids(state="draft", search="sensornetz") == set()


@pytest.mark.parametrize("params", [{"state": "sent"}, {"state": "draft; DROP"}, {"search": "x" * 201}])
def test_own_list_refuses_bad_filters(applicant, params):
    response = token_client(applicant).get(API, params)
    assert response.status_code == 400 and set(response.data) >= set(params)


@pytest.fixture
def joint(draft, applicant):
    partner = MunicipalityFactory()
    partner_user = member_of(partner)
    return complete_draft(draft, user=applicant, partners=[partner]), partner_user


def test_partner_members_can_read(joint):
    application, partner_user = joint
    api = token_client(partner_user)
    detail = api.get(url(application))
    assert detail.status_code == 200
    assert detail.data["is_lead"] is False
    assert detail.data["permissions"]["can_edit"] is False
    assert api.get(url(application, "attachments/")).status_code == 200
    assert api.get(url(application, "timeline/")).status_code == 200
    assert [a["id"] for a in api.get(API).data["results"]] == [application.pk]


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("patch", "", {"title": "Übernommen"}),
        ("post", "submit/", None),
        ("post", "withdraw/", {}),
        ("post", "attachments/", "upload"),
        ("delete", "attachments/{aid}/", None),
    ],
)
def test_partner_members_cannot_edit(joint, method, suffix, payload):
    application, partner_user = joint
    attachment = application.attachments.get()
    api = token_client(partner_user)
    path = url(application, suffix.format(aid=attachment.pk))
    if payload == "upload":
        response = api.post(path, {"kind": "other", "file": pdf_upload()}, format="multipart")
    else:
        response = getattr(api, method)(path, payload, format="json")
    assert response.status_code == 403
    assert "antragstellenden Kommune" in response.data["detail"]
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.title.startswith("Digitales Rathaus")
    assert list(application.attachments.all()) == [attachment]


def test_partner_members_cannot_download_the_receipt(joint, applicant):
    application, partner_user = joint
    submit_application(actor=applicant, application_id=application.pk)
    Receipt.objects.create(
        application=application,
        version=1,
        sha256="0" * 64,
        file=SimpleUploadedFile("r.pdf", minimal_pdf()),
    )
    assert token_client(partner_user).get(url(application, "receipts/1/")).status_code == 403
    response = token_client(applicant).get(url(application, "receipts/1/"))
    assert response.status_code == 200 and body(response) == minimal_pdf()


def test_staff_without_totp_get_403(call):
    application, _user = submitted(call)
    no_totp = UserFactory(roles=["case_worker"])
    api = token_client(no_totp)
    listing = api.get("/api/v1/staff/applications/", {"call": call.pk})
    assert listing.status_code == 403
    assert "TOTP" in listing.data["detail"]
    assert api.get(url(application)).status_code == 403
    assert api.post(url(application, "start-check/")).status_code == 403
    application.refresh_from_db()
    assert application.state == S.SUBMITTED


def test_staff_do_not_see_drafts_of_others(complete):
    assert token_client(staff_user()).get(url(complete)).status_code == 404
    assert token_client(staff_user()).post(url(complete, "start-check/")).status_code == 404


# ---------------------------------------------------------------- the formal check


def test_case_worker_formal_check_with_revision(call):
    application, applicant = submitted(call)
    worker = token_client(staff_user())
    portal = token_client(applicant)

    started = worker.post(url(application, "start-check/"))
    assert started.status_code == 200 and started.data["state"] == S.IN_FORMAL_CHECK
    assert started.data["permissions"]["can_check"] is True

    deadline = timezone.localdate() + dt.timedelta(days=14)
    returned = worker.post(
        url(application, "return-for-revision/"),
        {"reason": "Der Ratsbeschluss ist nicht unterschrieben.", "deadline": deadline.isoformat()},
        format="json",
    )
    assert returned.status_code == 200, returned.data
    assert returned.data["state"] == S.RETURNED
    assert returned.data["revision_deadline"] == deadline.isoformat()

    fixed = portal.patch(
        url(application), {"summary": "Mit unterschriebenem Beschluss"}, format="json"
    )
    assert fixed.status_code == 200
    resubmitted = portal.post(url(application, "resubmit/"))
    assert resubmitted.status_code == 200 and resubmitted.data["state"] == S.RESUBMITTED
    assert portal.post(url(application, "resubmit/")).status_code == 400

    assert worker.post(url(application, "start-check/")).data["state"] == S.IN_FORMAL_CHECK
    items = worker.get(url(application, "checklist/")).data
    judgement = [i["key"] for i in items if i["manual"]]
    assert judgement and all(isinstance(i["ok"], bool) for i in items if not i["manual"])
    unconfirmed = worker.post(
        url(application, "decide-eligibility/"), {"eligible": True, "confirmed": judgement[:-1]}, format="json"
    )  # the same checklist rule as on the page: every judgement item confirmed
    assert unconfirmed.status_code == 400 and unconfirmed.data["field"] == "checklist"
    assert portal.get(url(application)).data["state"] == S.IN_FORMAL_CHECK
    assert portal.get(url(application, "checklist/")).status_code == 403
    decided = worker.post(
        url(application, "decide-eligibility/"), {"eligible": True, "confirmed": judgement}, format="json"
    )
    assert decided.status_code == 200 and decided.data["state"] == S.ELIGIBLE

    timeline = portal.get(url(application, "timeline/")).data
    returned_entry = next(e for e in timeline if e["action"] == "application.returned")
    assert returned_entry["reason"] == "Der Ratsbeschluss ist nicht unterschrieben."
    states = [e["to_state"] for e in timeline if e["to_state"]]
    assert states == [
        S.SUBMITTED,
        S.IN_FORMAL_CHECK,
        S.RETURNED,
        S.RESUBMITTED,
        S.IN_FORMAL_CHECK,
        S.ELIGIBLE,
    ]


def test_ineligible_needs_a_reason(call):
    application, _user = submitted(call)
    worker = token_client(staff_user())
    worker.post(url(application, "start-check/"))
    refused = worker.post(
        url(application, "decide-eligibility/"), {"eligible": False}, format="json"
    )
    assert refused.status_code == 400 and refused.data["field"] == "reason"
    application.refresh_from_db()
    assert application.state == S.IN_FORMAL_CHECK
    decided = worker.post(
        url(application, "decide-eligibility/"),
        {"eligible": False, "reason": "Keine hessische Kommune beteiligt."},
        format="json",
    )
    assert decided.status_code == 200
    assert decided.data["state"] == S.INELIGIBLE
    assert decided.data["decision_reason"] == "Keine hessische Kommune beteiligt."


@pytest.mark.parametrize(
    ("deadline_days", "message"), [(0, "Zukunft"), (-3, "Zukunft"), (200, "180 Tage")]
)
def test_return_for_revision_needs_a_sensible_deadline(call, deadline_days, message):
    application, _user = submitted(call)
    worker = token_client(staff_user())
    worker.post(url(application, "start-check/"))
    deadline = timezone.localdate() + dt.timedelta(days=deadline_days)
    response = worker.post(
        url(application, "return-for-revision/"),
        {"reason": "Bitte ergänzen", "deadline": deadline.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["field"] == "deadline" and message in response.data["detail"]
    application.refresh_from_db()
    assert application.state == S.IN_FORMAL_CHECK and application.revision_reason == ""


def test_start_check_twice_is_refused_with_the_state(call):
    application, _user = submitted(call)
    worker = token_client(staff_user())
    assert worker.post(url(application, "start-check/")).status_code == 200
    again = worker.post(url(application, "start-check/"))
    assert again.status_code == 400
    assert "In Formalprüfung" in again.data["detail"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("case_worker", 200), ("admin", 200), ("approver", 403), ("lead", 403), ("partner", 403)],
)
def test_who_may_start_the_formal_check(call, who, expected):
    partner = MunicipalityFactory()
    application, lead_user = submitted(call, partners=[partner])
    user = {"lead": lambda: lead_user, "partner": lambda: member_of(partner)}.get(
        who, lambda: staff_user(who)
    )()
    response = token_client(user).post(url(application, "start-check/"))
    assert response.status_code == expected
    application.refresh_from_db()
    assert application.state == (S.IN_FORMAL_CHECK if expected == 200 else S.SUBMITTED)


# ---------------------------------------------------------------- the case workers' list


@pytest.fixture
def staff_list(call):
    partner = MunicipalityFactory()
    single, _ = submitted(call, eligible_amount=Decimal("300000.00"))
    joint_app, _ = submitted(call, partners=[partner], eligible_amount=Decimal("150000.00"))
    draft = ApplicationFactory(call=call)
    return {"single": single, "joint": joint_app, "draft": draft}


def staff_ids(api, **params):
    response = api.get("/api/v1/staff/applications/", params)
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def test_staff_list_filters_and_orders(call, staff_list):
    single, joint_app = staff_list["single"], staff_list["joint"]
    api = token_client(staff_user())
    assert staff_ids(api, call=call.pk) == [single.pk, joint_app.pk]  # drafts never appear
    assert staff_ids(api, call=call.pk, ordering="grant") == [joint_app.pk, single.pk]
    assert staff_ids(api, call=call.pk, joint="joint") == [joint_app.pk]
    assert staff_ids(api, call=call.pk, joint="single") == [single.pk]
    assert staff_ids(api, call=call.pk, search=joint_app.case_number) == [joint_app.pk]
    assert staff_ids(api, call=call.pk, search=single.lead.name) == [single.pk]
    assert staff_ids(api, call=call.pk, landkreis=single.lead.landkreis_id) == [single.pk]
    topic = call.program.topics.first()
    assert staff_ids(api, call=call.pk, topic=topic.pk) == [single.pk, joint_app.pk]
    assert staff_ids(api, call=call.pk, topic=call.program.topics.last().pk) == []
    assert staff_ids(api, call=call.pk, state=S.SUBMITTED) == [single.pk, joint_app.pk]
    assert staff_ids(api, call=call.pk, state=S.ELIGIBLE) == []
    assert staff_ids(api, call=CallFactory().pk) == []

    row = api.get("/api/v1/staff/applications/", {"call": call.pk}).data["results"][0]
    assert row["grant_amount"] == "270000.00" and row["total_costs"] == "301000.00"
    assert row["n_partners"] == 0 and row["lead"]["landkreis_name"] == single.lead.landkreis.name


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"call": "abc"},
        {"call": 999999},
        {"call": "{call}", "ordering": "title; DROP"},
        {"call": "{call}", "state": "draft"},
        {"call": "{call}", "joint": "both"},
        {"call": "{call}", "topic": "x"},
    ],
)
def test_staff_list_refuses_bad_filters(call, params):
    params = {k: (call.pk if v == "{call}" else v) for k, v in params.items()}
    response = token_client(staff_user()).get("/api/v1/staff/applications/", params)
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["approver", "admin"])
def test_other_staff_roles_may_read_the_list(call, staff_list, role):
    assert staff_ids(token_client(staff_user(role)), call=call.pk) == [
        staff_list["single"].pk,
        staff_list["joint"].pk,
    ]


def test_applicants_may_not_read_the_staff_list(call, staff_list, applicant):
    response = token_client(applicant).get("/api/v1/staff/applications/", {"call": call.pk})
    assert response.status_code == 403


def test_staff_calls_count_submitted_applications(call, staff_list):
    response = token_client(staff_user()).get("/api/v1/staff/calls/")
    assert response.status_code == 200
    assert [(c["id"], c["n_applications"]) for c in response.data["results"]] == [(call.pk, 2)]


# ---------------------------------------------------------------- queries do not grow with the rows


def _add_submitted(call, n):
    for _ in range(n):
        submitted(call)


def _add_own_drafts(lead, user, call, n):
    for _ in range(n):
        partner = MunicipalityFactory()
        application = ApplicationFactory(call=call, lead=lead, created_by=user)
        application.partners.add(partner)


def _rows(data):
    return data["results"] if isinstance(data, dict) else data


def assert_constant(
    django_assert_max_num_queries, api, path, params, max_queries, add_rows, many=6
):
    with django_assert_max_num_queries(max_queries):
        first = api.get(path, params)
    assert first.status_code == 200
    assert len(_rows(first.data)) == 1
    add_rows(many - 1)
    with django_assert_max_num_queries(max_queries):
        second = api.get(path, params)
    assert len(_rows(second.data)) == many


def test_queries_portal_list(django_assert_max_num_queries, call, lead, applicant):
    ApplicationFactory(call=call, lead=lead, created_by=applicant)
    assert_constant(
        django_assert_max_num_queries,
        token_client(applicant),
        API,
        {},
        6,  # with the page's ids (foundation.paging.Paginator)
        lambda n: _add_own_drafts(lead, applicant, call, n),
    )


def test_queries_staff_list(django_assert_max_num_queries, call):
    submitted(call)
    assert_constant(
        django_assert_max_num_queries,
        token_client(staff_user()),
        "/api/v1/staff/applications/",
        {"call": call.pk},
        8,  # with the page's ids (foundation.paging.Paginator)
        lambda n: _add_submitted(call, n),
    )


def test_queries_staff_calls(django_assert_max_num_queries, call):
    assert_constant(
        django_assert_max_num_queries,
        token_client(staff_user()),
        "/api/v1/staff/calls/",
        {},
        7,  # with the page's ids (foundation.paging.Paginator)
        lambda n: [CallFactory() for _ in range(n)],
    )


def test_queries_open_calls(django_assert_max_num_queries, call, applicant):
    assert_constant(
        django_assert_max_num_queries,
        token_client(applicant),
        "/api/v1/calls/",
        {},
        6,  # with the page's ids (foundation.paging.Paginator)
        lambda n: [CallFactory() for _ in range(n)],
    )


def test_queries_programs(django_assert_max_num_queries, applicant):
    ProgramFactory()
    assert_constant(
        django_assert_max_num_queries,
        token_client(applicant),
        "/api/v1/programs/",
        {},
        5,
        lambda n: [ProgramFactory() for _ in range(n)],
    )


def test_queries_attachments(django_assert_max_num_queries, draft, applicant):
    from applications.services import add_attachment

    def add(n):
        for i in range(n):
            add_attachment(
                actor=applicant,
                application_id=draft.pk,
                kind="other",
                upload=pdf_upload(name=f"anlage-{i}.pdf"),
            )

    add(1)
    assert_constant(
        django_assert_max_num_queries,
        token_client(applicant),
        url(draft, "attachments/"),
        {},
        5,
        add,
    )


def test_queries_timeline(django_assert_max_num_queries, call, lead, applicant):
    from applications.services import create_application, update_application

    application = create_application(actor=applicant, call=call, lead=lead, title="Sensornetz")

    def add(n):
        for i in range(n):
            update_application(
                actor=applicant, application_id=application.pk, data={"summary": f"Stand {i}"}
            )

    assert_constant(
        django_assert_max_num_queries,
        token_client(applicant),
        url(application, "timeline/"),
        {},
        5,
        add,
    )


# ---------------------------------------------------------------- defect 7: amounts never cause a 500

JUNK_AMOUNTS = ["1e30", "1e-30", "NaN", "Infinity", "-5", "abc", "1" * 27, "1.234,567"]


@pytest.mark.parametrize("amount", JUNK_AMOUNTS)
@pytest.mark.parametrize("part", ["cost_lines", "third_party"])
def test_junk_amounts_are_400_with_a_message_not_500(complete, applicant, amount, part):
    line = ({"category": "investment", "description": "Server", "budget_year": 2027, "amount": amount}
            if part == "cost_lines" else {"source": "Bund", "amount": amount})
    before = list(complete.cost_lines.values_list("description", "amount"))
    response = token_client(applicant).patch(url(complete), {part: [line]}, format="json")
    assert response.status_code == 400
    assert response.data["field"] == f"{part}[0].amount"
    assert response.data["detail"]
    assert list(complete.cost_lines.values_list("description", "amount")) == before
