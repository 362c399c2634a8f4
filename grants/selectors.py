from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .enums import CallState
from .models import Call


def open_calls(at=None) -> QuerySet[Call]:
    at = at or timezone.now()
    return (Call.objects.filter(state=CallState.OPEN, opens_at__lte=at, closes_at__gt=at)
            .select_related("program").order_by("closes_at"))


def public_calls() -> QuerySet[Call]:
    """Every call that has been published (a draft is nobody's business yet), newest first."""
    return Call.objects.exclude(state=CallState.DRAFT).select_related("program").order_by("-closes_at", "pk")


def calls_for_staff() -> QuerySet[Call]:
    return (Call.objects.select_related("program")
            .annotate(n_applications=Count("applications", filter=~Q(applications__state="draft")))
            .order_by("-opens_at", "-pk"))
