from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record

from .models import Call, CaseNumberSequence, FundingProgram


def next_case_number(*, program: FundingProgram, year: int, taken=lambda number: False) -> str:
    """Next case number of a program and year. Must run inside the caller's transaction.

    The rendered pattern owns the sequence (grants/case_numbers.py): programs whose numbers look alike
    (the same prefix spelt through {prefix} or as text, a later round set up as a new program, another zero
    padding) count on one sequence, so their numbers never collide. A number the caller says is ``taken``
    (a pattern changed, or saved before the overlap check) is skipped, never handed out twice.
    """
    from .case_numbers import pattern

    key = pattern(program.case_number_template, prefix=program.case_number_prefix, year=year).key
    seq = CaseNumberSequence.objects.select_for_update().filter(key=key).first()
    if seq is None:
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(key=key, last=0)
        except IntegrityError:
            pass
        seq = CaseNumberSequence.objects.select_for_update().get(key=key)
    while True:
        seq.last += 1
        number = program.format_case_number(year=year, seq=seq.last)
        if not taken(number):
            break
    seq.save(update_fields=["last"])
    return number


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


def close_due_calls(*, now=None) -> list[int]:
    """Close every open call whose submission deadline has passed (closes_at <= now); idempotent.

    Each call is closed in its own transaction under a row lock, re-checked after locking, so two
    runs at the same moment (or a run after a manual close) close it once and write one audit entry.
    Returns the ids of the calls closed by this run.
    """
    from .enums import CallState

    now = now or timezone.now()
    closed = []
    due = list(Call.objects.filter(state=CallState.OPEN, closes_at__lte=now).order_by("closes_at", "pk")
               .values_list("pk", flat=True))
    for call_id in due:
        with transaction.atomic():
            call = (Call.objects.select_for_update()
                    .filter(pk=call_id, state=CallState.OPEN, closes_at__lte=now).first())
            if call is None:
                continue
            call.close()
            call.save(update_fields=["state"])
            record(actor=None, action="call.closed", obj=call, from_state=CallState.OPEN, to_state=call.state,
                   data={"closes_at": call.closes_at.isoformat(), "closed_at": now.isoformat()})
            closed.append(call.pk)
    return closed
