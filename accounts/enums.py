from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are Django groups with these names."""

    APPLICANT = "applicant", _("Antragstellende Kommune")
    JURY = "jury", _("Jurymitglied")
    CASE_WORKER = "case_worker", _("Sachbearbeitung")
    APPROVER = "approver", _("Bewilligung/Anordnung")
    ADMIN = "admin", _("Administration")


# Roles that see the ministry's staff pages and must have TOTP set up.
STAFF_ROLES = frozenset({Role.CASE_WORKER, Role.APPROVER, Role.ADMIN})


class MunicipalityKind(models.TextChoices):
    GEMEINDE = "gemeinde", _("Gemeinde")
    KREISFREIE_STADT = "kreisfreie_stadt", _("Kreisfreie Stadt")
    SONDERSTATUSSTADT = "sonderstatusstadt", _("Sonderstatusstadt")
    LANDKREIS = "landkreis", _("Landkreis")


class MembershipState(models.TextChoices):
    REQUESTED = "requested", _("Beantragt")
    APPROVED = "approved", _("Bestätigt")
    REFUSED = "refused", _("Abgelehnt")
    REVOKED = "revoked", _("Entzogen")


class TrustLevel(models.TextChoices):
    """How sure the identity provider is of who logged in (Vertrauensniveau, eIDAS / TR-03107).

    Ordered from low to high: a requirement is met by its level and every level above it
    (accounts.trust.meets). A login with e-mail and password has no trust level.
    """

    BASISREGISTRIERUNG = "basisregistrierung", _("Basisregistrierung")
    SUBSTANZIELL = "substanziell", _("substanziell")
    HOCH = "hoch", _("hoch")


class IdentityProviderKind(models.TextChoices):
    """The preconfigured kinds of SAML identity provider (accounts.identity.PRESETS)."""

    BUNDID = "bundid", _("BundID")
    UNTERNEHMENSKONTO = "unternehmenskonto", _("Mein Unternehmenskonto")
