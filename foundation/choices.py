"""The label of a model field's choice, translating only that label.

Django's ``get_<field>_display()`` builds a dict of every choice on each call, and ``make_hashable`` hashes
each lazy label on the way — which translates it: a state field with twelve states costs twelve ``gettext``
calls per row. A list page showing a state badge per row made 300 of its ≈ 700 translations that way, an API
list with two labels per row 800 (bench/scale.py). ``choice_label`` compares the keys and translates the one
label it returns; same result as Django's method.
"""

from django.utils.encoding import force_str


def choice_label(obj, name: str) -> str:
    """`obj.get_<name>_display()`, translating only the label returned."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    for key, label in field.flatchoices:
        if key == value:
            return force_str(label, strings_only=True)
    return force_str(value, strings_only=True)
