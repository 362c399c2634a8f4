from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import AuditEntry


def timeline_for(obj) -> QuerySet[AuditEntry]:
    """The history of one object, oldest first, with the actor loaded."""
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=obj.pk,
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
