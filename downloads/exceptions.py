from foundation.errors import DomainError


class DownloadError(DomainError):
    """A document cannot be requested (unknown kind, bad parameters, no right to it); shown to the user."""
