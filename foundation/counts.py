"""How many related rows each row of a list has, counted per shown row (issue 13: lists at the floor).

``Count()`` over a join fans the list's rows out and groups them again (``GROUP BY`` over every selected column, or
``DISTINCT``), for the page's ``COUNT(*)`` too; a subquery per outer row counts through the related table's index
and only for the rows that are read.
"""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_per_row(rows: QuerySet, *, to: str) -> Coalesce:
    """The number of `rows` whose `to` (a foreign key, or a path to one) is the outer row; 0 where there are none.
    For ``annotate``: ``calls.annotate(n=count_per_row(Application.objects.exclude(state="draft"), to="call"))``."""
    per_row = rows.filter(**{to: OuterRef("pk")}).order_by().values(to).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(per_row, output_field=IntegerField()), 0)
