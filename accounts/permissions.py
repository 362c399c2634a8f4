"""DRF permission classes of the accounts app (own module: settings import it early)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .mfa import lacks_required_totp


class StaffHasMFA(BasePermission):
    """Staff roles may use the API only once TOTP is set up for them."""

    message = _("Für Ihre Rolle ist die Zwei-Faktor-Anmeldung (TOTP) Pflicht; bitte zuerst einrichten.")

    def has_permission(self, request, view):
        return not lacks_required_totp(request.user)
