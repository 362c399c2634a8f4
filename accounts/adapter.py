"""allauth speaks in the portal's voice: its mails name the portal and link to SITE_URL.

Without django.contrib.sites, allauth takes the request's host as the site's name and domain, so its
mails greeted with "Hallo von 127.0.0.1:8000!". Every allauth mail gets the portal's name and address
here instead; the texts themselves are our templates under templates/account/email/.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PortalSite:
    """Stands in for a Sites-framework site in allauth's mail context."""

    name: str
    domain: str


def portal_site() -> PortalSite:
    return PortalSite(name=str(settings.PORTAL["name"]), domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": portal_site(), "portal_name": settings.PORTAL["name"],
                   "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Logins through BundID, Mein Unternehmenskonto or a staff directory (accounts.identity)."""

    def authenticate_by_email(self, sociallogin):
        """Never log in to an existing account because an identity provider names its e-mail address.

        The identity is linked from inside the account instead (Konto → Verknüpfte Identitäten), after
        the owner logged in with password (and TOTP): that proves they own it. A provider's setting
        ("email_authentication") cannot switch this on; a first login with a taken address gets
        allauth's "account already exists" mail instead, and no account is created or linked.
        """
        return None

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """A refused answer of an identity provider (bad signature, expired, wrong audience, …) ends on
        the portal's page with a German message; the technical reason goes to the log only."""
        from allauth.socialaccount.providers.base.constants import AuthError

        from .identity import IdentityError, refuse

        super().on_authentication_error(request, provider, error=error, exception=exception,
                                        extra_context=extra_context)
        if error == AuthError.CANCELLED:
            return  # allauth's "Anmeldung abgebrochen" page
        name = getattr(provider, "name", "") or _("Identitätsanbieter")
        refuse(request, IdentityError(
            _("Die Anmeldung über %(provider)s konnte nicht bestätigt werden: die Antwort des Anbieters war "
              "ungültig, abgelaufen oder nicht passend signiert. Sie wurden nicht angemeldet. Bitte versuchen Sie "
              "es erneut; wenn es wieder misslingt, melden Sie sich bitte beim Support.") % {"provider": name},
            status=400))
