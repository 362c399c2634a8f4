"""dashboard: the dashboard itself only reads (payments.selectors.dashboard, payments.exports).

The scheduled closing of calls (grants.services.close_due_calls) writes the audit action labelled here.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS: dict = {
    "call.closed": _("Aufruf zur Einreichungsfrist geschlossen"),
}
