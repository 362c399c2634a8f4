from django.core.exceptions import ValidationError

from foundation.errors import DomainError


class CallFrozenError(ValidationError):
    """A frozen call's money rules or window were to be changed."""


class GrantsError(DomainError):
    """A user-facing error of programs and calls (import of a program file, …)."""
