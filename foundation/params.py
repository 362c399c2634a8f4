"""Ids taken from a request (query string or form): a positive integer, or 404 — a guessed or mangled
id looks exactly like one that does not exist."""

from django.http import Http404


def id_or_404(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number <= 0:
        raise Http404
    return number
