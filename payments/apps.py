from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

AREAS = ("decisions", "disbursements", "proofs", "dashboard")


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Bewilligung und Auszahlung")

    def ready(self):
        from importlib import import_module

        from audit.labels import ACTION_LABELS

        from . import enums, rules  # noqa: F401  (registers permissions)

        for area in AREAS:
            ACTION_LABELS.update(getattr(import_module(f"payments.services.{area}"), "AUDIT_LABELS", {}))
