"""Helpers for the table markup (KERN table classes and the small-screen card layout in app.css)."""

from django import template

register = template.Library()


@register.filter
def nth(sequence, index):
    """{{ headers|nth:forloop.counter0 }}: the column header of a cell built in a loop (its data-label)."""
    try:
        return sequence[int(index)]
    except (IndexError, TypeError, ValueError):
        return ""
