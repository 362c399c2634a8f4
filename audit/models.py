"""One append-only audit trail for every case. Services write it in their own transaction."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("Handelnde Person"),
    )
    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    action = models.CharField(_("Aktion"), max_length=100, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    from_state = models.CharField(_("Von Status"), max_length=50, blank=True)
    to_state = models.CharField(_("Nach Status"), max_length=50, blank=True)
    # The model whose states from_state/to_state are ("jury.scoresheet" on an application's entry);
    # blank: the entry's own object.
    state_model = models.CharField(_("Status von"), max_length=100, blank=True)
    reason = models.TextField(_("Begründung"), blank=True)
    data = models.JSONField(_("Daten"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def action_label(self) -> str:
        from .labels import action_label

        return action_label(self.action)

    @property
    def state_model_label(self) -> str:
        if self.state_model:
            return self.state_model
        ct = ContentType.objects.get_for_id(self.content_type_id)  # cached
        return f"{ct.app_label}.{ct.model}"

    @property
    def from_state_label(self) -> str:
        from .labels import state_label

        return state_label(self.state_model_label, self.from_state)

    @property
    def to_state_label(self) -> str:
        from .labels import state_label

        return state_label(self.state_model_label, self.to_state)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are never deleted.")
