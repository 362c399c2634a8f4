"""What a request's query string may hold: ids (a positive integer, or 404 — a guessed or mangled id looks exactly
like one that does not exist) and the longest search text of a list."""

from django.http import Http404

MAX_ID = 2**63 - 1  # BigAutoField; larger numbers are refused here rather than overflow in the database
# The longest search text a list accepts (pages and API alike; a longer one is an error at its field or a 400).
SEARCH_MAX_LENGTH = 200


def id_or_404(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number <= MAX_ID:
        raise Http404
    return number
