"""Amounts: every amount is a `Decimal` in euros with two places. Nothing here uses float.

This module owns how an amount is read (the one parser behind every form, API field, service and
live preview), rounded to the cent and written in German. The grant rule itself (rate × eligible
costs, rounded down, capped) lives in grants.money.
"""

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}  # every money column: models.DecimalField(..., **MONEY)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # fits every money column (14 digits); no real grant comes near it
_MAX_DIGITS = 13  # integer digits looked at before any Decimal arithmetic (1e30 never reaches quantize)
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")


class AmountError(ValueError):
    """An input that is not a valid amount; `message` says why, in German, for the user."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(message)
        self.message = str(message)
        self.code = code


def to_money(value) -> Decimal:
    """Exact conversion of a database- or code-supplied amount to two places (half up)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def floor_cents(value) -> Decimal:
    """Rounded down to the cent: never in the applicant's favour."""
    return Decimal(value).quantize(CENT, rounding=ROUND_DOWN)


def to_cents(amount) -> int:
    """An amount as a whole number of cents (rounded half up first, like `to_money`): for exact integer sums
    over many rows and for formats that count in cents."""
    return int(to_money(amount).scaleb(2))


def from_cents(cents: int) -> Decimal:
    """Whole cents back as an amount with two places."""
    return Decimal(cents).scaleb(-2)


def money_sum(values) -> Decimal:
    return sum((Decimal(v) for v in values), ZERO)


def _invalid(value) -> AmountError:
    shown = str(value).strip()
    shown = shown if len(shown) <= 30 else shown[:29] + "…"
    # No _() inside f-strings: xgettext (gettext 0.21) does not extract from them.
    message = _("„%(v)s“ ist kein gültiger Betrag.") % {"v": shown}
    hint = _("Bitte geben Sie einen Betrag in Euro an, z. B. 12.500,00.")
    return AmountError(f"{message} {hint}")


def _normalise(text: str, *, decimal_point: bool) -> str:
    """German ("1.234.567,89", "100.000") or plain ("1234567.89") text → plain digits with a point.

    decimal_point: the text comes from the API, where a point is always the decimal point ("1.234" is
    1.234 and refused for its third decimal, not read as 1234 as a person typing German would mean it).
    """
    s = text.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if decimal_point:
        if not _PLAIN.fullmatch(s):
            raise _invalid(text)
        return s
    if "," in s and "." in s and s.rfind(".") > s.rfind(","):
        raise _invalid(text)  # English format (12,500.00): refused rather than misread
    if s.count(",") > 1:
        raise _invalid(text)
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif s.count(".") > 1 or _THOUSANDS.fullmatch(s):
        s = s.replace(".", "")
    if not _PLAIN.fullmatch(s):  # no exponent, NaN, Infinity, signs other than one leading minus
        raise _invalid(text)
    return s


def parse_amount(value, *, allow_zero: bool = True, allow_negative: bool = False,
                 maximum: Decimal | None = MAX_AMOUNT, decimal_point: bool = False) -> Decimal:
    """Read an amount (text typed by a person or sent by the API, or a Decimal) → Decimal with two places.

    Accepts "1.234,56", "1234,56", "1234.56", "12 500,00 €" (with decimal_point=True, as the API does:
    only "1234.56"). Refuses with an AmountError (a ValueError)
    whose message names the problem: no amount (NaN, Infinity, "1e5", "abc"), negative (unless
    allowed), zero (unless allowed), more than two decimals, more than `maximum`. The size is checked
    before any quantize, so no input can make the arithmetic itself fail.
    """
    if isinstance(value, bool) or value is None:
        raise _invalid(value)
    if isinstance(value, (Decimal, int)):
        amount = Decimal(value)
        if not amount.is_finite():
            raise _invalid(value)
        if amount.adjusted() >= _MAX_DIGITS:
            raise _too_large(maximum)
    else:
        s = _normalise(str(value), decimal_point=decimal_point)
        if len(s.lstrip("-").split(".")[0].lstrip("0")) > _MAX_DIGITS:
            raise _too_large(maximum)
        try:
            amount = Decimal(s)
        except InvalidOperation:
            raise _invalid(value) from None
    if amount < 0 and not allow_negative:
        raise AmountError(_("Beträge dürfen nicht negativ sein.") if allow_zero
                          else _("Der Betrag muss größer als 0 sein."), code="min")
    if amount == 0 and not allow_zero:
        raise AmountError(_("Der Betrag muss größer als 0 sein."), code="min")
    if maximum is not None and abs(amount) > maximum:
        raise _too_large(maximum)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        raise AmountError(_("Höchstens zwei Nachkommastellen (Cent)."), code="cents")
    return amount.quantize(CENT)


def _too_large(maximum) -> AmountError:
    limit = format_eur(maximum if maximum is not None else MAX_AMOUNT)
    message = _("Der Betrag ist zu groß.")
    hint = _("Höchstens %(max)s.") % {"max": limit}
    return AmountError(f"{message} {hint}", code="max")


def format_eur(value) -> str:
    """German format: 1.234.567,89 €"""
    if value is None:
        return "–"
    q = to_money(value)
    sign = "-" if q < 0 else ""
    whole, cents = f"{abs(q):.2f}".split(".")
    return f"{sign}{_thousands(whole)},{cents}\u00a0€"


def _thousands(digits: str) -> str:
    """"1234567" → "1.234.567" (German thousands separator)."""
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


def format_decimal(value, places: int = 2, *, trim: bool = False) -> str:
    """A score, weight or other figure in German: format_decimal(Decimal("3.575")) → "3,58",
    format_decimal(2) → "2,00", format_decimal(Decimal("1234.5")) → "1.234,50" (half up).

    trim: leave out trailing zeros (scale ends and steps: "5", "0,5"; never for weights and scores, which
    always show `places` decimals so that "2,00" stands beside "1,50").
    The one home of decimal figures that are not amounts; amounts use format_eur.
    """
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    q = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places > 0 else \
        number.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if trim:
        q = q.quantize(Decimal(1)) if q == q.to_integral_value() else q.normalize()
    sign = "-" if q < 0 else ""
    whole, _sep, decimals = f"{abs(q):f}".partition(".")
    return f"{sign}{_thousands(whole)}{',' + decimals if decimals else ''}"


def format_amount_input(value) -> str:
    """An amount as it is shown in an input field: 1.234.567,89 (no currency sign)."""
    return format_eur(value).replace("\u00a0€", "") if value not in (None, "") else ""
