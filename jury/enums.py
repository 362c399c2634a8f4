from django.db import models
from django.utils.translation import gettext_lazy as _


class AffiliationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Kommune (Beschäftigung, Rat oder Gremium)")
    UMBRELLA = "umbrella", _("Kommunaler Spitzenverband")
    OTHER = "other", _("Andere Stelle")


class Declaration(models.TextChoices):
    PENDING = "pending", _("Noch nicht erklärt")
    NO_CONFLICT = "no_conflict", _("Keine Befangenheit")
    CONFLICT = "conflict", _("Befangen")


class ExclusionKind(models.TextChoices):
    AUTOMATIC = "automatic", _("automatisch (Zugehörigkeit zu einer beteiligten Kommune)")
    DECLARED = "declared", _("selbst erklärt")


class SheetState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("Abgegeben")
    REOPENED = "reopened", _("Wieder geöffnet")


class SessionState(models.TextChoices):
    OPEN = "open", _("Offen")
    CLOSED = "closed", _("Geschlossen")


class DecisionOutcome(models.TextChoices):
    RECOMMENDED = "recommended", _("Zur Förderung empfohlen")
    RESERVE = "reserve", _("Nachrückliste")
    NOT_RECOMMENDED = "not_recommended", _("Nicht empfohlen")


class TieBreak(models.TextChoices):
    JOINT_FIRST = "joint_first", _("Gemeinschaftsvorhaben vor Einzelvorhaben")
    LOWER_GRANT = "lower_grant", _("Geringere Zuwendung zuerst")
    EARLIER_SUBMISSION = "earlier_submission", _("Früherer Eingang zuerst")
    # "criterion:<id>": the higher mean score on that criterion first
