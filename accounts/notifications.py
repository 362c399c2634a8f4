"""E-mail notifications: rendered now, sent by a Celery task after the transaction commits."""

from collections.abc import Iterable

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def notify(*, recipients: Iterable[str], subject, template: str, context: dict) -> None:
    """Schedule one plain-text mail per recipient once the current transaction commits.

    Mails are German whatever the sender's language: `subject` is a callable that returns the
    subject (called with German active), or a plain string.
    """
    addresses = sorted({r for r in recipients if r})
    if not addresses:
        return
    with translation.override("de"):
        body = render_to_string(template, context)
        subject = subject() if callable(subject) else str(subject)
    from .tasks import send_email

    def dispatch():
        for address in addresses:
            send_email.delay(to=address, subject=str(subject), body=body)

    transaction.on_commit(dispatch)
