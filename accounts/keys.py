"""Official keys of Hessian municipalities (Amtlicher Gemeindeschlüssel, AGS).

AGS: 8 digits LL R KK GGG; Hessen is 06, region digit 4 Darmstadt, 5 Gießen, 6 Kassel;
kreisfreie Städte end in 000. A Landkreis has the 5-digit key LL R KK.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .enums import MunicipalityKind

HESSEN = "06"
REGIONS = {"4": "Darmstadt", "5": "Gießen", "6": "Kassel"}
_KREIS_KEY = re.compile(r"^06[456]\d{2}$")
_AGS = re.compile(r"^06[456]\d{5}$")


def validate_official_key(key: str, kind: str) -> None:
    if kind == MunicipalityKind.LANDKREIS:
        if not _KREIS_KEY.match(key or ""):
            raise ValidationError(
                _("Der Kreisschlüssel eines hessischen Landkreises hat 5 Ziffern und beginnt mit "
                  "064, 065 oder 066 (z. B. 06431)."),
                code="invalid_key",
            )
        return
    if not _AGS.match(key or ""):
        raise ValidationError(
            _("Der Amtliche Gemeindeschlüssel einer hessischen Kommune hat 8 Ziffern und beginnt "
              "mit 064, 065 oder 066 (z. B. 06411000)."),
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
