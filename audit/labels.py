"""German wording of audit actions and states for the case timeline.

Apps register their state choices in AppConfig.ready(); actions are listed here so that the
timeline reads as sentences, not codes. An unknown action is shown as its code.
"""

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
}
_STATE_LABELS: dict[str, str] = {}


def register_states(choices) -> None:
    for value, label in choices.choices:
        _STATE_LABELS.setdefault(value, label)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def state_label(state: str) -> str:
    return str(_STATE_LABELS.get(state, state))
