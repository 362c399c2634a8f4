from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def record(*, actor, action: str, obj: models.Model, from_state: str = "", to_state: str = "",
           reason: str = "", data: dict | None = None) -> AuditEntry:
    """Write one audit entry. Call inside the transaction of the change it describes."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )
