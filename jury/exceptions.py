from foundation.errors import DomainError


class JuryError(DomainError):
    """A rule of the jury procedure was broken; the message is shown to the user."""
