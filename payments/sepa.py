"""SEPA credit transfers: IBAN/BIC checks and the pain.001 file of a payment run.

The file is built with ``sepaxml`` (schema pain.001.001.03, validated against the XSD that ships with
the package before it is stored). Every text in it is reduced to the SEPA character set
(a–z A–Z 0–9 / - ? : ( ) . , ' + space); German umlauts are transliterated (ä → ae, ß → ss).

The paying account (debtor) comes from the Django settings PAYMENTS_DEBTOR_NAME, PAYMENTS_DEBTOR_IBAN
and PAYMENTS_DEBTOR_BIC (the BIC is derived from a German IBAN when not set).
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from foundation.amounts import to_cents

from .exceptions import PaymentsError

SCHEMA = "pain.001.001.03"
REMITTANCE_MAX = 140
END_TO_END_MAX = 35
NAME_MAX = 70

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss",
                          "–": "-", "—": "-", "„": "'", "“": "'", "”": "'", "‚": "'", "‘": "'", "’": "'",
                          "&": "+", "§": "Par.", "€": "EUR", "\n": " ", "\t": " "})
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_NOT_ID = re.compile(r"[^A-Za-z0-9\-]")


def debtor_name() -> str:
    """The Land's paying account holder (config/settings.py: PAYMENTS_DEBTOR_NAME)."""
    return settings.PAYMENTS_DEBTOR_NAME


def debtor_iban() -> str:
    return settings.PAYMENTS_DEBTOR_IBAN


def debtor_bic() -> str:
    bic = getattr(settings, "PAYMENTS_DEBTOR_BIC", "")
    if bic:
        return bic
    from schwifty import IBAN

    derived = IBAN(debtor_iban(), allow_invalid=True).bic
    return str(derived) if derived else ""


def sepa_text(text: str, limit: int) -> str:
    """Text reduced to the SEPA character set, umlauts transliterated, spaces collapsed, cut to ``limit``."""
    from text_unidecode import unidecode

    text = unidecode(str(text).translate(_UMLAUTS))
    text = _NOT_SEPA.sub("", text)
    return " ".join(text.split())[:limit].strip()


def sepa_id(text: str, limit: int = END_TO_END_MAX) -> str:
    """An identifier (EndToEndId, MsgId): letters, digits and hyphens only, no leading or trailing hyphen."""
    return _NOT_ID.sub("-", sepa_text(text, 1000).replace(" ", "-")).strip("-")[:limit].strip("-")


def normalise_iban(text: str) -> str:
    """The IBAN without spaces, upper case, checked (country format, length, mod-97 checksum, SEPA zone)."""
    from schwifty import IBAN
    from schwifty import exceptions as ex

    compact = re.sub(r"\s+", "", str(text or "")).upper()
    if not compact:
        raise PaymentsError(_("Bitte geben Sie die IBAN an."), field="iban")
    try:
        iban = IBAN(compact)
    except ex.InvalidCountryCode:
        raise PaymentsError(_("Die IBAN „%(iban)s“ beginnt nicht mit einem gültigen Ländercode (z. B. DE).")
                            % {"iban": compact}, field="iban") from None
    except ex.InvalidLength:
        expected = _("22 Zeichen") if compact.startswith("DE") else _("die Länge des Landes")
        raise PaymentsError(_("Die IBAN „%(iban)s“ hat %(n)d Zeichen; eine IBAN dieses Landes hat %(expected)s.")
                            % {"iban": compact, "n": len(compact), "expected": expected}, field="iban") from None
    except ex.InvalidChecksumDigits:
        raise PaymentsError(_("Die Prüfziffer der IBAN „%(iban)s“ stimmt nicht. Bitte prüfen Sie die Eingabe "
                              "auf Tippfehler.") % {"iban": compact}, field="iban") from None
    except ex.SchwiftyException:
        raise PaymentsError(_("„%(iban)s“ ist keine gültige IBAN (Aufbau passt nicht zum Land).")
                            % {"iban": compact}, field="iban") from None
    if not iban.in_sepa_zone:
        raise PaymentsError(_("Die IBAN „%(iban)s“ gehört nicht zum SEPA-Raum.") % {"iban": compact}, field="iban")
    return str(iban.compact)


def normalise_bic(text: str) -> str:
    """The BIC in upper case without spaces, checked; empty stays empty (the BIC is optional within SEPA)."""
    from schwifty import BIC
    from schwifty import exceptions as ex

    compact = re.sub(r"\s+", "", str(text or "")).upper()
    if not compact:
        return ""
    try:
        return str(BIC(compact))
    except ex.SchwiftyException:
        raise PaymentsError(_("„%(bic)s“ ist keine gültige BIC (8 oder 11 Zeichen, z. B. HELADEF1XXX).")
                            % {"bic": compact}, field="bic") from None


def bank_name_for(iban: str) -> str:
    from schwifty import IBAN

    try:
        return IBAN(iban).bank_name or ""
    except Exception:  # noqa: BLE001 - a missing bank registry entry is no error
        return ""


@dataclass(frozen=True)
class Transfer:
    """One credit transfer of a payment run."""

    creditor_name: str
    iban: str
    bic: str
    amount: Decimal
    end_to_end_id: str
    remittance: str


def build_pain001(*, message_id: str, execution_date: date, transfers: list[Transfer]) -> bytes:
    """The pain.001.001.03 XML of the transfers, validated against the schema; PaymentsError if it is not valid."""
    from sepaxml import SepaTransfer
    from sepaxml.validation import ValidationError

    class _Transfer(SepaTransfer):
        def _create_header(self):
            self.msg_id = message_id  # our own unique, stored id instead of sepaxml's random one
            super()._create_header()

    config = {"name": sepa_text(debtor_name(), NAME_MAX), "IBAN": debtor_iban(), "batch": True, "currency": "EUR"}
    bic = debtor_bic()
    if bic:
        config["BIC"] = bic
    sepa = _Transfer(config, schema=SCHEMA, clean=True)
    for t in transfers:
        payment = {"name": sepa_text(t.creditor_name, NAME_MAX) or "Kommune", "IBAN": t.iban,
                   "amount": to_cents(t.amount), "execution_date": execution_date,
                   "description": t.remittance, "endtoend_id": t.end_to_end_id}
        if t.bic:
            payment["BIC"] = t.bic
        sepa.add_payment(payment)
    try:
        return sepa.export(validate=True)
    except ValidationError as exc:
        raise PaymentsError(_("Die SEPA-Datei entspricht nicht dem Schema pain.001 (%(detail)s); es wurde nichts "
                              "gespeichert.") % {"detail": str(exc.__cause__ or exc)[:300]}) from exc
