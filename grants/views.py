"""The public pages of programs and calls: no login, stable URLs, linked from the Hessenfinder."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import public
from .models import Topic
from .selectors import public_calls


def _with_program():
    return Prefetch("program__topics", queryset=Topic.objects.order_by("number"))


@require_safe
def call_list(request):
    calls = list(public_calls().prefetch_related(_with_program()))
    now = timezone.now()
    return render(request, "grants/public_call_list.html", {
        "open_calls": [c for c in calls if c.is_accepting(now)],
        "other_calls": [c for c in calls if not c.is_accepting(now)],
    })


@require_safe
def call_detail(request, pk: int):
    call = get_object_or_404(public_calls().prefetch_related(_with_program()), pk=pk)
    now = timezone.now()
    return render(request, "grants/public_call.html", {
        "call": call,
        "program": call.program,
        "accepting": call.is_accepting(now),
        "upcoming": call.opens_at > now,
        "authority": settings.LETTERHEAD,
        "canonical": public.absolute(reverse("grants:public-call", args=[call.pk])),
        "json_ld": public.as_json_ld(public.call_service(call)),
    })


@require_safe
def program_detail(request, pk: int):
    calls = list(public_calls().filter(program_id=pk).prefetch_related(_with_program()))
    if not calls:
        raise Http404
    program = calls[0].program
    return render(request, "grants/public_program.html", {
        "program": program, "calls": calls,
        "json_ld": public.as_json_ld({"@context": "https://schema.org", **public.program_service(program)}),
    })
