from django.core.exceptions import ValidationError


class CallFrozenError(ValidationError):
    """A frozen call's money rules or window were to be changed."""
