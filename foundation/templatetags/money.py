from decimal import Decimal

from django import template

from foundation.amounts import format_decimal, format_eur
from foundation.choices import choice_label

register = template.Library()


@register.filter
def eur(value):
    return format_eur(value)


@register.filter
def decimal(value, places=2):
    """Scores, weights, percentages in German: {{ total|decimal }} → 3,58; {{ step|decimal:"-1" }} → 0,5 or 5
    (a negative argument leaves out trailing zeros: 0,5 and 5)."""
    places = int(places)
    return format_decimal(value, abs(places), trim=places < 0)


@register.filter
def percent(rate):
    """0.9000 → 90 %"""
    if rate is None:
        return "–"
    value = (Decimal(rate) * 100).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text}\u00a0%"


_BADGES = {
    "draft": "info", "submitted": "info", "in_formal_check": "warning", "returned_for_revision": "warning",
    "resubmitted": "info", "eligible": "success", "ineligible": "danger", "withdrawn": "danger",
    "requested": "info", "approved": "success", "refused": "danger", "revoked": "danger",
}


@register.inclusion_tag("includes/state_badge.html")
def state_badge(obj):
    return {"variant": _BADGES.get(obj.state, "info"), "label": choice_label(obj, "state")}


@register.filter
def get_item(mapping, key):
    """{{ dict|get_item:key }} for the ranking tables."""
    if mapping is None:
        return None
    return mapping.get(key)
