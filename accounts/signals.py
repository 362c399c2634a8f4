from allauth.account.signals import email_confirmed, user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.dispatch import receiver


@receiver(email_confirmed)
def accept_open_invitations(sender, request, email_address, **kwargs):
    from .services import accept_invitations_for

    if email_address.user.email.lower() == email_address.email.lower():
        accept_invitations_for(user=email_address.user)


@receiver(authenticator_added)
def second_factor_added(sender, request, user, authenticator, **kwargs):
    from .services import record_second_factor_change

    record_second_factor_change(user=user, authenticator=authenticator, change="added")


@receiver(authenticator_removed)
def second_factor_removed(sender, request, user, authenticator, **kwargs):
    from .services import record_second_factor_change

    record_second_factor_change(user=user, authenticator=authenticator, change="removed")


@receiver(authenticator_reset)
def second_factor_reset(sender, request, user, authenticator, **kwargs):
    from .services import record_second_factor_change

    record_second_factor_change(user=user, authenticator=authenticator, change="reset")


@receiver(user_logged_in)
def remember_trust_level(sender, request, user, sociallogin=None, **kwargs):
    """Every login sets the session's trust level: the identity provider's for a login through one
    (accounts.identity), none for e-mail and password. Sent after the second factor, if any."""
    from .identity import TRUST_LEVEL_KEY
    from .trust import record_session_trust_level

    level = sociallogin.account.extra_data.get(TRUST_LEVEL_KEY) if sociallogin is not None else None
    record_session_trust_level(request, level)
