class PaymentsError(Exception):
    """A rule of decisions, notices, payments or settlement was broken; the message is shown to the user."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
