"""E-mail notifications: rendered now, written to the outbox in the caller's transaction, sent by a
Celery task after the commit — at most once per recipient and event, even when the task is
delivered twice (outbox rows of mails are claimed before sending)."""

import uuid
from collections.abc import Iterable

from django.template import Context
from django.template.loader import get_template
from django.utils import translation

from outbox.services import enqueue_many

SEND_EMAIL = "accounts.tasks.send_email"


def notify(*, recipients: Iterable[str], subject, template: str, context: dict, key: str = "") -> None:
    """Promise one plain-text mail per recipient; nothing is sent unless the current transaction commits.

    Mails are German whatever the sender's language: `subject` is a callable that returns the
    subject (called with German active), or a plain string. `key` names the event (e.g.
    "proof-reminder:17:2027-03-01"): the same key and recipient are mailed once only.
    """
    addresses = sorted({r for r in recipients if r})
    if not addresses:
        return
    with translation.override("de"):
        body = render_text(template, context)
        subject = str(subject() if callable(subject) else subject)
    event = key or uuid.uuid4().hex
    enqueue_many(task=SEND_EMAIL, at_most_once=True, messages=[
        {"key": f"mail:{event}:{address}", "kwargs": {"to": address, "subject": subject, "body": body},
         "label": f"E-Mail an {address}: {subject}"} for address in addresses])


def render_text(template: str, context: dict) -> str:
    """A plain-text mail's body: the template rendered without HTML escaping, so that what people typed (a title
    with "&", a reason in quotes, a link with several parameters) reaches the reader as typed, not as "&amp;"."""
    return get_template(template).template.render(Context(context, autoescape=False))
