"""Every route of the portal, from the URL resolver, and every API operation, from the schema."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Route:
    key: str              # the URL name with its namespace; "name[format]" for a format-suffix twin
    path: str             # the pattern as text, for messages
    kwargs: tuple         # the names of its parameters
    pattern: object       # the resolver chain, to build a concrete URL

    def url(self, values: dict) -> str:
        out = ""
        for part in self.pattern:
            out += _fill(part, values)
        return "/" + out


def _params(part) -> list[str]:
    if isinstance(part, RoutePattern):
        return list(part.converters)
    return list(part.regex.groupindex)


def _fill(part, values: dict) -> str:
    if isinstance(part, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), str(part))
    text = part.regex.pattern.lstrip("^").rstrip("$")
    # (?P<name>...) groups: replace the group (with its nested parentheses) by the value
    while (match := re.search(r"\(\?P<(\w+)>", text)):
        depth, end = 0, match.end()
        for end in range(match.start(), len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:match.start()] + str(values[match.group(1)]) + text[end + 1:]
    return text.replace("\\.", ".").replace("/?", "/")


def all_routes() -> list[Route]:
    def walk(patterns, chain=(), namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, (*chain, pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                yield (*chain, pattern.pattern), f"{namespace}{pattern.name}"

    routes = {}
    for chain, name in walk(get_resolver().url_patterns):
        params = tuple(p for part in chain for p in _params(part))
        key = f"{name}[format]" if "format" in params else name
        if name.endswith("None"):  # an unnamed pattern (the admin's old change URLs): its path names it
            key = "".join(str(p) for p in chain)
        routes.setdefault(key, Route(key, "".join(str(p) for p in chain), params, chain))
    return sorted(routes.values(), key=lambda r: r.key)


def api_operations() -> list[tuple[str, str]]:
    """(method, path template) of every operation in the API schema, as the whole world sees it."""
    from tests.schema import full_schema

    schema = full_schema()
    return sorted((method, path) for path, item in schema["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"})
