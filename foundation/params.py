"""Ids taken from a request (query string or form): a positive integer, or 404 — a guessed or mangled
id looks exactly like one that does not exist."""

from django.http import Http404

MAX_ID = 2**63 - 1  # BigAutoField; larger numbers are refused here rather than overflow in the database


def id_or_404(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number <= MAX_ID:
        raise Http404
    return number
