from decimal import Decimal

from django import template

from grants.money import format_eur

register = template.Library()


@register.filter
def eur(value):
    return format_eur(value)


@register.filter
def percent(rate):
    """0.9000 → 90 %"""
    if rate is None:
        return "–"
    value = (Decimal(rate) * 100).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text}\u00a0%"
