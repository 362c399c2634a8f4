"""What a model's property or method reads, declared beside it, so that a list which shows it can load those
columns and no others (``foundation.api.ShapedReadMixin``).

    @property
    @reads("first_name", "last_name", "email")
    def display_name(self): ...

A property without the mark is unknown to the lists: a list that shows it loads every column of that model.
"""

import inspect


def reads(*fields: str):
    """Marks a property or method with the model fields (and ``rel__field`` paths) it reads."""

    def mark(function):
        function.reads = fields
        return function

    return mark


def declared_reads(model, name: str) -> tuple[str, ...] | None:
    """The fields a property or method of ``model`` declares it reads (``reads``), or None when it declares none."""
    attribute = inspect.getattr_static(model, name, None)
    function = attribute.fget if isinstance(attribute, property) else attribute
    return getattr(function, "reads", None)
