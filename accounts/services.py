"""Every write on memberships and invitations."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from .enums import MembershipState
from .exceptions import AccountsError
from .models import Invitation, Membership, Municipality, User
from .notifications import notify
from .rules import is_case_worker


def request_membership(*, user: User, municipality: Municipality, function: str = "") -> Membership:
    """A user asks to act for a municipality. Asking twice returns the open request."""
    if not municipality.active:
        raise AccountsError(_("Diese Kommune ist nicht mehr aktiv."))
    with transaction.atomic():
        existing = (
            Membership.objects.select_for_update()
            .filter(user=user, municipality=municipality,
                    state__in=[MembershipState.REQUESTED, MembershipState.APPROVED])
            .first()
        )
        if existing:
            return existing
        try:
            with transaction.atomic():
                membership = Membership.objects.create(user=user, municipality=municipality,
                                                       function=function[:200])
        except IntegrityError:  # a second click at the same moment
            return Membership.objects.get(user=user, municipality=municipality,
                                          state__in=[MembershipState.REQUESTED, MembershipState.APPROVED])
        record(actor=user, action="membership.requested", obj=membership,
               to_state=membership.state, data={"municipality": municipality.name})
    staff = User.objects.filter(groups__name__in=["case_worker"], is_active=True).values_list("email", flat=True)
    notify(recipients=staff, subject=lambda: _("Neue Anfrage auf Mitgliedschaft"),
           template="accounts/mail/membership_requested.txt",
           context={"membership": membership})
    return membership


def _decide(*, actor: User, membership_id: int, approve: bool, reason: str) -> Membership:
    if not is_case_worker(actor):
        raise AccountsError(_("Nur die Sachbearbeitung entscheidet über Mitgliedschaften."))
    with transaction.atomic():
        membership = (Membership.objects.select_for_update().select_related("user", "municipality")
                      .get(pk=membership_id))
        if membership.state != MembershipState.REQUESTED:
            raise AccountsError(_("Über diese Anfrage wurde bereits entschieden."))
        if membership.user_id == actor.pk:
            raise AccountsError(_("Über die eigene Mitgliedschaft kann nicht selbst entschieden werden."))
        if not approve and not reason.strip():
            raise AccountsError(_("Bitte begründen Sie die Ablehnung."))
        source = membership.state
        membership.approve() if approve else membership.refuse()
        membership.decided_at = timezone.now()
        membership.decided_by = actor
        membership.reason = reason.strip()
        membership.save(update_fields=["state", "decided_at", "decided_by", "reason"])
        record(actor=actor, action="membership.approved" if approve else "membership.refused",
               obj=membership, from_state=source, to_state=membership.state, reason=membership.reason)
    notify(recipients=[membership.user.email],
           subject=lambda: _("Ihre Mitgliedschaft für %(m)s") % {"m": membership.municipality.name},
           template="accounts/mail/membership_decided.txt", context={"membership": membership})
    return membership


def approve_membership(*, actor: User, membership_id: int) -> Membership:
    return _decide(actor=actor, membership_id=membership_id, approve=True, reason="")


def refuse_membership(*, actor: User, membership_id: int, reason: str) -> Membership:
    return _decide(actor=actor, membership_id=membership_id, approve=False, reason=reason)


def revoke_membership(*, actor: User, membership_id: int, reason: str) -> Membership:
    if not is_case_worker(actor):
        raise AccountsError(_("Nur die Sachbearbeitung kann Mitgliedschaften entziehen."))
    if not reason.strip():
        raise AccountsError(_("Bitte begründen Sie den Entzug."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        if membership.state != MembershipState.APPROVED:
            raise AccountsError(_("Nur bestätigte Mitgliedschaften können entzogen werden."))
        membership.revoke()
        membership.decided_at = timezone.now()
        membership.decided_by = actor
        membership.reason = reason.strip()
        membership.save(update_fields=["state", "decided_at", "decided_by", "reason"])
        record(actor=actor, action="membership.revoked", obj=membership,
               from_state=MembershipState.APPROVED, to_state=membership.state, reason=membership.reason)
    return membership


def invite_member(*, actor: User, email: str, municipality: Municipality) -> Invitation | Membership:
    """Invite an address; an existing verified user is approved at once."""
    if not is_case_worker(actor):
        raise AccountsError(_("Nur die Sachbearbeitung kann einladen."))
    email = email.strip().lower()
    with transaction.atomic():
        invitation = Invitation.objects.filter(email=email, municipality=municipality,
                                               accepted_at__isnull=True).first()
        if invitation is None:
            invitation = Invitation.objects.create(email=email, municipality=municipality, invited_by=actor)
            record(actor=actor, action="invitation.created", obj=invitation,
                   data={"email": email, "municipality": municipality.name})
        user = User.objects.filter(emailaddress__email__iexact=email, emailaddress__verified=True).first()
        if user is not None:
            memberships = accept_invitations_for(user=user)
            if memberships:
                return memberships[0]
    notify(recipients=[email], subject=lambda: _("Einladung: %(portal)s") % {"portal": settings.PORTAL["name"]},
           template="accounts/mail/invitation.txt", context={"invitation": invitation})
    return invitation


def accept_invitations_for(*, user: User) -> list[Membership]:
    """Turn open invitations for the user's verified address into approved memberships."""
    created = []
    with transaction.atomic():
        invitations = list(
            Invitation.objects.select_for_update().select_related("municipality", "invited_by")
            .filter(email=user.email.lower(), accepted_at__isnull=True)
        )
        for invitation in invitations:
            membership = Membership.objects.filter(
                user=user, municipality=invitation.municipality,
                state__in=[MembershipState.REQUESTED, MembershipState.APPROVED],
            ).select_for_update().first()
            if membership is None:
                membership = Membership.objects.create(user=user, municipality=invitation.municipality)
            if membership.state == MembershipState.REQUESTED:
                membership.approve()
                membership.decided_at = timezone.now()
                membership.decided_by = invitation.invited_by
                membership.reason = _("Auf Einladung")
                membership.save(update_fields=["state", "decided_at", "decided_by", "reason"])
                record(actor=invitation.invited_by, action="membership.approved", obj=membership,
                       from_state=MembershipState.REQUESTED, to_state=membership.state,
                       reason=membership.reason)
            invitation.accepted_at = timezone.now()
            invitation.save(update_fields=["accepted_at"])
            created.append(membership)
    return created


_FACTOR_CHANGE_SUBJECTS = {
    "added": lambda: _("Zwei-Faktor-Anmeldung eingerichtet"),
    "removed": lambda: _("Zwei-Faktor-Anmeldung entfernt"),
    "reset": lambda: _("Wiederherstellungscodes neu erzeugt"),
}


def record_second_factor_change(*, user: User, authenticator, change: str) -> None:
    """Every change of a second factor is written to the audit trail and mailed to its owner."""
    with transaction.atomic():
        record(actor=user, action=f"second_factor.{change}", obj=user,
               data={"type": str(authenticator.type)})
        notify(recipients=[user.email], subject=_FACTOR_CHANGE_SUBJECTS[change],
               template="accounts/mail/second_factor_changed.txt",
               context={"user": user, "change": change, "type": str(authenticator.type),
                        "at": timezone.localtime()})


# ---------------------------------------------------------------- API tokens

TOKEN_LIFETIMES_DAYS = (30, 90, 365)


def max_token_days(user: User) -> int:
    """Staff tokens live at most 90 days (settings.API_TOKEN_MAX_DAYS_STAFF), others a year."""
    from django.conf import settings

    return settings.API_TOKEN_MAX_DAYS_STAFF if user.is_staff_role else settings.API_TOKEN_MAX_DAYS


def _hash_key(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def find_api_token(*, key: str):
    from .models import ApiToken

    return ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key)).first()


def _token_mail(user: User, token, change: str) -> None:
    subjects = {"created": lambda: _("Neuer API-Schlüssel erzeugt"),
                "renewed": lambda: _("API-Schlüssel erneuert"),
                "revoked": lambda: _("API-Schlüssel widerrufen")}
    notify(recipients=[user.email], subject=subjects[change], template="accounts/mail/api_token_changed.txt",
           context={"user": user, "token": token, "change": change, "at": timezone.localtime()})


def create_api_token(*, user: User, name: str, scope: str, days: int, second_factor_passed: bool,
                     replaces=None) -> tuple:
    """Create a token and return it with its key (shown once). Staff only from a session that passed TOTP."""
    import secrets
    from datetime import timedelta

    from .models import ApiToken

    if user.is_staff_role and not second_factor_passed:
        raise AccountsError(_("API-Schlüssel für Ihre Rolle können nur nach der Anmeldung mit "
                              "Zwei-Faktor-Code erzeugt werden."))
    if scope not in ApiToken.Scope.values:
        raise AccountsError(_("Bitte wählen Sie, ob der Schlüssel nur lesen oder auch schreiben darf."))
    if days not in TOKEN_LIFETIMES_DAYS or days > max_token_days(user):
        raise AccountsError(_("Ein API-Schlüssel gilt für Ihre Rolle höchstens %(days)s Tage.")
                            % {"days": max_token_days(user)})
    name = (name or "").strip()
    if not name:
        raise AccountsError(_("Bitte geben Sie dem Schlüssel eine Bezeichnung (z. B. das Portal, das ihn nutzt)."))
    key = "shh_" + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        if replaces is not None:
            old = ApiToken.objects.select_for_update().get(pk=replaces.pk, user=user)
            if old.revoked_at is not None:
                raise AccountsError(_("Dieser API-Schlüssel ist bereits widerrufen."))
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        token = ApiToken.objects.create(user=user, name=name[:100], scope=scope, prefix=key[:12],
                                        key_hash=_hash_key(key), expires_at=now + timedelta(days=days))
        change = "renewed" if replaces is not None else "created"
        record(actor=user, action=f"api_token.{change}", obj=user,
               data={"token": token.pk, "name": token.name, "scope": scope, "expires_at": token.expires_at,
                     "replaces": replaces.pk if replaces is not None else None})
        _token_mail(user, token, change)
    return token, key


def renew_api_token(*, user: User, token_id: int, second_factor_passed: bool) -> tuple:
    from .models import ApiToken

    old = ApiToken.objects.filter(user=user, pk=token_id).first()
    if old is None:
        raise AccountsError(_("Diesen API-Schlüssel gibt es nicht."))
    days = max(d for d in TOKEN_LIFETIMES_DAYS if d <= max_token_days(user))  # the longest the role may have
    return create_api_token(user=user, name=old.name, scope=old.scope, days=days,
                            second_factor_passed=second_factor_passed, replaces=old)


def revoke_api_token(*, user: User, token_id: int):
    from .models import ApiToken

    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
        if token is None:
            raise AccountsError(_("Diesen API-Schlüssel gibt es nicht."))
        if token.revoked_at is not None:
            return token  # a second click changes nothing
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=user, action="api_token.revoked", obj=user, data={"token": token.pk, "name": token.name})
        _token_mail(user, token, "revoked")
    return token


def touch_api_token(token) -> None:
    """Record the last use, at most once a minute (no write on every request)."""
    from datetime import timedelta

    from .models import ApiToken

    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
