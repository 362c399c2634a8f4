"""Issue 11: the formal check page — checklist, attachments in place, input kept on every error."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from applications import services
from applications.enums import ApplicationState as S
from audit.models import AuditEntry
from tests.factories import MunicipalityFactory, complete_draft, staff_user

pytestmark = pytest.mark.django_db

MANUAL = ("resolution_valid", "description_plausible", "not_started")


@pytest.fixture
def in_check(complete, applicant):
    services.submit_application(actor=applicant, application_id=complete.pk)
    worker = staff_user("case_worker")
    services.start_formal_check(actor=worker, application_id=complete.pk)
    complete.worker = worker
    return complete


def page(client, app):
    client.force_login(app.worker)
    return client.get(reverse("applications:check", args=[app.pk]))


def step(client, app, name, data):
    client.force_login(app.worker)
    return client.post(reverse("applications:check-step", args=[app.pk, name]), data)


def test_the_page_shows_the_computed_checklist_and_the_attachments(client, in_check):
    html = page(client, in_check).content.decode()
    assert 'data-item="council_resolution" data-ok="true"' in html
    assert 'data-item="financing" data-ok="true"' in html
    assert 'data-item="dates" data-ok="true"' in html
    assert 'data-item="declarations" data-ok="true"' in html
    # no project description was uploaded: ✗ with the reason
    assert 'data-item="project_description" data-ok="false"' in html
    assert "Keine Anlage der Art „Projektbeschreibung“" in html
    assert "partner_agreement" not in html and "confirm_partners_confirmed" not in html
    attachment = in_check.attachments.get()
    assert reverse("applications:attachment-download", args=[in_check.pk, attachment.pk]) in html
    assert attachment.original_name in html and "Ratsbeschluss" in html
    for key in MANUAL:
        assert f'name="confirm_{key}"' in html


def test_a_joint_project_adds_the_partner_items(client, draft, applicant):
    app = complete_draft(draft, user=applicant, partners=[MunicipalityFactory(name="Partnerstadt")])
    services.submit_application(actor=applicant, application_id=app.pk)
    app.worker = staff_user("case_worker")
    services.start_formal_check(actor=app.worker, application_id=app.pk)
    html = page(client, app).content.decode()
    assert 'data-item="partner_agreement" data-ok="false"' in html
    assert 'name="confirm_partners_confirmed"' in html and "Partnerstadt" in html


def test_return_without_deadline_keeps_the_text_and_marks_the_deadline(client, in_check):
    response = step(client, in_check, "return", {"reason": "Die Unterschrift auf Seite 3 fehlt.",
                                                 "confirm_not_started": "on"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Die Unterschrift auf Seite 3 fehlt." in html
    assert 'id="check-deadline_error"' in html
    ticked = re.search(r'<input[^>]*id="check-confirm_not_started"[^>]*>', html).group(0)
    unticked = re.search(r'<input[^>]*id="check-confirm_resolution_valid"[^>]*>', html).group(0)
    assert "checked" in ticked and "checked" not in unticked
    in_check.refresh_from_db()
    assert in_check.state == S.IN_FORMAL_CHECK


def test_a_deadline_in_the_past_is_an_error_at_the_deadline(client, in_check):
    response = step(client, in_check, "return", {"reason": "Bitte ergänzen.",
                                                 "deadline": (dt.date.today() - dt.timedelta(days=1)).isoformat()})
    html = response.content.decode()
    assert response.status_code == 400 and "Die Frist muss in der Zukunft liegen." in html
    assert 'id="check-deadline_error"' in html and "Bitte ergänzen." in html
    in_check.refresh_from_db()
    assert in_check.state == S.IN_FORMAL_CHECK


def test_eligible_needs_every_judgement_item(client, in_check):
    response = step(client, in_check, "eligible", {"reason": "Alles da.", "confirm_resolution_valid": "on"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="check-confirm_description_plausible_error"' in html
    assert 'id="check-confirm_not_started_error"' in html
    assert 'id="check-confirm_resolution_valid_error"' not in html
    assert "Alles da." in html
    in_check.refresh_from_db()
    assert in_check.state == S.IN_FORMAL_CHECK
    assert not AuditEntry.objects.filter(action="application.eligible").exists()


def test_ineligible_needs_a_reason_at_the_reason_field(client, in_check):
    response = step(client, in_check, "ineligible", {"reason": "  "})
    assert response.status_code == 400
    assert 'id="check-reason_error"' in response.content.decode()
    in_check.refresh_from_db()
    assert in_check.state == S.IN_FORMAL_CHECK


def test_the_decision_records_the_checklist_in_the_audit_entry(client, in_check):
    response = step(client, in_check, "eligible", {"reason": "Vollständig.",
                                                   **{f"confirm_{k}": "on" for k in MANUAL}})
    assert response.status_code == 302
    in_check.refresh_from_db()
    assert in_check.state == S.ELIGIBLE
    entry = AuditEntry.objects.get(action="application.eligible")
    checklist = entry.data["checklist"]
    assert all(checklist[k]["confirmed"] is True for k in MANUAL)
    assert checklist["council_resolution"]["ok"] is True
    assert checklist["project_description"] == {"label": "Projektbeschreibung beigefügt", "ok": False,
                                                "reason": "Keine Anlage der Art „Projektbeschreibung“."}


def test_return_records_which_items_were_confirmed(client, in_check):
    deadline = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    response = step(client, in_check, "return", {"reason": "Projektbeschreibung fehlt.", "deadline": deadline,
                                                 "confirm_resolution_valid": "on"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="application.returned")
    assert entry.data["checklist"]["resolution_valid"]["confirmed"] is True
    assert entry.data["checklist"]["not_started"]["confirmed"] is False


def test_an_unknown_checklist_key_is_refused_by_the_service(in_check):
    from applications.exceptions import ApplicationError

    with pytest.raises(ApplicationError, match="Prüfliste"):
        services.decide_eligibility(actor=in_check.worker, application_id=in_check.pk, eligible=True,
                                    confirmed=[*MANUAL, "made_up"])
    in_check.refresh_from_db()
    assert in_check.state == S.IN_FORMAL_CHECK
