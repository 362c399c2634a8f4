"""Idempotency keys: the same money POST sent twice (a double click, a retry, two tabs) has one effect.

Generic, not tied to payments (it can move to the ground-floor app as it is). Every money action is a
*scope* (e.g. ``payments.disbursement.request`` plus the path it was sent to, so a key never answers for
another object); the caller sends a key: the API an ``Idempotency-Key``
header, a page the one-time hidden field ``{% idempotency_field %}`` renders. The first request with a
key runs and its result is stored in the same transaction as the change it made; the unique constraint
(actor, scope, key) makes a concurrent twin wait for that transaction and then replay the stored result.
A request that fails (an error, a form error) stores nothing, so the key can be sent again.

- ``once()``: the mechanism; ``idempotent_api(scope)``: decorator for DRF actions (replays status and
  body); ``idempotent_page(scope)``: decorator for page views (a repeat redirects to the first result
  with an info message).
"""

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


class IdempotencyKey(models.Model):
    """One money action of one actor, done once; holds what to answer to a repeat."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=250, help_text="action and path, e.g. payments.disbursement.check /x/1/")
    key = models.CharField(max_length=100)
    status = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Idempotenzschlüssel")
        verbose_name_plural = gettext_lazy("Idempotenzschlüssel")
        constraints = [models.UniqueConstraint(fields=["actor", "scope", "key"], name="idempotency_key_once")]

    def __str__(self):
        return f"{self.scope} {self.key}"


@dataclass(frozen=True)
class Outcome:
    """What an action answered: an HTTP status, and a JSON body (API) or a location (page)."""

    status: int
    body: Any = None
    location: str = ""
    replayed: bool = False


class MissingKey(Exception):
    pass


def valid_key(raw) -> str:
    key = str(raw or "").strip()
    if not KEY_PATTERN.match(key):
        raise MissingKey
    return key


def once(*, actor, scope: str, key: str, perform: Callable[[], Outcome]) -> Outcome:
    """Run ``perform`` once per (actor, scope, key) and return its outcome; a repeat gets the stored one.

    ``perform`` runs inside this transaction; only a successful outcome (status < 400) is kept, any other
    is rolled back with everything it wrote, and the key stays free.
    """
    with transaction.atomic():
        record, created = IdempotencyKey.objects.get_or_create(actor=actor, scope=scope, key=key)
        if not created:
            return Outcome(status=record.status, body=record.body, location=record.location, replayed=True)
        outcome = perform()
        if outcome.status >= 400:
            transaction.set_rollback(True)
            return outcome
        record.status, record.body, record.location = outcome.status, outcome.body, outcome.location
        record.save(update_fields=["status", "body", "location"])
    return outcome


def new_key() -> str:
    return uuid.uuid4().hex


def not_done(response):
    """Mark a page response (e.g. a redirect after an error message) as no result: the key stays free."""
    response.idempotency_not_done = True
    return response


def idempotent_api(scope: str):
    """Decorate a DRF view method that changes money: the ``Idempotency-Key`` header is required, and a
    repeat with the same key answers the first response (same status and body) without acting again."""
    from rest_framework.response import Response
    from rest_framework.utils.encoders import JSONEncoder

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, request, *args, **kwargs):
            try:
                key = valid_key(request.headers.get(HEADER))
            except MissingKey:
                return Response({"detail": _("Bitte senden Sie einen Kopf „Idempotency-Key“ (8 bis 100 Zeichen, "
                                             "z. B. eine UUID), neu für jeden Vorgang; eine Wiederholung mit "
                                             "demselben Schlüssel wird nicht noch einmal ausgeführt."),
                                 "field": HEADER}, status=400)

            def perform() -> Outcome:
                response = method(self, request, *args, **kwargs)
                return Outcome(status=response.status_code,
                               body=json.loads(json.dumps(response.data, cls=JSONEncoder)))

            outcome = once(actor=request.user, scope=f"{scope} {request.path}"[:250], key=key, perform=perform)
            headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
            return Response(outcome.body, status=outcome.status, headers=headers)

        # the schema documents the required header (foundation.api.ApiAutoSchema reads this)
        wrapper.required_header = (HEADER, KEY_PATTERN.pattern, gettext_lazy(
            "Neu für jeden Vorgang (8 bis 100 Zeichen, z. B. eine UUID); eine Wiederholung mit demselben "
            "Schlüssel antwortet wie beim ersten Mal, ohne noch einmal auszuführen."))
        return wrapper

    return decorate


def idempotent_page(scope: str):
    """Decorate a page view whose POST changes money: the form carries a one-time key
    (``{% idempotency_field %}``); a repeat redirects to where the first submission led, with a note."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            try:
                key = valid_key(request.POST.get(FORM_FIELD))
            except MissingKey:
                messages.error(request, _("Das Formular ist abgelaufen. Bitte prüfen Sie die Angaben und senden Sie "
                                          "es noch einmal ab."))
                return redirect(request.get_full_path())
            response = None

            def perform() -> Outcome:
                nonlocal response
                response = view(request, *args, **kwargs)
                if response.status_code in (301, 302, 303) and not getattr(response, "idempotency_not_done", False):
                    return Outcome(status=response.status_code, location=response["Location"])
                # a form shown again (with its errors) is no result to keep; roll back and keep the key free
                return Outcome(status=400 if response.status_code < 400 else response.status_code)

            outcome = once(actor=request.user, scope=f"{scope} {request.path}"[:250], key=key, perform=perform)
            if outcome.replayed:
                messages.info(request, _("Dieses Formular wurde bereits abgeschickt; es wurde nichts doppelt "
                                         "ausgeführt. Hier sehen Sie das Ergebnis."))
                return redirect(outcome.location or request.get_full_path())
            return response

        return wrapper

    return decorate
