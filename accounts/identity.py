"""Login through identity providers: BundID and Mein Unternehmenskonto (SAML 2.0), a Land's staff
directory (OpenID Connect).

Both are django-allauth's own providers (`allauth.socialaccount.providers.saml` and
`…openid_connect`), so an identity from a provider becomes a SocialAccount of an ordinary portal
account: verified e-mail address, TOTP, rate limits and sessions stay allauth's. This module adds
what the portal needs on top of allauth's SAML provider (PortalSAMLProvider, registered through
SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]):

- the two preconfigured kinds (PRESETS): attribute names, required attributes, the button label;
  a provider's own settings (`SocialApp.settings`) override them key by key;
- IdP metadata from a URL (allauth), a file (`idp.metadata_file`) or inline XML (`idp.metadata_xml`);
- a security floor no configuration can lower: strict validation, signed assertions, no
  IdP-initiated login;
- every assertion is accepted once (UsedAssertion), also across sessions;
- the trust level of the login (accounts.trust), and a provider's minimum level;
- refusals with a German message instead of allauth's generic error page or a 403.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import IdentityProviderKind, TrustLevel
from .trust import level_from_values, meets

logger = logging.getLogger(__name__)

# Where a login's trust level and the raw authentication context are kept in SocialAccount.extra_data
# (the rest of extra_data are the assertion's attributes, whose names are URIs).
TRUST_LEVEL_KEY = "trust_level"
AUTHN_CONTEXT_KEY = "authn_context"

# What each preconfigured kind reads. The attribute names follow the providers' interface
# descriptions at the time of writing; check them against the current version when connecting
# (docs/integration.md) — a provider's settings override each key.
PRESETS: dict[str, dict] = {
    IdentityProviderKind.BUNDID: {
        "attribute_mapping": {
            "uid": ["urn:oid:1.3.6.1.4.1.25484.494450.3"],  # bPK2, BundID's stable pseudonym per person
            "email": ["urn:oid:0.9.2342.19200300.100.1.3"],
            "first_name": ["urn:oid:2.5.4.42"],
            "last_name": ["urn:oid:2.5.4.4"],
        },
        "trust_level_attribute": "urn:oid:1.2.40.0.10.2.1.1.261.94",
        "required_attributes": ["uid", "email", "last_name"],
    },
    IdentityProviderKind.UNTERNEHMENSKONTO: {
        "attribute_mapping": {
            # no uid attribute: the persistent NameID is the stable identifier
            "email": ["urn:oid:0.9.2342.19200300.100.1.3"],
            "first_name": ["urn:oid:2.5.4.42"],
            "last_name": ["urn:oid:2.5.4.4"],
            "organisation": ["urn:oid:2.5.4.10"],
        },
        "required_attributes": ["email", "organisation"],
    },
}

# The mapping keys a user may be told about when one is missing.
ATTRIBUTE_LABELS = {
    "uid": gettext_lazy("dauerhafte Kennung"),
    "email": gettext_lazy("E-Mail-Adresse"),
    "first_name": gettext_lazy("Vorname"),
    "last_name": gettext_lazy("Nachname"),
    "organisation": gettext_lazy("Organisation"),
}

# No provider setting can lower these (python3-saml names in allauth's "advanced" block).
SECURITY_FLOOR = {"strict": True, "want_assertion_signed": True, "reject_idp_initiated_sso": True}

# How long a used assertion is remembered when it names no end of validity itself.
DEFAULT_ASSERTION_LIFETIME = dt.timedelta(hours=1)


class IdentityError(Exception):
    """A login through an identity provider that the portal refuses; the message is shown to the user."""

    def __init__(self, message: str, *, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


def refusal(request, message: str, *, status: int = 403):
    """The page a refused login through an identity provider ends on (never a 500)."""
    return render(request, "socialaccount/authentication_error.html", {"refusal": message}, status=status)


def refuse(request, error: IdentityError):
    raise ImmediateHttpResponse(refusal(request, error.message, status=error.status))


# ------------------------------------------------------------------------------- configuration


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _idp_from_metadata(idp: dict) -> dict:
    """allauth's inline IdP settings from a metadata file or inline metadata XML."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    xml = idp.get("metadata_xml")
    if not xml and idp.get("metadata_file"):
        try:
            xml = Path(idp["metadata_file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ImproperlyConfigured(f"SAML: metadata file {idp['metadata_file']!r} unreadable: {exc}") from exc
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=idp.get("entity_id")).get("idp") or {}
    except Exception as exc:  # noqa: BLE001 - lxml and python3-saml raise several kinds for bad metadata
        raise ImproperlyConfigured(f"SAML: the IdP metadata cannot be read: {exc}") from exc
    cert = parsed.get("x509cert") or (parsed.get("x509certMulti", {}).get("signing") or [None])[0]
    if not parsed.get("entityId") or not cert or not parsed.get("singleSignOnService", {}).get("url"):
        raise ImproperlyConfigured("SAML: the IdP metadata names no entity ID, signing certificate or SSO URL")
    inline = {"entity_id": parsed["entityId"], "x509cert": cert, "sso_url": parsed["singleSignOnService"]["url"]}
    if parsed.get("singleLogoutService", {}).get("url"):
        inline["slo_url"] = parsed["singleLogoutService"]["url"]
    return inline


def effective_settings(settings: dict) -> dict:
    """A provider's settings as the SAML views use them: preset of its kind, its own settings on top,
    metadata resolved, security floor applied."""
    kind = settings.get("kind", "")
    merged = _merge(PRESETS.get(kind, {}), settings)
    idp = merged.get("idp") or {}
    if (idp.get("metadata_xml") or idp.get("metadata_file")) and not idp.get("metadata_url"):
        merged["idp"] = _idp_from_metadata(idp)
    merged["advanced"] = {**merged.get("advanced", {}), **SECURITY_FLOOR}
    return merged


# ------------------------------------------------------------------------------- replay


def claim_assertion(*, issuer: str, assertion_id: str, not_on_or_after: int | None) -> bool:
    """Record an assertion as used; False when it was used before (a replay)."""
    from .models import UsedAssertion

    now = timezone.now()
    if not_on_or_after:
        expires = dt.datetime.fromtimestamp(not_on_or_after, tz=dt.UTC)
    else:
        expires = now + DEFAULT_ASSERTION_LIFETIME
    UsedAssertion.objects.filter(expires_at__lt=now - DEFAULT_ASSERTION_LIFETIME).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(issuer=issuer[:500], assertion_id=assertion_id[:200],
                                         expires_at=max(expires, now))
    except IntegrityError:
        return False
    return True


# ------------------------------------------------------------------------------- the provider


class PortalSAMLProvider(SAMLProvider):
    """allauth's SAML provider with the portal's kinds, checks and trust level (see the module doc)."""

    package = "allauth.socialaccount.providers.saml"  # its URLs (allauth derives them from the package)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A copy: the SocialApp row (or settings entry) itself stays as configured.
        self.app = copy.copy(self.app)
        self.app.settings = effective_settings(self.app.settings or {})
        self.kind = self.app.settings.get("kind", "")
        if not self.app.name and self.kind in IdentityProviderKind.values:
            self.name = str(IdentityProviderKind(self.kind).label)

    def sociallogin_from_response(self, request, response):
        try:
            self._check_response(response)
        except IdentityError as error:
            logger.warning("SAML login via %s refused: %s", self.app.client_id, error.message)
            refuse(request, error)
        sociallogin = super().sociallogin_from_response(request, response)
        level = self.trust_level(response)
        sociallogin.account.extra_data[TRUST_LEVEL_KEY] = str(level) if level else None
        sociallogin.account.extra_data[AUTHN_CONTEXT_KEY] = list(response.get_last_authn_contexts() or [])
        minimum = self.app.settings.get("min_trust_level")
        if minimum and not meets(level, minimum):
            refuse(request, IdentityError(
                _("Für die Anmeldung über %(provider)s ist mindestens das Vertrauensniveau „%(needed)s“ nötig; "
                  "Ihre Anmeldung hatte %(current)s.") % {
                    "provider": self.name, "needed": TrustLevel(minimum).label,
                    "current": f"„{TrustLevel(level).label}“" if level else _("kein bekanntes Vertrauensniveau")}))
        return sociallogin

    def _check_response(self, response) -> None:
        values = self._extract(response)
        values["uid"] = values.get("uid") or response.get_nameid()
        missing = [key for key in self.app.settings.get("required_attributes", []) if not values.get(key)]
        if missing:
            names = ", ".join(str(ATTRIBUTE_LABELS.get(key, key)) for key in missing)
            raise IdentityError(
                _("%(provider)s hat nicht alle nötigen Angaben übermittelt (es fehlt: %(names)s). Bitte geben Sie "
                  "bei %(provider)s die Übermittlung dieser Angaben frei und melden Sie sich erneut an.")
                % {"provider": self.name, "names": names}, status=400)
        issuer = (self.app.settings.get("idp") or {}).get("entity_id") or self.app.client_id
        assertion_id = response.get_last_assertion_id()
        if not assertion_id or not claim_assertion(
                issuer=issuer, assertion_id=assertion_id,
                not_on_or_after=response.get_last_assertion_not_on_or_after()):
            raise IdentityError(_("Diese Anmeldebestätigung wurde bereits verwendet. Bitte melden Sie sich erneut "
                                  "an."), status=400)

    def trust_level(self, response) -> TrustLevel | None:
        """From the configured attribute if the assertion carries it, else from its AuthnContextClassRef."""
        attribute = self.app.settings.get("trust_level_attribute")
        if attribute:
            values = response.get_attributes().get(attribute) or []
            if values:
                return level_from_values(values)
        return level_from_values(response.get_last_authn_contexts() or [])

    def unstash_redirect_state(self, request, state_id):
        try:
            return super().unstash_redirect_state(request, state_id)
        except PermissionDenied:
            refuse(request, IdentityError(_(
                "Diese Anmeldebestätigung passt zu keiner Anmeldung, die in diesem Browser begonnen wurde, oder "
                "sie wurde bereits verwendet. Bitte melden Sie sich erneut an."), status=400))


# ------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ConfiguredProvider:
    """One identity provider as the login page and the API list it."""

    id: str          # the provider's id in allauth ("saml", "openid_connect")
    app_id: str      # the SAML organisation slug or the OIDC provider_id
    kind: str        # "bundid", "unternehmenskonto", "openid_connect" or "saml"
    name: str
    login_url: str
    metadata_url: str  # the SP metadata a SAML IdP needs ("" for OIDC)

    @property
    def button_label(self) -> str:
        return _("Mit %(name)s anmelden") % {"name": self.name}


def configured_providers(request) -> list[ConfiguredProvider]:
    """Every configured identity provider (admin or settings), in a stable order; hidden apps left out."""
    from allauth.socialaccount.adapter import get_adapter
    from django.urls import reverse

    out = []
    adapter = get_adapter()
    for app in adapter.list_apps(request):
        if app.provider not in ("saml", "openid_connect") or (app.settings or {}).get("hidden"):
            continue
        try:
            provider = app.get_provider(request)
        except ImproperlyConfigured as exc:  # a broken provider leaves out its button, not the login page
            logger.error("identity provider %s left out: %s", app.client_id or app.provider_id, exc)
            continue
        if app.provider == "saml":
            kind = provider.kind or "saml"
            app_id = app.client_id
            metadata = reverse("saml_metadata", kwargs={"organization_slug": app.client_id})
        else:
            kind, app_id, metadata = "openid_connect", app.provider_id, ""
        out.append(ConfiguredProvider(id=app.provider, app_id=app_id, kind=kind, name=str(provider.name),
                                      login_url=provider.get_login_url(request), metadata_url=metadata))
    order = {IdentityProviderKind.BUNDID: 0, IdentityProviderKind.UNTERNEHMENSKONTO: 1}
    return sorted(out, key=lambda p: (order.get(p.kind, 2), p.name))
