"""DRF permission classes of the accounts app (own module: settings import it early)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from .mfa import lacks_required_totp, session_passed_second_factor


class StaffHasMFA(BasePermission):
    """Staff roles may use the API only with TOTP set up, and a browser session only once it passed it.

    A token is created only in a session that passed the second factor (accounts.views.api_token).
    """

    message = _("Für Ihre Rolle ist die Zwei-Faktor-Anmeldung (TOTP) Pflicht; bitte zuerst einrichten "
                "und bei der Anmeldung verwenden.")

    def has_permission(self, request, view):
        user = request.user
        if lacks_required_totp(user):
            return False
        if user.is_authenticated and user.is_staff_role and isinstance(
                getattr(request, "successful_authenticator", None), SessionAuthentication):
            return session_passed_second_factor(request._request)
        return True
