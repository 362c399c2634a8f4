from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

AREAS = ("decisions", "disbursements", "proofs", "dashboard")


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Bewilligung und Auszahlung")

    def ready(self):
        from importlib import import_module

        from audit.labels import ACTION_LABELS, register_states

        from . import enums, rules  # noqa: F401  (registers permissions)

        for choices in (enums.DecisionState, enums.GrantState, enums.DisbursementState, enums.PaymentRunState,
                        enums.ProofState, enums.RecoveryState):
            register_states(choices)
        for area in AREAS:
            ACTION_LABELS.update(getattr(import_module(f"payments.services.{area}"), "AUDIT_LABELS", {}))
