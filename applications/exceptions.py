from foundation.errors import DomainError


class ApplicationError(DomainError):
    """A rule of the application lifecycle was broken; the message is shown to the user."""
