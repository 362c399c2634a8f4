"""manage.py verify_files: re-hashes every stored file against its row's SHA-256 and lists
mismatches, missing files and orphans; exit status 1 when anything is wrong."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from applications import services
from audit.management.commands.verify_files import hashed_field
from tests.factories import minimal_pdf, pdf_upload


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """A media folder of this test alone: other tests' files are no orphans of ours."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "foundation.storage.SafeFileSystemStorage",
        "OPTIONS": {"location": tmp_path / "media", "base_url": None}}}
    return tmp_path / "media"


@pytest.fixture
def stored(draft, applicant):
    attachment = services.add_attachment(actor=applicant, application_id=draft.pk, kind="council_resolution",
                                         upload=pdf_upload())
    receipt = services.store_receipt(application_id=draft.pk, version=1, pdf_bytes=minimal_pdf("Eingang"),
                                     figures={})
    return attachment, receipt


def run(*args) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("verify_files", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def run_json() -> tuple[dict, CommandError | None]:
    out, error = run("--json")
    return json.loads(out), error


def test_every_model_with_a_file_and_a_checksum_is_discovered():
    from django.apps import apps

    labels = {m._meta.label for m in apps.get_models() if hashed_field(m)}
    assert {"applications.Attachment", "applications.Receipt", "jury.SessionDocument",
            "payments.Notice", "payments.PaymentRun"} <= labels


def test_intact_files_pass(stored):
    out, error = run()
    assert error is None
    assert "2 Dateien mit Prüfsumme geprüft" in out
    report, error = run_json()
    assert error is None
    assert report == {"ok": True, "checked": 2, "mismatches": [], "missing": [], "unreadable": [],
                      "orphans": [], "temporary": []}


def test_a_changed_file_is_a_mismatch(stored, own_media):
    attachment, _ = stored
    Path(default_storage.path(attachment.file.name)).write_bytes(b"%PDF-1.4 tampered")
    report, error = run_json()
    assert error is not None and error.returncode == 1
    assert report["ok"] is False
    [mismatch] = report["mismatches"]
    assert mismatch["model"] == "applications.Attachment" and mismatch["pk"] == attachment.pk
    assert mismatch["file"] == attachment.file.name
    assert mismatch["expected"] == attachment.sha256 and mismatch["actual"] != attachment.sha256
    assert report["missing"] == [] and report["orphans"] == []


def test_a_missing_file_is_listed(stored):
    _, receipt = stored
    Path(default_storage.path(receipt.file.name)).unlink()
    out, error = run()
    assert error is not None and error.returncode == 1
    assert f"FEHLT applications.Receipt #{receipt.pk} {receipt.file.name}" in out
    assert "1 fehlend" in str(error)


def test_files_no_row_references_are_orphans(stored):
    default_storage.save("applications/999/stray.pdf", ContentFile(b"stray"))
    Path(default_storage.path("applications/999/.stray2.pdf.0a1b.part")).write_bytes(b"half")
    report, error = run_json()
    assert error is not None
    assert report["orphans"] == ["applications/999/.stray2.pdf.0a1b.part", "applications/999/stray.pdf"]
    assert report["temporary"] == ["applications/999/.stray2.pdf.0a1b.part"]
    assert report["mismatches"] == [] and report["missing"] == []
    out, _ = run()
    assert "VERWAIST applications/999/stray.pdf" in out
    assert "(abgebrochener Schreibvorgang)" in out


def test_an_empty_storage_and_database_pass(db):
    out, error = run()
    assert error is None
    assert "0 Dateien mit Prüfsumme geprüft" in out
