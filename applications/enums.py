from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("Eingereicht")
    IN_FORMAL_CHECK = "in_formal_check", _("In Formalprüfung")
    RETURNED = "returned_for_revision", _("Zur Nachbesserung zurückgegeben")
    RESUBMITTED = "resubmitted", _("Nachgereicht")
    ELIGIBLE = "eligible", _("Formal zulässig")
    INELIGIBLE = "ineligible", _("Formal unzulässig")
    IN_EVALUATION = "in_evaluation", _("In Bewertung durch die Jury")
    RECOMMENDED = "recommended", _("Zur Förderung empfohlen")
    RESERVE = "reserve", _("Nachrückliste")
    NOT_RECOMMENDED = "not_recommended", _("Nicht zur Förderung empfohlen")
    APPROVED = "approved", _("Bewilligt")
    REJECTED = "rejected", _("Abgelehnt")
    WITHDRAWN = "withdrawn", _("Zurückgezogen")


EDITABLE_STATES = frozenset({ApplicationState.DRAFT, ApplicationState.RETURNED})
WITHDRAWABLE_STATES = frozenset({
    ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.IN_FORMAL_CHECK,
    ApplicationState.RETURNED, ApplicationState.RESUBMITTED, ApplicationState.ELIGIBLE,
    ApplicationState.IN_EVALUATION, ApplicationState.RECOMMENDED, ApplicationState.RESERVE,
})
# States in which the jury looks at an application.
EVALUATION_STATES = frozenset({ApplicationState.IN_EVALUATION, ApplicationState.RECOMMENDED,
                               ApplicationState.RESERVE, ApplicationState.NOT_RECOMMENDED})
# States in which the ministry decides on the grant (payments.services.prepare_decision).
DECIDABLE_STATES = frozenset({ApplicationState.RECOMMENDED, ApplicationState.RESERVE})
# States a case worker works on in the formal check.
CHECK_QUEUE_STATES = frozenset({ApplicationState.SUBMITTED, ApplicationState.RESUBMITTED,
                                ApplicationState.IN_FORMAL_CHECK})


class CostCategory(models.TextChoices):
    PERSONNEL = "personnel", _("Personalausgaben")
    SERVICES = "services", _("Fremdleistungen/Dienstleistungen")
    INVESTMENT = "investment", _("Investitionen (Hard- und Software)")
    MATERIAL = "material", _("Sachausgaben")
    LICENSES = "licenses", _("Lizenzen und Betrieb")
    OTHER = "other", _("Sonstige Ausgaben")


class AttachmentKind(models.TextChoices):
    COUNCIL_RESOLUTION = "council_resolution", _("Ratsbeschluss")
    PROJECT_DESCRIPTION = "project_description", _("Projektbeschreibung")
    PARTNER_AGREEMENT = "partner_agreement", _("Kooperationsvereinbarung")
    OTHER = "other", _("Sonstige Anlage")
