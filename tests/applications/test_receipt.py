import io

import pytest
from pypdf import PdfReader

from applications import services
from applications.tasks import render_receipt

pytestmark = pytest.mark.django_db


def pdf_text(receipt) -> str:
    with receipt.file.open("rb") as f:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)


def test_receipt_lists_case_number_grant_and_financing_plan(complete, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = services.submit_application(actor=applicant, application_id=complete.pk)
    receipt = app.receipts.get()
    text = pdf_text(receipt)
    assert app.case_number in text
    assert "180.000,00" in text  # the grant: 90 % of 200,000.00
    assert "200.000,00" in text and "Sensoren" in text and "Bewirtung" in text
    assert receipt.figures["grant"] == "180000.00" and receipt.figures["case_number"] == app.case_number
    import hashlib
    with receipt.file.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == receipt.sha256


def test_rendering_twice_keeps_the_first_receipt(complete, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = services.submit_application(actor=applicant, application_id=complete.pk)
    first = app.receipts.get()
    assert render_receipt(application_id=app.pk, version=1) == first.pk
    assert app.receipts.count() == 1
    assert app.receipts.get().sha256 == first.sha256


def test_receipt_downloads_under_its_german_name(client, complete, applicant, django_capture_on_commit_callbacks):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        app = services.submit_application(actor=applicant, application_id=complete.pk)
    client.force_login(applicant)
    response = client.get(reverse("applications:receipt", args=[app.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="Eingangsbestaetigung-{app.case_number}.pdf"; '
        f"filename*=UTF-8''Eingangsbest%C3%A4tigung-{app.case_number}.pdf")
