from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record

from .models import Call, CaseNumberSequence, FundingProgram


def next_case_number(*, program: FundingProgram, year: int) -> str:
    """Next case number of a program and year. Must run inside the caller's transaction."""
    seq = CaseNumberSequence.objects.select_for_update().filter(program=program, year=year).first()
    if seq is None:
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(program=program, year=year, last=0)
        except IntegrityError:
            pass
        seq = CaseNumberSequence.objects.select_for_update().get(program=program, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return program.format_case_number(year=year, seq=seq.last)


def freeze_call(*, call_id: int, actor) -> None:
    """Freeze a call's money rules and window; idempotent. Runs in the caller's transaction."""
    updated = Call.objects.filter(pk=call_id, frozen_at__isnull=True).update(frozen_at=timezone.now())
    if updated:
        call = Call.objects.get(pk=call_id)
        record(actor=actor, action="call.frozen", obj=call,
               data={"opens_at": call.opens_at, "closes_at": call.closes_at,
                     "total_budget": call.total_budget})


def publish_call(*, actor, call_id: int) -> Call:
    """Open a draft call for submissions; publishing an open call again does nothing."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if call.state != "draft":
            return call
        call.publish()
        call.save(update_fields=["state"])
        record(actor=actor, action="call.published", obj=call, from_state="draft", to_state=call.state)
    return call
