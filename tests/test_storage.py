"""Safe file writes (foundation/storage.py): complete or absent, gone again on rollback, and a full or
read-only volume answered with a clear 503 — no 500, no half file, no orphan."""

import errno
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from applications.models import Attachment
from audit.models import AuditEntry
from foundation.storage import SafeFileSystemStorage, StorageUnavailable, is_temporary
from tests.factories import api_key_for, minimal_pdf


@pytest.fixture
def storage(tmp_path):
    return SafeFileSystemStorage(location=tmp_path / "media")


def files_under(root) -> set[str]:
    root = Path(root)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


class Boom:
    """os.fsync / os.link failing as a full or read-only volume makes them fail."""

    def __init__(self, code):
        self.code = code

    def __call__(self, *args, **kwargs):
        raise OSError(self.code, os.strerror(self.code))


def test_a_saved_file_is_complete_and_no_temporary_is_left(storage):
    name = storage.save("receipts/1/a.pdf", ContentFile(b"%PDF-1.4 full"))
    assert name == "receipts/1/a.pdf"
    assert storage.open(name).read() == b"%PDF-1.4 full"
    assert files_under(storage.location) == {"receipts/1/a.pdf"}


def test_an_existing_name_is_never_overwritten(storage):
    first = storage.save("notices/n.pdf", ContentFile(b"first"))
    second = storage.save("notices/n.pdf", ContentFile(b"second"))
    assert first != second
    assert storage.open(first).read() == b"first"
    assert storage.open(second).read() == b"second"


def test_a_name_taken_while_writing_gets_another_name(storage, monkeypatch):
    # get_available_name() saw a free name, then a racing writer took it.
    real = SafeFileSystemStorage.get_available_name
    calls = []

    def racing(self, name, max_length=None):
        calls.append(name)
        if len(calls) == 1:
            os.makedirs(os.path.dirname(self.path(name)), exist_ok=True)
            Path(self.path(name)).write_bytes(b"other")
            return name
        return real(self, name, max_length)

    monkeypatch.setattr(SafeFileSystemStorage, "get_available_name", racing)
    name = storage.save("x/doc.pdf", ContentFile(b"mine"))
    assert name != "x/doc.pdf"
    assert Path(storage.path("x/doc.pdf")).read_bytes() == b"other"
    assert storage.open(name).read() == b"mine"


@pytest.mark.parametrize(("target", "code"), [("fsync", errno.ENOSPC), ("link", errno.EROFS),
                                              ("open", errno.EROFS)])
def test_a_failing_volume_raises_storage_unavailable_and_leaves_nothing(storage, monkeypatch, target, code):
    os.makedirs(os.path.join(storage.location, "a"))
    with monkeypatch.context() as patch:
        patch.setattr(os, target, Boom(code))
        with pytest.raises(StorageUnavailable) as raised:
            storage.save("a/b.pdf", ContentFile(b"x" * 100_000))
    assert raised.value.errno == code
    assert isinstance(raised.value, OSError)  # tasks retry it (config.celery.RETRYABLE)
    assert "vorübergehend nicht verfügbar" in str(raised.value.message)
    assert files_under(storage.location) == set()


def test_a_failing_directory_fsync_takes_the_new_name_back(storage, monkeypatch):
    real_fsync = os.fsync
    calls = []

    def fsync_fails_the_second_time(fd):  # first the file, then its directory
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_fails_the_second_time)
    with pytest.raises(StorageUnavailable):
        storage.save("g/h.pdf", ContentFile(b"content"))
    assert files_under(storage.location) == set()


def test_a_file_system_without_hard_links_still_gets_an_atomic_rename(storage, monkeypatch):
    monkeypatch.setattr(os, "link", Boom(errno.EPERM))
    name = storage.save("c/d.pdf", ContentFile(b"content"))
    assert storage.open(name).read() == b"content"
    assert files_under(storage.location) == {"c/d.pdf"}


def test_temporary_names_are_recognisable():
    assert is_temporary("receipts/1/.abc.pdf.0123.part")
    assert not is_temporary("receipts/1/abc.pdf")


# --- rollback ---------------------------------------------------------------------------


class Failure(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_file_written_in_a_rolled_back_transaction_is_removed(storage):
    with pytest.raises(Failure), transaction.atomic():
        name = storage.save("r/gone.pdf", ContentFile(b"x"))
        assert storage.exists(name)
        raise Failure
    assert not storage.exists(name)
    assert files_under(storage.location) == set()


@pytest.mark.django_db(transaction=True)
def test_a_file_written_in_a_committed_transaction_stays(storage):
    with transaction.atomic():
        name = storage.save("r/kept.pdf", ContentFile(b"x"))
    assert storage.exists(name)
    # ... and a later rollback on the same connection does not touch it.
    with pytest.raises(Failure), transaction.atomic():
        other = storage.save("r/other.pdf", ContentFile(b"y"))
        raise Failure
    assert storage.exists(name) and not storage.exists(other)


@pytest.mark.django_db(transaction=True)
def test_only_the_rolled_back_savepoint_loses_its_file(storage):
    with transaction.atomic():
        outer = storage.save("s/outer.pdf", ContentFile(b"o"))
        with pytest.raises(Failure), transaction.atomic():
            inner = storage.save("s/inner.pdf", ContentFile(b"i"))
            raise Failure
        assert not storage.exists(inner)
        with transaction.atomic():
            kept_inner = storage.save("s/kept-inner.pdf", ContentFile(b"k"))
    assert storage.exists(outer) and storage.exists(kept_inner)


@pytest.mark.django_db(transaction=True)
def test_a_file_written_outside_a_transaction_stays(storage):
    name = storage.save("t/plain.pdf", ContentFile(b"x"))
    assert storage.exists(name)


# --- what the user sees -----------------------------------------------------------------


def test_the_project_stores_files_safely():
    assert isinstance(default_storage, SafeFileSystemStorage)


@pytest.mark.parametrize(("target", "code"), [("fsync", errno.ENOSPC), ("link", errno.EROFS)])
def test_an_upload_on_a_broken_volume_answers_503_with_a_message(client, draft, applicant, monkeypatch,
                                                                 target, code):
    before = files_under(default_storage.location)
    client.force_login(applicant)
    with monkeypatch.context() as patch:
        patch.setattr(os, target, Boom(code))
        response = client.post(reverse("applications:attachment-upload", args=[draft.pk]),
                               {"kind": "council_resolution",
                                "file": SimpleUploadedFile("beschluss.pdf", minimal_pdf())})
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Der Dateispeicher ist vorübergehend nicht verfügbar" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(action="attachment.added").exists()
    assert files_under(default_storage.location) == before


def test_an_api_upload_on_a_full_volume_answers_503_with_a_message(draft, applicant, monkeypatch):
    before = files_under(default_storage.location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(applicant)}")
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", Boom(errno.ENOSPC))
        response = api.post(f"/api/v1/applications/{draft.pk}/attachments/",
                            {"kind": "council_resolution",
                             "file": SimpleUploadedFile("b.pdf", minimal_pdf(), content_type="application/pdf")},
                            format="multipart")
    assert response.status_code == 503
    assert "Der Dateispeicher ist vorübergehend nicht verfügbar" in response.json()["detail"]
    assert not Attachment.objects.exists()
    assert files_under(default_storage.location) == before


def test_an_upload_that_fails_after_writing_leaves_no_orphan(client, draft, applicant, monkeypatch):
    """The file is written, then the database refuses the row: the rollback removes the file."""
    from applications import services

    before = files_under(default_storage.location)

    def audit_fails(**kwargs):
        raise Failure

    monkeypatch.setattr(services, "record", audit_fails)
    client.force_login(applicant)
    client.raise_request_exception = False
    with transaction.atomic():  # pytest's test transaction: the service's block is a savepoint
        response = client.post(reverse("applications:attachment-upload", args=[draft.pk]),
                               {"kind": "council_resolution",
                                "file": SimpleUploadedFile("beschluss.pdf", minimal_pdf())})
    assert response.status_code == 500
    assert files_under(default_storage.location) == before


def test_a_failing_read_raises_storage_unavailable_but_a_missing_file_stays_missing(storage, monkeypatch):
    import builtins

    name = storage.save("e/f.pdf", ContentFile(b"x"))
    with pytest.raises(FileNotFoundError):
        storage.open("e/none.pdf")
    with monkeypatch.context() as patch:
        patch.setattr(builtins, "open", Boom(errno.EIO))
        with pytest.raises(StorageUnavailable) as raised:
            storage.open(name)
    assert raised.value.errno == errno.EIO


def test_a_download_from_an_unreadable_volume_answers_503(client, draft, applicant, monkeypatch):
    from applications import services

    attachment = services.add_attachment(actor=applicant, application_id=draft.pk, kind="council_resolution",
                                         upload=SimpleUploadedFile("b.pdf", minimal_pdf()))
    client.force_login(applicant)

    def unreadable(self, name, mode="rb"):  # what _open raises when the volume gives EIO (test above)
        raise StorageUnavailable(errno.EIO, "Input/output error")

    with monkeypatch.context() as patch:
        patch.setattr(SafeFileSystemStorage, "_open", unreadable)
        response = client.get(reverse("applications:attachment-download", args=[draft.pk, attachment.pk]))
    assert response.status_code == 503
    assert "Der Dateispeicher ist vorübergehend nicht verfügbar" in response.content.decode()
