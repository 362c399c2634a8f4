"""The options of a select, written in Python (templates/django/forms/widgets/select.html).

Django writes each <option> with an {% include %} of select_option.html and attrs.html: two template
renders and context pushes per option. A municipality select has about 450 options, and rendered that way
it took 30 ms of a page (bench/scale.py --profile on the membership review); written here, about 1 ms. The
HTML is Django's, option for option (tests/foundation/test_select_options.py compares them). A widget with an
option template of its own still gets that template.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

DJANGO_OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: a False value is left out, a True one is written without a value."""
    return "".join(format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
                   for name, value in attrs.items() if value is not False)


@register.simple_tag
def select_options(widget: dict) -> str:
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            if option["template_name"] == DJANGO_OPTION:
                parts.append(format_html('\n  <option value="{}"{}>{}</option>', str(option["value"]),
                                         mark_safe(_attrs(option["attrs"])), option["label"]))  # noqa: S308
            else:
                parts.append("\n  " + render_to_string(option["template_name"], {"widget": option}))
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308  (every part above is escaped by format_html or a template)
