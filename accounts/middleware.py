from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .mfa import (
    has_totp,
    lacks_required_totp,
    record_second_factor_setup,
    second_factor_entered_recently,
    session_is_untrusted,
)

# Pages a staff member without TOTP may still reach: account pages (to set TOTP up), static
# files, the API (which refuses on its own, see accounts.permissions.StaffHasMFA) and the legal pages.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/barrierefreiheit/", "/impressum/")

# Views that change or remove a second factor: they need the current one, entered just now.
_FACTOR_CHANGE_URLS = ("mfa_deactivate_totp", "mfa_generate_recovery_codes")


class StaffMFARequiredMiddleware:
    """Second factor for every door.

    1. A session of a user who has TOTP but never passed it in this session (made through a
       password form outside allauth's login stages, e.g. the former admin login) is ended.
    2. Staff roles without TOTP reach only the pages to set it up.
    3. Changing or removing a second factor needs the current one, entered within five minutes.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._factor_change_paths = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if session_is_untrusted(request):
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Die Sitzung ist ohne Zwei-Faktor-Code nicht gültig. Bitte "
                                                 "melden Sie sich erneut an.")}, status=401)
            messages.warning(request, _("Bitte melden Sie sich mit Passwort und Zwei-Faktor-Code an."))
            return redirect_to_login(request.get_full_path(), reverse("account_login"))
        if request.path in self.factor_change_paths() and not second_factor_entered_recently(request):
            messages.info(request, _("Bitte bestätigen Sie die Änderung mit Ihrem aktuellen Zwei-Faktor-Code."))
            return redirect_to_login(request.get_full_path(), reverse("mfa_reauthenticate"))
        if not request.path.startswith(_ALLOWED_PREFIXES) and lacks_required_totp(user):
            messages.warning(
                request,
                _("Für Ihre Rolle ist die Zwei-Faktor-Anmeldung (TOTP) Pflicht. Bitte richten Sie "
                  "sie jetzt ein."),
            )
            return redirect(reverse("mfa_activate_totp"))
        if request.method == "POST" and request.path == self.activate_path() and not has_totp(user):
            return self._mark_session_after_setup(request)
        return self.get_response(request)

    def _mark_session_after_setup(self, request):
        """Setting up TOTP proves possession of it: the session then counts as having passed it."""
        response = self.get_response(request)
        authenticator = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).first()
        if authenticator is not None:
            record_second_factor_setup(request, authenticator)
        return response

    def activate_path(self) -> str:
        return reverse("mfa_activate_totp")

    def factor_change_paths(self) -> set[str]:
        if self._factor_change_paths is None:
            self._factor_change_paths = {reverse(name) for name in _FACTOR_CHANGE_URLS}
        return self._factor_change_paths
