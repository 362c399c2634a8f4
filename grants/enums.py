from django.db import models
from django.utils.translation import gettext_lazy as _


class CallState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    OPEN = "open", _("Veröffentlicht")
    CLOSED = "closed", _("Geschlossen")
    EVALUATED = "evaluated", _("Bewertet")
    ARCHIVED = "archived", _("Archiviert")
