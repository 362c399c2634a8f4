from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import OutboxMessage

State = OutboxMessage.State


def stuck_messages():
    """What staff must look at: failed rows, pending rows overdue, and claimed rows that never finished."""
    now = timezone.now()
    overdue = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    return (OutboxMessage.objects
            .filter(Q(state=State.FAILED) | Q(state=State.PENDING, due_at__lt=overdue, attempts__gt=0)
                    | Q(state=State.PENDING, last_error__gt="") | Q(state=State.CLAIMED, claimed_at__lt=overdue))
            .select_related("content_type").order_by("created_at", "pk"))


def stuck_count() -> int:
    return stuck_messages().count()
