from allauth.account.signals import email_confirmed
from django.dispatch import receiver


@receiver(email_confirmed)
def accept_open_invitations(sender, request, email_address, **kwargs):
    from .services import accept_invitations_for

    if email_address.user.email.lower() == email_address.email.lower():
        accept_invitations_for(user=email_address.user)
