"""A document made in the background: its page says it is being made and turns into the download by itself
(htmx, every 2 s) once the worker is done — no reload, announced to screen readers (role=status)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from downloads.models import Download
from downloads.services import make_download
from tests.factories import staff_user
from tests.jury.factories import scored_call

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_the_page_of_a_document_turns_into_its_download_when_it_is_made(page):
    call, *_ = scored_call()
    worker = staff_user()
    download = Download.objects.create(owner=worker, kind="jury.ranking_pdf", params={"call_id": call.pk},
                                       label=f"Rangliste zu Aufruf {call.pk} (PDF)")
    log_in(page, worker)
    page.goto(reverse("downloads:detail", args=[download.public_id]))
    status = page.get_by_role("status")
    expect(status).to_contain_text("Das Dokument wird erstellt")
    assert_accessible(page)
    make_download(download_id=download.pk)  # what the worker does
    expect(status).to_contain_text("Das Dokument ist fertig", timeout=8000)
    link = page.get_by_role("link", name=f"Rangliste-Aufruf-{call.pk}.pdf herunterladen")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == f"Rangliste-Aufruf-{call.pk}.pdf"
    assert_accessible(page)
    page.goto(reverse("downloads:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Dokumente")
    assert_accessible(page)
