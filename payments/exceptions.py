from foundation.errors import DomainError


class PaymentsError(DomainError):
    """A rule of decisions, notices, payments or settlement was broken; the message is shown to the user."""
