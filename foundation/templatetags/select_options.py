"""The options of a select, written in Python (templates/django/forms/widgets/select.html).

Django writes each <option> with an {% include %} of select_option.html and attrs.html: two template
renders and context pushes per option. A municipality select has about 450 options, and rendered that way
it took 30 ms of a page (bench/scale.py --profile on the membership review). Written here with `format_html`
per option it still took 8.4 ms for 450 options (Django's escaping wraps every call for lazy text); with
`html.escape` for plain text, which is what Django's `escape` does with it, 0.9 ms (timeit of the tag alone). The
HTML is Django's, option for option (tests/foundation/test_select_options.py compares them). A widget with an
option template of its own still gets that template.
"""

from html import escape

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

DJANGO_OPTION = "django/forms/widgets/select_option.html"


def _escaped(value) -> str:
    """Django's `conditional_escape`, without its wrappers for the plain text almost every option is: Django's
    `escape` is `html.escape` of the text (a lazy or already safe value still goes through Django)."""
    return escape(value) if type(value) is str else conditional_escape(value)


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: a False value is left out, a True one is written without a value."""
    return "".join(f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(str(value))}"'
                   for name, value in attrs.items() if value is not False)


@register.simple_tag
def select_options(widget: dict) -> str:
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            if option["template_name"] == DJANGO_OPTION:
                attrs = option["attrs"]
                parts.append(f'\n  <option value="{_escaped(str(option["value"]))}"{_attrs(attrs) if attrs else ""}>'
                             f'{_escaped(option["label"])}</option>')
            else:
                parts.append("\n  " + render_to_string(option["template_name"], {"widget": option}))
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308  (every part above is escaped or a template)
