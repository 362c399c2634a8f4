from foundation.errors import DomainError


class AccountsError(DomainError):
    """A rule of accounts and memberships was broken; the message is shown to the user."""
