"""The transactional outbox: every piece of work promised after a commit is a row written in the
same transaction as the change that promises it (a receipt, a notice, the session documents, a
mail, a reminder). A unique key per event makes a second promise of the same work a no-op; the
runner marks the row done in the same transaction as the work's result; a sweeper re-queues what
is due and not done. See docs/operations.md.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("wartet")
        CLAIMED = "claimed", _("wird ausgeführt")
        DONE = "done", _("erledigt")
        FAILED = "failed", _("fehlgeschlagen")

    key = models.CharField(_("Schlüssel"), max_length=255, unique=True)
    task = models.CharField(_("Aufgabe"), max_length=200)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    label = models.CharField(_("Beschreibung"), max_length=255, blank=True)
    # At most once (mails): the row is claimed before the work and never re-run by the sweeper;
    # a claimed row that never finished is shown to staff, who decide.
    at_most_once = models.BooleanField(default=False)
    state = models.CharField(_("Status"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    due_at = models.DateTimeField(_("fällig"), db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    last_error = models.TextField(_("Letzter Fehler"), blank=True)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("Hintergrundarbeit")
        verbose_name_plural = _("Hintergrundarbeiten")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="outbox_state_due")]
        constraints = [
            models.CheckConstraint(condition=Q(state="done", done_at__isnull=False) | ~Q(state="done"),
                                   name="outbox_done_has_time"),
        ]

    def __str__(self):
        return self.label or self.key
