"""Case numbers (Aktenzeichen): a program's template such as ``{prefix}-{year}-{seq:04d}``.

Several programs run side by side, and a template may spell its prefix as text (``SHH2-{year}-{seq}``) or through
``{prefix}``. Two rules keep every case number unique across programs:

1. **The rendered pattern owns the sequence.** A sequence is keyed by the number's text around the running
   number, rendered for the year (``SHH2-2027-{seq}``), not by the program: programs whose numbers look alike
   count on one sequence, whatever their prefix field, template spelling or zero padding.
2. **Patterns never overlap** (checked when a program is saved, ``FundingProgram.clean``): the running number is
   followed by a non-digit (or ends the number), and the text before it in one program is never the start of a
   longer text before it in another (``SHH-2027-{seq}`` vs ``SHH-2027-1{seq}``), for any year. Then two numbers of
   different patterns differ in a character, and two of one pattern differ in their running number.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from django.utils.translation import gettext as _

FIELDS = ("prefix", "year", "seq")
DIGIT = object()  # a character of the year: any digit, whatever the year
SAMPLE_YEAR = 2027


class TemplateError(ValueError):
    """The template cannot make case numbers; the message says why (German, for the program form)."""


@dataclass(frozen=True)
class Pattern:
    before: str  # the text before the running number, rendered for one year
    after: str   # the text after it

    @property
    def key(self) -> str:
        """The sequence's key: the number with its running number left open."""
        return f"{self.before}{{seq}}{self.after}"


def _parts(template: str):
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(_("Die Vorlage ist ungültig (%(error)s). Geschweifte Klammern umschließen nur "
                              "{prefix}, {year} oder {seq}.") % {"error": exc}) from None
    names = [name for _literal, name, _spec, _conv in parts if name is not None]
    unknown = sorted({name for name in names if name not in FIELDS})
    if unknown:
        raise TemplateError(_("Unbekannter Platzhalter „%(name)s“. Erlaubt sind {prefix}, {year} und {seq}.")
                            % {"name": "{" + unknown[0] + "}"})
    if names.count("seq") != 1:
        raise TemplateError(_("Die Vorlage muss die laufende Nummer {seq} genau einmal enthalten."))
    return parts


def _render(name: str, spec: str, conversion, *, prefix: str, year: int):
    value = {"prefix": prefix, "year": year}[name]
    if conversion:
        value = {"s": str, "r": repr, "a": ascii}[conversion](value)
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        raise TemplateError(_("Das Format von {%(name)s} ist ungültig (%(error)s).")
                            % {"name": name, "error": exc}) from None


def pattern(template: str, *, prefix: str, year: int) -> Pattern:
    """The text before and after the running number, rendered for ``year``."""
    before, after, seen = [], [], False
    for literal, name, spec, conversion in _parts(template):
        (after if seen else before).append(literal)
        if name == "seq":
            seen = True
        elif name is not None:
            (after if seen else before).append(_render(name, spec, conversion, prefix=prefix, year=year))
    return Pattern("".join(before), "".join(after))


def check(template: str, *, prefix: str) -> list:
    """Checks the template and returns the text before the running number as characters, a year's digits as
    DIGIT (for any year). TemplateError with the reason."""
    before: list = []
    seen, after_first = False, None
    for literal, name, spec, conversion in _parts(template):
        if seen and after_first is None and literal:
            after_first = literal[0]
        if not seen:
            before.extend(literal)
        if name == "seq":
            seen = True
            continue
        if name is None:
            continue
        text = _render(name, spec, conversion, prefix=prefix, year=SAMPLE_YEAR)
        if seen and after_first is None and text:
            after_first = DIGIT if name == "year" and text[0].isdigit() else text[0]
        if not seen:
            before.extend(DIGIT if name == "year" and ch.isdigit() else ch for ch in text)
    if after_first is DIGIT or (isinstance(after_first, str) and after_first.isdigit()):
        raise TemplateError(_("Direkt nach der laufenden Nummer {seq} darf keine Ziffer stehen (sonst ist nicht "
                              "zu erkennen, wo die Nummer endet). Setzen Sie z. B. einen Bindestrich dazwischen."))
    return before


def _same_char(a, b) -> bool:
    if a is DIGIT or b is DIGIT:
        other = b if a is DIGIT else a
        return other is DIGIT or other.isdigit()
    return a == b


def overlaps(mine: list, theirs: list) -> bool:
    """Whether, for some years, one text before the number is a proper start of the other, followed there by a
    digit (then a number of one pattern could read as a number of the other). Conservative: it may refuse a pair
    that would in fact never meet, never the other way round."""
    if len(mine) == len(theirs):
        return False  # equal for a year: the same sequence (rule 1); otherwise they differ in a character
    short, long = (mine, theirs) if len(mine) < len(theirs) else (theirs, mine)
    # where the shorter one's running number starts, the longer one must have a digit to be misread
    return _same_char(long[len(short)], DIGIT) and all(_same_char(a, b) for a, b in zip(short, long, strict=False))


def example(template: str, *, prefix: str) -> str:
    p = pattern(template, prefix=prefix, year=SAMPLE_YEAR)
    return f"{p.before}42{p.after}"
