"""Requesting a document and making it (the task calls `make_download`). See registry.py."""

import hashlib
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from outbox.services import enqueue

from . import registry
from .exceptions import DownloadError
from .models import Download, DownloadState

TASK = "downloads.make"
logger = logging.getLogger(__name__)


def request_download(*, actor, kind: str, params: dict | None = None) -> Download:
    """Ask for a document; it is made in the background. A second request for the same document while the
    first is still being made (a second click) returns the first."""
    try:
        maker = registry.maker(kind)
    except KeyError:
        raise DownloadError(_("Dieses Dokument gibt es nicht.")) from None
    try:
        params = maker.clean(dict(params or {}))
    except (ValueError, TypeError, KeyError) as exc:
        raise DownloadError(_("Die Angaben zum Dokument sind ungültig: %(error)s") % {"error": exc}) from None
    if not maker.allowed(actor, params):
        raise PermissionDenied
    with transaction.atomic():
        # the owner's row lock serialises two clicks of the same person
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        waiting = Download.objects.filter(owner=actor, kind=kind, params=params, state=DownloadState.PENDING).first()
        if waiting is not None:
            return waiting
        download = Download.objects.create(owner=actor, kind=kind, params=params, label=maker.label(params)[:200])
        enqueue(task=TASK, key=f"download:{download.pk}", kwargs={"download_id": download.pk},
                label=_("Dokument „%(label)s“ erstellen") % {"label": download.label}, obj=download)
        record(actor=actor, action="downloads.requested", obj=download, data={"kind": kind, "params": params})
    return download


def make_download(*, download_id: int) -> str:
    """Make and store the document (run by the outbox, exactly once). The maker's permission is asked again:
    who lost the right meanwhile gets a refusal, not the document. Returns the final state."""
    with transaction.atomic():
        download = Download.objects.select_for_update().select_related("owner").get(pk=download_id)
        if download.state != DownloadState.PENDING:
            return download.state
        return _make(download)


def _make(download: Download) -> str:
    maker = registry.maker(download.kind)
    try:
        if not download.owner.is_active or not maker.allowed(download.owner, download.params):
            raise PermissionDenied
        made = maker.make(download.owner, download.params)
    except (PermissionDenied, DownloadError) as exc:
        download.reason = (getattr(exc, "message", "") or _("Sie haben keinen Zugriff (mehr) auf dieses Dokument."))
        download.refuse()
        download.finished_at = timezone.now()
        download.save(update_fields=["state", "reason", "finished_at"])
        return download.state
    download.sha256 = hashlib.sha256(made.content).hexdigest()
    download.file.save(made.filename, ContentFile(made.content), save=False)
    download.filename, download.content_type, download.size = made.filename, made.content_type, len(made.content)
    download.finish()
    download.finished_at = timezone.now()
    download.save(update_fields=["file", "filename", "content_type", "size", "sha256", "state", "finished_at"])
    return download.state


def expire_downloads(*, now=None, limit: int = 1000) -> int:
    """Celery beat, hourly: every made document older than settings.DOWNLOADS_KEEP_DAYS becomes „abgelaufen“ and
    its file is deleted after the commit. Safe to run twice and beside a second sweeper (locked rows are
    skipped). Returns how many documents expired."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DOWNLOADS_KEEP_DAYS)
    ids = list(Download.objects.filter(state=DownloadState.READY, finished_at__lt=cutoff)
               .order_by("finished_at", "pk").values_list("pk", flat=True)[:limit])
    expired = 0
    for download_id in ids:
        with transaction.atomic():
            download = (Download.objects.select_for_update(skip_locked=True)
                        .filter(pk=download_id, state=DownloadState.READY).first())
            if download is None:
                continue  # expired meanwhile, or another sweeper has it
            name = download.file.name
            download.expire()
            download.file = ""
            download.save(update_fields=["state", "file"])
            record(actor=None, action="downloads.expired", obj=download, from_state=DownloadState.READY,
                   to_state=download.state, data={"kind": download.kind, "sha256": download.sha256})
            if name:
                transaction.on_commit(partial(_delete_file, download.file.storage, name), robust=True)
        expired += 1
    return expired


def _delete_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except FileNotFoundError:  # deleted before (a second run)
        pass
    except OSError:  # the storage is away: the row says expired, the orphan is logged for the operators
        logger.warning("downloads: could not delete the expired file %s", name, exc_info=True)
