"""SQLite, the demo's embedded database, made to compare text as PostgreSQL does where users notice it.

SQLite's own LIKE folds case for the 26 ASCII letters only, so in the demo a search for „ÖFFENTLICH“ did not find
„öffentlich“ (and „über“ not „Über“), while PostgreSQL (`UPPER(...) LIKE UPPER(...)`, ILIKE) finds both. Django
writes `icontains`, `istartswith`, `iexact` and also `contains` (SQLite has no case-sensitive LIKE, as Django
documents) as `LIKE … ESCAPE '\\'`; this module replaces SQLite's `like()` function on every new connection by one
that folds the case of every letter, with the same wildcards (`%`, `_`) and escape character. It gives up SQLite's
LIKE-prefix index optimisation, which the demo's few hundred rows do not need; PostgreSQL is untouched.
"""

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _pattern(like: str, escape: str | None) -> re.Pattern:
    parts, i = [], 0
    while i < len(like):
        char = like[i]
        if escape and char == escape and i + 1 < len(like):
            parts.append(re.escape(like[i + 1]))
            i += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def like(pattern, value, escape=None):
    """SQLite's `like(X, Y[, Z])`, i.e. `Y LIKE X ESCAPE Z`, with the case of every letter folded."""
    if pattern is None or value is None:
        return None
    return _pattern(str(pattern), escape).fullmatch(str(value)) is not None


def install(sender, connection, **kwargs):
    """`connection_created` receiver: on SQLite, register the case-folding `like()` (two and three arguments)."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, like, deterministic=True)
    raw.create_function("like", 3, like, deterministic=True)
