"""The one confirm step of four eyes (Vier-Augen-Prinzip) for every ``payments.four_eyes.FourEyes`` model.

Decisions, settlements, payment runs and bank accounts are confirmed here: never by the person who
prepared them (checked here, by the transition's permission ``rules.is_second_person`` and by the
database constraint ``<model>_four_eyes``).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from ..exceptions import PaymentsError
from ..four_eyes import FourEyes
from .common import run_transition


def confirm_as_second_person(obj: FourEyes, *, actor: User, message, transition: str | None = "confirm",
                             update_fields=()) -> tuple[str, str]:
    """Confirm ``obj`` as the second person: run its transition (if any), stamp and save confirmed_by/_at.

    ``message`` says, in the words of the step, that the preparer cannot confirm. Call it inside the
    service's transaction with ``obj`` locked; returns (from_state, to_state).
    """
    if obj.prepared_by_id == actor.pk:
        raise PaymentsError(message)
    if transition is not None:
        source, target = run_transition(obj, transition, actor)
        update_fields = ["state", *update_fields]
    else:
        source = target = ""
    obj.confirmed_by, obj.confirmed_at = actor, timezone.now()
    try:
        with transaction.atomic():
            obj.save(update_fields=[*update_fields, "confirmed_by", "confirmed_at"])
    except IntegrityError:
        raise PaymentsError(message) from None
    return source, target
