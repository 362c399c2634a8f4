"""{{ obj|choice:"state" }}: the label of a model field's choice, as ``obj.get_state_display`` gives it,
translating only that label (foundation.choices). A builtin of the template engine (config/settings.py), so
every template — page, mail or PDF — uses it without a {% load %}."""

from django import template

from foundation.choices import choice_label

register = template.Library()


@register.filter
def choice(obj, name: str) -> str:
    if getattr(obj, "_meta", None) is None:
        # Not a model (nothing, or a plain row): what `obj.get_<name>_display` would resolve to in a template.
        method = getattr(obj, f"get_{name}_display", None)
        return method() if callable(method) else ""
    return choice_label(obj, name)
