class AccountsError(Exception):
    """A rule of accounts and memberships was broken; the message is shown to the user."""
