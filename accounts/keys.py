"""Official keys of the Land's municipalities (Amtlicher Gemeindeschlüssel, AGS).

AGS: 8 digits LL R KK GGG — the Land (LL), the region (R: the Regierungsbezirk; in Hessen, key 06, 4 Darmstadt,
5 Gießen, 6 Kassel), the Kreis (KK) and the municipality (GGG); kreisfreie Städte end in 000. A Landkreis has the
5-digit key LL R KK. Which Land and which region digits: ``settings.LAND`` (env ``LAND_KEY``, ``LAND_REGIONS``;
Hessen's by default), so another Land's installation checks its own keys. The database holds the format alone
(``Municipality.Meta.constraints``).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .enums import MunicipalityKind


def _prefixes() -> list[str]:
    """The first three digits of every key of the Land: its key and one of its region digits ("064", "065", "066")."""
    return [settings.LAND["key"] + region for region in settings.LAND["regions"]]


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else _("%(some)s oder %(last)s") % {"some": ", ".join(items[:-1]),
                                                                             "last": items[-1]}


def validate_official_key(key: str, kind: str) -> None:
    prefixes, land = _prefixes(), settings.LAND["name"]
    starts = "|".join(re.escape(prefix) for prefix in prefixes)
    if kind == MunicipalityKind.LANDKREIS:
        if not re.fullmatch(rf"(?:{starts})\d{{2}}", key or ""):
            raise ValidationError(
                _("Der Kreisschlüssel eines Landkreises in %(land)s hat 5 Ziffern und beginnt mit %(prefixes)s "
                  "(z. B. %(example)s).") % {"land": land, "prefixes": _either(prefixes),
                                             "example": prefixes[0] + "31"},
                code="invalid_key",
            )
        return
    if not re.fullmatch(rf"(?:{starts})\d{{5}}", key or ""):
        raise ValidationError(
            _("Der Amtliche Gemeindeschlüssel einer Kommune in %(land)s hat 8 Ziffern und beginnt mit %(prefixes)s "
              "(z. B. %(example)s).") % {"land": land, "prefixes": _either(prefixes),
                                         "example": prefixes[0] + "11000"},
            code="invalid_key",
        )
    if kind == MunicipalityKind.KREISFREIE_STADT and not key.endswith("000"):
        raise ValidationError(
            _("Der Gemeindeschlüssel einer kreisfreien Stadt endet auf 000."), code="invalid_key"
        )
    if kind != MunicipalityKind.KREISFREIE_STADT and key.endswith("000"):
        raise ValidationError(
            _("Ein Gemeindeschlüssel auf 000 gehört zu einer kreisfreien Stadt."), code="invalid_key"
        )


def kreis_key_of(ags: str) -> str:
    """The 5-digit key of the Kreis an AGS belongs to."""
    return ags[:5]
