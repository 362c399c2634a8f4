"""The label of a model field's choice, as ``get_<field>_display()`` gives it, translated once per language.

Django's ``get_<field>_display()`` builds a dict of every choice on each call, and ``make_hashable`` hashes
each lazy label on the way — which translates it: a state field with twelve states costs twelve ``gettext``
calls per row. A list page showing a state badge per row made 300 of its ≈ 700 translations that way, an API
list with two labels per row 800 (bench/scale.py). ``choice_label`` looks the value up in the field's labels,
translated once per process and language: a model field's choices and the translation catalogues are fixed
while a process runs (a new translation arrives with a new process, as for Django's own catalogue cache).
"""

from django.utils.encoding import force_str
from django.utils.translation import get_language

_LABELS: dict = {}  # (field, language) → {value: translated label}


def _labels(field) -> dict:
    key = (field, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {}
        for value, label in field.flatchoices:
            labels.setdefault(value, force_str(label, strings_only=True))  # the first of equal keys, as before
        _LABELS[key] = labels
    return labels


def choice_label(obj, name: str) -> str:
    """`obj.get_<name>_display()`, each label translated once per process and language."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    try:
        return _labels(field)[value]
    except (KeyError, TypeError):  # outside the choices (or not hashable): the value, as Django shows it
        return force_str(value, strings_only=True)
