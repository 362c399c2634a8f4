from django import template
from django.utils.html import format_html

from ..idempotency import FORM_FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field():
    """The one-time key of a money form (see payments.idempotency): a repeat of this submission does nothing."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, new_key())
