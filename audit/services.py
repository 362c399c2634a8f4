from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def record(*, actor, action: str, obj: models.Model, from_state: str = "", to_state: str = "",
           reason: str = "", data: dict | None = None, states_of: models.Model | None = None) -> AuditEntry:
    """Write one audit entry. Call inside the transaction of the change it describes.

    states_of: the object whose states from_state/to_state are, when it is not `obj` (a score sheet's
    submission recorded on the application's timeline); the timeline labels them by that model.
    """
    state_model = ""
    if states_of is not None and (from_state or to_state):
        state_model = states_of._meta.concrete_model._meta.label_lower
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        from_state=from_state or "",
        to_state=to_state or "",
        state_model=state_model,
        reason=reason or "",
        data=data or {},
    )
