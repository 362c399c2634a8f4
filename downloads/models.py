"""A document requested by one person and made in the background (see registry.py)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class DownloadState(models.TextChoices):
    PENDING = "pending", _("wird erstellt")
    READY = "ready", _("bereit")
    REFUSED = "refused", _("nicht erstellt")
    EXPIRED = "expired", _("abgelaufen")


def download_path(instance, filename: str) -> str:
    return f"downloads/{instance.owner_id}/{instance.public_id}/{filename}"


class Download(FSMModelMixin, models.Model):
    # The id in URLs is random: a guessed number shows nothing, and the owner check stands behind it anyway.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="downloads",
                              verbose_name=_("angefordert von"))
    kind = models.CharField(_("Art"), max_length=60)
    params = models.JSONField(_("Parameter"), default=dict)
    label = models.CharField(_("Dokument"), max_length=200)
    state = FSMField(_("Status"), default=DownloadState.PENDING, choices=DownloadState.choices, protected=True)
    file = models.FileField(upload_to=download_path, blank=True)
    filename = models.CharField(_("Dateiname"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("Größe in Bytes"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("Grund"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("angefordert am"), auto_now_add=True)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Datei zum Herunterladen")
        verbose_name_plural = _("Dateien zum Herunterladen")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["owner", "kind", "state"], name="download_owner_kind_state")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state="ready") | (models.Q(finished_at__isnull=False)
                                                                         & ~models.Q(sha256="")),
                                   name="download_ready_has_file"),
        ]

    def __str__(self):
        return self.label

    @transition(field=state, source=DownloadState.PENDING, target=DownloadState.READY)
    def finish(self):
        pass

    @transition(field=state, source=DownloadState.PENDING, target=DownloadState.REFUSED)
    def refuse(self):
        pass

    @transition(field=state, source=DownloadState.READY, target=DownloadState.EXPIRED)
    def expire(self):
        pass

    @property
    def expires_at(self):
        """When a made document's file is deleted (settings.DOWNLOADS_KEEP_DAYS after it was made)."""
        if self.state != DownloadState.READY or self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=settings.DOWNLOADS_KEEP_DAYS)
