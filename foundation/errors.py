"""The base of every app's user-facing error: a translatable message and, optionally, the field it is about.

Each app keeps one subclass (ApplicationError, JuryError, PaymentsError, AccountsError); pages show
the message as a form error, the API as a 400 answer (foundation.api.exception_handler).
"""


class DomainError(Exception):
    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
