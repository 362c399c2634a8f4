"""Expiry in „Meine Dokumente“: a made document is kept settings.DOWNLOADS_KEEP_DAYS, then its file is deleted
and it shows „abgelaufen“ (state expired); the hourly beat task runs the sweep."""

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from rest_framework.test import APIClient

from audit.models import AuditEntry
from downloads import services, tasks
from downloads.models import Download, DownloadState
from tests.factories import staff_user
from tests.payments.factories import money_world

pytestmark = pytest.mark.django_db


def made(owner, call, *, days_ago: float) -> Download:
    with TestCase.captureOnCommitCallbacks(execute=True):
        download = services.request_download(actor=owner, kind="payments.dashboard_xlsx",
                                              params={"kind": "grants", "call": call.pk})
    Download.objects.filter(pk=download.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
    download.refresh_from_db()
    assert download.state == DownloadState.READY and download.file.storage.exists(download.file.name)
    return download


def test_documents_older_than_the_keep_period_expire_and_their_files_are_deleted(client, settings):
    settings.DOWNLOADS_KEEP_DAYS = 7
    world, owner = money_world(), staff_user()
    old = made(owner, world.call, days_ago=7.01)
    Download.objects.filter(pk=old.pk).update(params={"kind": "grants", "call": world.call.pk, "n": 1})
    fresh = made(owner, world.call, days_ago=6.9)
    old_name, storage = old.file.name, old.file.storage

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert tasks.expire.run() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == DownloadState.EXPIRED and not old.file and not storage.exists(old_name)
    assert len(old.sha256) == 64  # what was handed out stays on record
    assert fresh.state == DownloadState.READY and storage.exists(fresh.file.name)
    assert AuditEntry.objects.filter(action="downloads.expired", object_id=old.pk).count() == 1

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.expire_downloads() == 0  # a second run changes nothing

    # the person sees „abgelaufen“, no file; the API says expired
    client.force_login(owner)
    listing = client.get(reverse("downloads:list")).content.decode()
    assert "abgelaufen" in listing and "nach 7 Tagen gelöscht" in listing
    page = client.get(reverse("downloads:detail", args=[old.public_id])).content.decode()
    assert "Das Dokument ist abgelaufen." in page and "hx-trigger" not in page
    assert client.get(reverse("downloads:file", args=[old.public_id])).status_code == 404
    fresh_page = client.get(reverse("downloads:detail", args=[fresh.public_id])).content.decode()
    assert "bereit und wird dann gelöscht" in fresh_page
    api = APIClient()
    api.force_authenticate(owner)
    data = api.get(f"/api/v1/downloads/{old.public_id}/").json()
    assert data["state"] == "expired" and data["expires_at"] is None
    assert api.get(data["file_url"]).status_code == 404
    assert api.get(f"/api/v1/downloads/{fresh.public_id}/").json()["expires_at"] is not None


def test_the_keep_period_is_a_setting(settings):
    world, owner = money_world(), staff_user()
    download = made(owner, world.call, days_ago=2)
    settings.DOWNLOADS_KEEP_DAYS = 3
    assert services.expire_downloads() == 0
    settings.DOWNLOADS_KEEP_DAYS = 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.expire_downloads() == 1
    download.refresh_from_db()
    assert download.state == DownloadState.EXPIRED


def test_only_made_documents_expire_and_the_state_is_protected():
    download = Download.objects.create(owner=staff_user(), kind="payments.dashboard_xlsx", params={}, label="x")
    Download.objects.filter(pk=download.pk).update(requested_at=timezone.now() - dt.timedelta(days=30))
    assert services.expire_downloads() == 0  # a pending one is still being made
    with pytest.raises(TransitionNotAllowed):
        download.expire()
    with pytest.raises(AttributeError):
        download.state = DownloadState.EXPIRED  # FSMField(protected=True)
