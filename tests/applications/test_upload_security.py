"""Uploads with active content, odd names, too many files and too large bodies (issue 10, finding 4)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from rest_framework.test import APIClient

from applications.exceptions import ApplicationError
from applications.models import Attachment
from applications.services import add_attachment
from tests.factories import api_key_for, minimal_pdf

pytestmark = pytest.mark.django_db


def rewritten(change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf())))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_open_action_script(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})


def with_launch_action(writer):
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})})


ACTIVE = {
    "document script": lambda w: w.add_js("app.alert('x');"),
    "open action": with_open_action_script,
    "launch action": with_launch_action,
    "embedded exe": lambda w: w.add_attachment("setup.exe", b"MZ\x90\x00" + b"\x00" * 64),
}


def polyglot() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "hidden")
    return minimal_pdf() + buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize("kind", list(ACTIVE))
def test_active_content_is_refused_with_a_clear_message(draft, applicant, kind):
    with pytest.raises(ApplicationError) as error:
        add_attachment(actor=applicant, application_id=draft.pk, kind="other",
                       upload=upload("a.pdf", rewritten(ACTIVE[kind])))
    assert "aktive Inhalte" in str(error.value)
    assert not Attachment.objects.exists()


def test_a_pdf_that_is_also_a_zip_is_refused(draft, applicant):
    with pytest.raises(ApplicationError) as error:
        add_attachment(actor=applicant, application_id=draft.pk, kind="other", upload=upload("a.pdf", polyglot()))
    assert "ZIP" in str(error.value)


def test_a_plain_pdf_rewritten_by_a_library_is_accepted(draft, applicant):
    attachment = add_attachment(actor=applicant, application_id=draft.pk, kind="other",
                                upload=upload("plain.pdf", rewritten(lambda w: None)))
    assert attachment.original_name == "plain.pdf"


@pytest.mark.parametrize(("sent", "kept"), [("rechnung.exe", "rechnung.pdf"), ("Beschluss.PDF", "Beschluss.PDF"),
                                           ("..\\..\\boot.ini", "boot.pdf"), ("...", "anlage.pdf"),
                                           ("ohne-endung", "ohne-endung.pdf")])
def test_the_stored_name_always_ends_in_pdf(client, draft, applicant, sent, kept):
    attachment = add_attachment(actor=applicant, application_id=draft.pk, kind="other",
                                upload=upload(sent, minimal_pdf()))
    assert attachment.original_name == kept
    client.force_login(applicant)
    response = client.get(reverse("applications:attachment-download", args=[draft.pk, attachment.pk]))
    assert response.status_code == 200
    assert kept in response["Content-Disposition"] and response["Content-Type"] == "application/pdf"


def test_the_number_of_attachments_is_limited(draft, applicant, settings):
    settings.MAX_ATTACHMENTS = 2
    for _ in range(2):
        add_attachment(actor=applicant, application_id=draft.pk, kind="other", upload=upload("a.pdf", minimal_pdf()))
    with pytest.raises(ApplicationError) as error:
        add_attachment(actor=applicant, application_id=draft.pk, kind="other", upload=upload("a.pdf", minimal_pdf()))
    assert "höchstens 2 Anlagen" in str(error.value)
    assert Attachment.objects.count() == 2


def test_the_total_size_of_attachments_is_limited(draft, applicant, settings):
    settings.MAX_ATTACHMENTS_TOTAL_MB = 0
    with pytest.raises(ApplicationError) as error:
        add_attachment(actor=applicant, application_id=draft.pk, kind="other", upload=upload("a.pdf", minimal_pdf()))
    assert "zusammen" in str(error.value)


def test_an_oversized_body_is_refused_before_it_is_read(client, draft, applicant, settings):
    settings.MAX_REQUEST_MB = 1
    client.force_login(applicant)
    big = minimal_pdf() + b"%" + b"x" * (2 * 1024 * 1024)
    response = client.post(reverse("applications:attachment-upload", args=[draft.pk]),
                           {"kind": "other", "file": SimpleUploadedFile("gross.pdf", big)})
    assert response.status_code == 413
    assert "größer als 1 MB" in response.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(applicant)}")
    response = api.post(f"/api/v1/applications/{draft.pk}/attachments/",
                        {"kind": "other", "file": SimpleUploadedFile("gross.pdf", big)}, format="multipart")
    assert response.status_code == 413 and "größer als 1 MB" in response.json()["detail"]
    assert not Attachment.objects.exists()


def test_active_content_is_refused_through_the_api(draft, applicant):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(applicant)}")
    response = api.post(f"/api/v1/applications/{draft.pk}/attachments/",
                        {"kind": "other", "file": upload("a.pdf", rewritten(ACTIVE["document script"]))},
                        format="multipart")
    assert response.status_code == 400
    assert "aktive Inhalte" in response.json()["detail"]
