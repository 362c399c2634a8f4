from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JuryConfig(AppConfig):
    name = "jury"
    verbose_name = _("Jury")

    def ready(self):
        from audit.labels import register_states

        from .enums import DecisionOutcome, SessionState, SheetState

        for choices in (SheetState, SessionState, DecisionOutcome):
            register_states(choices)
