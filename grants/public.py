"""What the public entry of a call says: the page for citizens and portals (Hessenfinder,
Verwaltungsportal) and its schema.org ``GovernmentService`` description (JSON-LD).

The page and the JSON-LD read the same figures from here, so they cannot disagree.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .enums import CallState
from .models import Call, FundingProgram

BERLIN = ZoneInfo("Europe/Berlin")


def _local(moment) -> str:
    """ISO 8601 in German time with its offset, to the second (what the page shows)."""
    return timezone.localtime(moment, BERLIN).isoformat(timespec="seconds")


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _authority() -> dict:
    letterhead = settings.LETTERHEAD
    return {
        "@type": "GovernmentOrganization",
        "name": letterhead["authority"],
        "url": letterhead["website"],
        "email": letterhead["email"],
        "telephone": letterhead["phone"],
        "address": {
            "@type": "PostalAddress",
            "streetAddress": letterhead["street"],
            "postalCode": letterhead["postal_code"],
            "addressLocality": letterhead["city"],
            "addressCountry": "DE",
        },
    }


def _area() -> dict:
    return {"@type": "AdministrativeArea", "name": settings.LETTERHEAD["land"]}


def program_service(program: FundingProgram) -> dict:
    """The funding program as a schema.org GovernmentService."""
    return {
        "@type": "GovernmentService",
        "@id": absolute(reverse("grants:public-program", args=[program.pk])),
        "name": program.name,
        "alternateName": program.short_name,
        "description": program.summary or program.name,
        "serviceType": "Förderprogramm",
        "provider": _authority(),
        "areaServed": _area(),
        "audience": {"@type": "Audience", "audienceType": program.eligible_applicants or "Kommunen"},
        "termsOfService": program.legal_basis,
        "category": [topic.name for topic in program.topics.all()],
    }


def call_service(call: Call) -> dict:
    """The call as a GovernmentService of its program, with the online application as the channel
    and the submission window as the apply action's start and end (ISO 8601 with offset)."""
    program = call.program
    apply_url = absolute(reverse("applications:create")) + f"?call={call.pk}"
    page_url = absolute(reverse("grants:public-call", args=[call.pk]))
    service = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "@id": page_url,
        "url": page_url,
        "name": call.title,
        "description": call.description or program.summary or call.title,
        "serviceType": "Förderaufruf",
        "provider": _authority(),
        "serviceOperator": _authority(),
        "areaServed": _area(),
        "audience": {"@type": "Audience", "audienceType": program.eligible_applicants or "Kommunen"},
        "isRelatedTo": program_service(program),
    }
    if call.state == CallState.OPEN and call.closes_at > timezone.now():  # open or announced: the way in
        service["availableChannel"] = {
            "@type": "ServiceChannel",
            "name": "Online beantragen",
            "serviceUrl": apply_url,
            "availableLanguage": ["de"],
        }
        service["potentialAction"] = {
            "@type": "ApplyAction",
            "name": "Online beantragen",
            "target": {"@type": "EntryPoint", "urlTemplate": apply_url},
            "startTime": _local(call.opens_at),
            "endTime": _local(call.closes_at),
        }
    return service


# What json_script escapes, so that no text in the data can end the script element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def as_json_ld(data: dict) -> SafeString:
    """The JSON for a ``<script type="application/ld+json">`` block, escaped like json_script (a
    data block is never executed, so the strict script policy does not apply to it)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped like json_script
