class JuryError(Exception):
    """A rule of the jury procedure was broken; the message is shown to the user."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
