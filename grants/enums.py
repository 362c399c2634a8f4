from django.db import models
from django.utils.translation import gettext_lazy as _


class CallState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    OPEN = "open", _("Veröffentlicht")
    CLOSED = "closed", _("Geschlossen")
    EVALUATED = "evaluated", _("Bewertet")
    ARCHIVED = "archived", _("Archiviert")


class OpenDataField(models.TextChoices):
    """What the open data of funded projects may show; each program chooses (FundingProgram.open_data_fields).

    Nothing about people is on this list: no names of persons, no e-mail addresses, no bank data.
    """

    CASE_NUMBER = "case_number", _("Aktenzeichen")
    TITLE = "title", _("Projekttitel")
    LEAD = "lead", _("Antragstellende Kommune mit amtlichem Schlüssel")
    PARTNERS = "partners", _("Partnerkommunen mit amtlichen Schlüsseln")
    LANDKREIS = "landkreis", _("Landkreis")
    TOPICS = "topics", _("Themenbereiche")
    GRANT_AMOUNT = "grant_amount", _("Zuwendung (Höchstbetrag)")
    ELIGIBLE_COSTS = "eligible_costs", _("Zuwendungsfähige Ausgaben")
    PERIOD = "period", _("Bewilligungszeitraum")
    STATUS = "status", _("Status")


def default_open_data_fields() -> list[str]:
    """Every field is public unless the program takes it off (a new program publishes all of them)."""
    return list(OpenDataField.values)
