from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .mfa import lacks_required_totp

# Pages a staff member without TOTP may still reach: account pages (to set TOTP up), static
# files, the API (which refuses on its own, see accounts.api.StaffHasMFA) and the legal pages.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/barrierefreiheit/", "/impressum/")


class StaffMFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not request.path.startswith(_ALLOWED_PREFIXES) and lacks_required_totp(user):
            messages.warning(
                request,
                _("Für Ihre Rolle ist die Zwei-Faktor-Anmeldung (TOTP) Pflicht. Bitte richten Sie "
                  "sie jetzt ein."),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
