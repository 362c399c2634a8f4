"""The configured identity providers for templates: `{% identity_providers as providers %}`."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def identity_providers(context):
    from ..identity import configured_providers

    request = context.get("request")
    return configured_providers(request) if request is not None else []


@register.filter
def identity_provider_name(account) -> str:
    """The display name of a linked identity's provider; its key when the provider is no longer configured."""
    from allauth.socialaccount.models import SocialApp

    try:
        return str(account.get_provider().name)
    except (SocialApp.DoesNotExist, LookupError, ValueError):
        return account.provider
