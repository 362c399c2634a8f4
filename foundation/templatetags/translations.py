"""``{% load translations %}``: Django's ``i18n`` tag library, with ``{% translate "…" %}`` of a fixed text kept per
language.

Every template of the project loads it instead of ``i18n`` (a test holds that). Every tag and filter is Django's
own; only ``translate`` (``trans``) differs, and only where its message is a literal with no filter: such a node
writes the same text for every request in the same language, so it keeps what it wrote per language and
autoescape. Django's node looks the message up through a lazy translation, the active language's thread-local
catalogue and the escaping on every render: about 9 µs, 300–450 times on a list page (the jury panel, the proofs
overview: 3–4 ms a page). A message that is a variable (``{% translate label %}``) or has a filter is rendered by
Django's code as before. (Registering it under the name ``i18n`` would replace Django's library without a change
to the templates, but Django's system check rightly warns about two libraries of one name, templates.W003.)

Catalogues are read once per process, so a text kept per language cannot go stale; a new translation arrives
with a new process, as it does for Django's own catalogue cache.
"""

from django.template import Library
from django.templatetags import i18n
from django.utils.translation import get_language

register = Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class TranslateNode(i18n.TranslateNode):
    def __init__(self, filter_expression, noop, asvar=None, message_context=None):
        super().__init__(filter_expression, noop, asvar=asvar, message_context=message_context)
        fixed = self.filter_expression.var
        self.fixed = (not self.filter_expression.filters and getattr(fixed, "literal", None) is not None
                      and isinstance(fixed.literal, str)
                      and (message_context is None
                           or (isinstance(message_context.var, str) and not message_context.filters)))
        self.written = {}

    def render(self, context):
        if not self.fixed:
            return super().render(context)
        key = (get_language(), context.autoescape)
        value = self.written.get(key)
        if value is None:
            output = super().render(context)  # with `as`, Django's node puts the text into the context
            value = self.written[key] = context[self.asvar] if self.asvar else output
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = i18n.do_translate(parser, token)
    return TranslateNode(node.filter_expression, node.noop, asvar=node.asvar, message_context=node.message_context)
