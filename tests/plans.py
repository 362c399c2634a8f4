"""PostgreSQL's plan of a query with some of its ways priced out (``SET LOCAL enable_… = off``).

Switched off, a sequential scan, a sort or a plain index scan is not forbidden but costs 10^10, so the planner takes
any usable index instead: what is left in the plan shows that no index can serve the query that way
(tests/applications/test_list_indexes.py, tests/access/test_list_plans.py).
"""

from django.db import connection, transaction

SEQ_SCANS_AND_SORTS = ("enable_seqscan", "enable_sort", "enable_incremental_sort")


def plan(sql: str, params=None, *, off=SEQ_SCANS_AND_SORTS) -> str:
    """The plan of `sql` (params None: `sql` as captured, its values in place) with the settings `off`."""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = on")
    return text
