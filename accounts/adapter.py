"""allauth speaks in the portal's voice: its mails name the portal and link to SITE_URL.

Without django.contrib.sites, allauth takes the request's host as the site's name and domain, so its
mails greeted with "Hallo von 127.0.0.1:8000!". Every allauth mail gets the portal's name and address
here instead; the texts themselves are our templates under templates/account/email/.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils.translation import gettext_lazy as _

PORTAL_NAME = _("Förderportal Starke Heimat Hessen")


@dataclass(frozen=True)
class PortalSite:
    """Stands in for a Sites-framework site in allauth's mail context."""

    name: str
    domain: str


def portal_site() -> PortalSite:
    return PortalSite(name=str(PORTAL_NAME), domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": portal_site(), "portal_name": PORTAL_NAME,
                   "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)
