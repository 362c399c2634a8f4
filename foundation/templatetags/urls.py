"""``{% url 'name' a.pk %}``: Django's ``url`` tag, with the addresses of whole-number ids written from a kept pattern.

A builtin of the template engine (config/settings.py), registered after Django's tags, so it is the ``url`` tag of
every template. Django's tag reverses every link through the resolver: about 17 µs a link, and a list page writes
one or two for each row (the jury panel 113 a page, the disbursement queue 78). Every ``{% url %}`` of the templates
passes its arguments by position, and nearly all are ids.

For a link whose arguments are all non-negative whole numbers (or which has none), the address is reversed once with
stand-in numbers, split where they stand, and later addresses are written by putting the numbers in. The pattern is
kept per resolver, view name, number of arguments, script prefix, current application and language, i.e. for
everything Django's ``reverse`` reads besides the arguments. It is only kept when the stand-ins appear once each and
in order, and when Django's own ``reverse`` gives the same address for four sets of test numbers; otherwise, and for
every other link (names, keyword arguments, text), Django's tag does the work, unchanged.
``tests/foundation/test_url_tag.py`` compares both tags for every route of the project.
"""

from html import escape

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()

_STAND_IN = 731_946_285_000_000  # stand-ins for building a pattern; no literal path of this project holds them
_PATTERNS: dict[tuple, tuple[str, ...] | None] = {}
_MOST = 5_000  # patterns kept at most; a long-running process meets a few hundred
_NONE = object()  # "no such attribute", for reading the current application without raising


def _current_app(context):
    """As Django's tag: the request's ``current_app``, else the namespace of the view that answered (read without
    raising, as this runs for every link)."""
    request = getattr(context, "request", None)
    app = getattr(request, "current_app", _NONE)
    if app is _NONE:
        app = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return app


def _filled(parts: tuple[str, ...], args) -> str:
    return parts[0] + "".join([f"{arg}{part}" for arg, part in zip(args, parts[1:])])  # noqa: B905  (same length)


def _pattern(view_name: str, count: int, current_app) -> tuple[str, ...] | None:
    """The address of `view_name` split around its `count` arguments, or None where it cannot be kept."""
    stand_ins = [_STAND_IN + i for i in range(count)]
    try:
        address = reverse(view_name, args=stand_ins, current_app=current_app)
    except NoReverseMatch:
        return None
    parts, rest = [], address
    for number in stand_ins:
        text = str(number)
        if address.count(text) != 1 or text not in rest:
            return None
        head, _, rest = rest.partition(text)
        parts.append(head)
    parts.append(rest)
    parts = tuple(parts)
    for trial in ([0] * count, [1] * count, list(range(2, 2 + count)), [10**12 + i for i in range(count)]):
        try:
            if reverse(view_name, args=trial, current_app=current_app) != _filled(parts, trial):
                return None
        except NoReverseMatch:
            return None
    return parts


class URLNode(defaulttags.URLNode):
    def render(self, context):
        if not self.kwargs:
            args = [arg.resolve(context) for arg in self.args]
            if all(type(arg) is int and arg >= 0 for arg in args):
                view_name = self.view_name.resolve(context)
                if isinstance(view_name, str):  # a literal name is a SafeString
                    current_app = _current_app(context)
                    key = (get_resolver(get_urlconf()), view_name, len(args), get_script_prefix(), current_app,
                           get_language())
                    try:
                        parts = _PATTERNS[key]
                    except KeyError:
                        if len(_PATTERNS) >= _MOST:
                            _PATTERNS.clear()
                        parts = _PATTERNS[key] = _pattern(view_name, len(args), current_app)
                    if parts is not None:
                        url = _filled(parts, args)
                        if self.asvar:
                            context[self.asvar] = url
                            return ""
                        # Django's conditional_escape of a plain text is html.escape of it
                        return escape(url) if context.autoescape else url
        return super().render(context)


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
