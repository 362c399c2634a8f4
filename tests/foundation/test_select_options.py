"""A select's options are written in Python (foundation/templatetags/select_options.py), as Django writes them."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from foundation.forms import KernFormRenderer


class DisabledSecond(forms.Select):
    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"] == 2:
            option["attrs"]["disabled"] = True
            option["attrs"]["data-hint"] = 'a "quoted" <hint>'
        return option


class OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"  # any other option template


CASES = [
    (forms.Select(choices=[("", "—"), (1, "Gemeinde <A> & \"B\""), (2, "Zwei")]), "1"),
    (forms.SelectMultiple(choices=[("Gruppe", [(1, "eins"), (2, "zwei")]), (3, "drei")]), ["2", "3"]),
    (DisabledSecond(choices=[(1, "eins"), (2, "zwei")]), "1"),
    (forms.NullBooleanSelect(), None),
    (OwnOption(choices=[(1, "eins")]), "1"),
    # text already safe, a lazy translation and an attribute with quotes go through Django's escaping rules
    (forms.Select(choices=[(1, mark_safe("<b>sicher</b>")), (2, gettext_lazy("Nein")), (3, "O'Neill & Söhne")],  # noqa: S308
                  attrs={"data-x": 'a "b" <c>', "required": True, "disabled": False}), "2"),
]


def _normalised(html: str) -> str:
    return re.sub(r"\n\s*\n", "\n", str(html))  # Django's included option template ends in a blank line


def test_the_html_is_djangos_option_for_option():
    for widget, value in CASES:
        ours = widget.render("f", value, attrs={"id": "id_f"}, renderer=KernFormRenderer())
        djangos = widget.render("f", value, attrs={"id": "id_f"}, renderer=DjangoTemplates())
        assert _normalised(ours) == _normalised(djangos), type(widget).__name__
        assert "<option" in ours or "<input" in ours
        if not isinstance(widget, OwnOption):
            assert "\n\n" in str(djangos) and "\n\n" not in str(ours)  # ours: no include per option


def test_labels_and_values_are_escaped():
    widget = forms.Select(choices=[('"><script>', "<b>fett</b>")])
    html = widget.render("f", None, renderer=KernFormRenderer())
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html and 'value="&quot;&gt;&lt;script&gt;"' in html
