"""The configured identity providers for templates: `{% identity_providers as providers %}`."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def identity_providers(context):
    from ..identity import configured_providers

    request = context.get("request")
    return configured_providers(request) if request is not None else []
