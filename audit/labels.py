"""German wording of audit actions and states for the case timeline.

A state's label belongs to its model: it is looked up by (model, value) in the model's `state`
field choices (its TextChoices), never by the value alone — "approved" is "Bewilligt" for an
application and "Bestätigt" for a membership. Actions are listed here so that the timeline reads
as sentences, not codes. An unknown action is shown as its code.
"""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "application.created": _("Antragsentwurf angelegt"),
    "application.updated": _("Angaben geändert"),
    "application.submitted": _("Antrag eingereicht"),
    "application.resubmitted": _("Antrag nachgereicht"),
    "application.check_started": _("Formalprüfung begonnen"),
    "application.returned": _("Zur Nachbesserung zurückgegeben"),
    "application.eligible": _("Formal zulässig"),
    "application.ineligible": _("Formal unzulässig"),
    "application.withdrawn": _("Antrag zurückgezogen"),
    "application.evaluation_started": _("Bewertung durch die Jury begonnen"),
    "application.recommended": _("Von der Jury zur Förderung empfohlen"),
    "application.reserve": _("Von der Jury auf die Nachrückliste gesetzt"),
    "application.not_recommended": _("Von der Jury nicht zur Förderung empfohlen"),
    "jury.member_added": _("Jurymitglied aufgenommen"),
    "jury.excluded": _("Jurymitglied wegen Befangenheit ausgeschlossen"),
    "jury.declared": _("Erklärung zur Befangenheit abgegeben"),
    "jury.assigned": _("Jurymitglied zugewiesen"),
    "jury.unassigned": _("Zuweisung aufgehoben"),
    "jury.scores_submitted": _("Bewertung abgegeben"),
    "jury.scores_reopened": _("Bewertung wieder geöffnet"),
    "jury.decision_recorded": _("Entscheidung der Jury festgehalten"),
    "jury.session_closed": _("Jurysitzung geschlossen"),
    "attachment.added": _("Anlage hochgeladen"),
    "attachment.removed": _("Anlage entfernt"),
    "receipt.created": _("Eingangsbestätigung erstellt"),
    "membership.requested": _("Mitgliedschaft beantragt"),
    "membership.approved": _("Mitgliedschaft bestätigt"),
    "membership.refused": _("Mitgliedschaft abgelehnt"),
    "membership.revoked": _("Mitgliedschaft entzogen"),
    "invitation.created": _("Einladung versandt"),
    "call.published": _("Aufruf veröffentlicht"),
    "call.frozen": _("Geldregeln und Fenster festgeschrieben"),
    "second_factor.added": _("Zwei-Faktor-Anmeldung eingerichtet"),
    "second_factor.removed": _("Zwei-Faktor-Anmeldung entfernt"),
    "second_factor.reset": _("Wiederherstellungscodes neu erzeugt"),
    "api_token.created": _("API-Schlüssel erzeugt"),
    "api_token.revoked": _("API-Schlüssel widerrufen"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def state_label(model_label: str, state: str) -> str:
    """The label of `state` in the choices of the model named "app_label.modelname"; the value if unknown."""
    try:
        field = apps.get_model(model_label)._meta.get_field("state")
    except (LookupError, ValueError, FieldDoesNotExist):
        return state
    return str(dict(field.flatchoices).get(state, state))
