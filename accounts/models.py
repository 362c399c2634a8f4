from functools import cache

from django.contrib.auth.models import AbstractUser, BaseUserManager, _user_has_perm
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from rules.permissions import ObjectPermissionBackend

from foundation.columns import reads

from .enums import STAFF_ROLES, MembershipState, MunicipalityKind, Role
from .keys import validate_official_key


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("E-Mail-Adresse fehlt")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


@cache
def _model_permissions() -> frozenset[str]:
    """Every "app_label.codename" the models define (default and Meta.permissions): what the permission
    table holds and the model backend can grant."""
    from django.apps import apps

    names = set()
    for model in apps.get_models():
        opts = model._meta
        names.update(f"{opts.app_label}.{action}_{opts.model_name}" for action in opts.default_permissions)
        names.update(f"{opts.app_label}.{codename}" for codename, _name in opts.permissions)
    return frozenset(names)


def _rules_only(perm: str) -> bool:
    import rules

    return rules.perm_exists(perm) and perm not in _model_permissions()


_RULES_BACKEND = ObjectPermissionBackend()


class User(AbstractUser):
    """A person. Logs in with the e-mail address; roles are groups (see enums.Role)."""

    username = None
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("Benutzerkonto")
        verbose_name_plural = _("Benutzerkonten")
        ordering = ["email"]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email

    @property
    @reads("first_name", "last_name", "email")
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    @property
    def role_names(self) -> set[str]:
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return self._role_names

    def has_role(self, role: str) -> bool:
        return self.is_authenticated and self.is_active and role in self.role_names

    def has_perm(self, perm, obj=None) -> bool:
        """Ask the backends, also for a superuser. Django lets `is_superuser` pass every permission, which
        bypassed the named rules (`rules.add_perm`): an administrator could close a jury session they do
        not chair, record its decisions or act for a municipality. Roles decide; the Django admin keeps
        working because the model backend grants a superuser every model permission (asked without obj).

        A named rule that is no model permission is answered by the rules alone: the model backend could
        only say no to it (it grants what is in the permission table, made from the models), after reading
        every permission of the user and their groups (two queries on each page that asks such a rule and
        gets a no)."""
        if not self.is_active:
            return False
        if _rules_only(perm):
            return _RULES_BACKEND.has_perm(self, perm, obj)
        return _user_has_perm(self, perm, obj)

    @property
    def is_staff_role(self) -> bool:
        return bool(self.role_names & STAFF_ROLES) or self.is_superuser

    @property
    def is_case_worker(self) -> bool:
        return self.has_role(Role.CASE_WORKER) or self.has_role(Role.ADMIN)


class Municipality(models.Model):
    """A Hessian municipality, city or Landkreis that may apply for funding."""

    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=MunicipalityKind.choices)
    official_key = models.CharField(
        _("Amtlicher Schlüssel"), max_length=8, unique=True,
        help_text=_("AGS (8 Ziffern) bzw. Kreisschlüssel (5 Ziffern) eines Landkreises."),
    )
    regional_key = models.CharField(_("Regionalschlüssel"), max_length=12, blank=True)
    landkreis = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="members",
        limit_choices_to={"kind": MunicipalityKind.LANDKREIS}, verbose_name=_("Landkreis"),
    )
    directory_date = models.DateField(_("Gebietsstand des Verzeichnisses"), null=True, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    # The postal address letters (receipts, notices) go to. Kept by hand in the admin: the
    # Destatis directory does not carry it, and its import leaves these fields alone.
    # (db_default: rows written by code that predates these fields, e.g. older migrations, get "")
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True, default="", db_default="")
    postal_code = models.CharField(_("Postleitzahl"), max_length=5, blank=True, default="", db_default="",
                                   validators=[RegexValidator(r"^[0-9]{5}$", _("Bitte fünf Ziffern angeben."))])
    city = models.CharField(_("Ort"), max_length=100, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]
        constraints = [
            # The format of an official key of any Land (01–16): 5 digits for a Landkreis, 8 for the others. That
            # it is a key of the installation's Land (settings.LAND) is checked by accounts.keys, where the
            # configuration lives.
            models.CheckConstraint(
                condition=(Q(kind=MunicipalityKind.LANDKREIS, official_key__regex=r"^(0[1-9]|1[0-6])[0-9]{3}$")
                           | (~Q(kind=MunicipalityKind.LANDKREIS)
                              & Q(official_key__regex=r"^(0[1-9]|1[0-6])[0-9]{6}$"))),
                name="municipality_key_format",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        validate_official_key(self.official_key, self.kind)


class Membership(FSMModelMixin, models.Model):
    """A user acting for a municipality, once a case worker approved it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("Kommune"),
    )
    state = FSMField(_("Status"), default=MembershipState.REQUESTED, choices=MembershipState.choices,
                     protected=True)
    function = models.CharField(_("Funktion/Dienststelle"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("beantragt am"), auto_now_add=True)
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("entschieden von"))
    reason = models.TextField(_("Begründung"), blank=True)

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "requested_at", "id"], name="membership_state_requested")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality"],
                condition=Q(state__in=[MembershipState.REQUESTED, MembershipState.APPROVED]),
                name="membership_one_live_per_user_and_municipality",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.municipality} ({self.get_state_display()})"

    @transition(field=state, source=MembershipState.REQUESTED, target=MembershipState.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=MembershipState.REQUESTED, target=MembershipState.REFUSED)
    def refuse(self):
        pass

    @transition(field=state, source=MembershipState.APPROVED, target=MembershipState.REVOKED)
    def revoke(self):
        pass


class Invitation(models.Model):
    """A case worker invites an e-mail address to act for a municipality.

    It becomes an approved membership as soon as a user with that verified address exists.
    """

    email = models.EmailField(_("E-Mail-Adresse"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, verbose_name=_("Kommune"))
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        constraints = [
            models.UniqueConstraint(fields=["email", "municipality"], condition=Q(accepted_at__isnull=True),
                                    name="invitation_one_open_per_email_and_municipality")
        ]

    def __str__(self):
        return f"{self.email} → {self.municipality}"


class ApiToken(models.Model):
    """A personal API key: named, scoped, expiring, revocable; only its SHA-256 is stored.

    The key is shown once when created (`accounts.services.create_api_token`); requests send it as
    `Authorization: Token <key>` (accounts.authentication.ApiTokenAuthentication).
    """

    class Scope(models.TextChoices):
        READ = "read", _("Nur lesen")
        WRITE = "write", _("Lesen und schreiben")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("Bezeichnung"), max_length=100)
    scope = models.CharField(_("Berechtigung"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("Anfang des Schlüssels"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("erzeugt am"), auto_now_add=True)
    expires_at = models.DateTimeField(_("gültig bis"))
    last_used_at = models.DateTimeField(_("zuletzt verwendet"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-Schlüssel")
        verbose_name_plural = _("API-Schlüssel")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="api_token_expires_after_creation"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_valid_at(self, moment) -> bool:
        return self.revoked_at is None and self.expires_at > moment


class UsedAssertion(models.Model):
    """A SAML assertion that logged someone in: the same assertion is never accepted twice.

    Kept until the assertion would have expired anyway (accounts.identity.claim_assertion removes
    older rows as it goes); the unique constraint decides between two posts at the same moment.
    """

    issuer = models.CharField(_("Identitätsanbieter"), max_length=500)
    assertion_id = models.CharField(_("Kennung der Assertion"), max_length=200)
    used_at = models.DateTimeField(_("verwendet am"), auto_now_add=True)
    expires_at = models.DateTimeField(_("gültig bis"), db_index=True)

    class Meta:
        verbose_name = _("verwendete SAML-Assertion")
        verbose_name_plural = _("verwendete SAML-Assertions")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "assertion_id"], name="used_assertion_once_per_issuer"),
        ]

    def __str__(self):
        return f"{self.issuer} {self.assertion_id}"
