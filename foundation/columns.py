"""What a model's property or method reads, declared beside it, so that a list which shows it can load those
columns and no others (``foundation.api.ShapedReadMixin``).

    @property
    @reads("first_name", "last_name", "email")
    def display_name(self): ...

A property without the mark is unknown to the lists: a list that shows it loads every column of that model.

A permission rule a list asks per row (``may_score``, asked as ``jury.score_application``) declares what it reads
the same way, under ``@rules.predicate``; the list's serializer then says ``reads = permission_reads(name)``. A rule
combined of several predicates declares nothing (None), so its list loads every column.
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


def permission_reads(permission: str) -> tuple[str, ...] | None:
    """The fields the one predicate of a `rules` permission declares it reads (``@reads`` under ``@rules.predicate``),
    or None: no such permission, a combined rule or nothing declared."""
    import rules

    if not rules.perm_exists(permission):
        return None
    predicate = rules.permissions.permissions[permission]
    return getattr(getattr(predicate, "fn", None), "reads", None)
