"""The trust level (Vertrauensniveau) of a login: how it is read from an identity provider, where the
session keeps it, and whether it meets what a call requires. One home for all three.

An identity provider names the level in its own words: BundID sends STORK QAA levels, eIDAS nodes
send eIDAS levels of assurance (in the assertion's AuthnContextClassRef or in an attribute,
accounts.identity reads both). TRUST_LEVEL_BY_VALUE maps every value the portal accepts to one
of its three levels; a value not in the table gives no level (the login still works, but no call
that requires a level accepts it). A login with e-mail and password has no level.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import SESSION_KEY as SESSION_KEY_USER
from django.utils.translation import gettext as _

from .enums import TrustLevel

# Every value an identity provider may send for its level, and the portal's level for it.
TRUST_LEVEL_BY_VALUE: dict[str, TrustLevel] = {
    # STORK QAA (BundID): 1 user name and password, 3 ELSTER certificate, 4 online ID card (eID)
    "STORK-QAA-Level-1": TrustLevel.BASISREGISTRIERUNG,
    "STORK-QAA-Level-2": TrustLevel.BASISREGISTRIERUNG,
    "STORK-QAA-Level-3": TrustLevel.SUBSTANZIELL,
    "STORK-QAA-Level-4": TrustLevel.HOCH,
    # eIDAS levels of assurance (Implementing Regulation (EU) 2015/1502)
    "http://eidas.europa.eu/LoA/low": TrustLevel.BASISREGISTRIERUNG,
    "http://eidas.europa.eu/LoA/substantial": TrustLevel.SUBSTANZIELL,
    "http://eidas.europa.eu/LoA/high": TrustLevel.HOCH,
    # the portal's own words, for a provider configured to send them in an attribute
    "basisregistrierung": TrustLevel.BASISREGISTRIERUNG,
    "substanziell": TrustLevel.SUBSTANZIELL,
    "hoch": TrustLevel.HOCH,
}

_RANK = {TrustLevel.BASISREGISTRIERUNG: 1, TrustLevel.SUBSTANZIELL: 2, TrustLevel.HOCH: 3}

SESSION_KEY = "accounts_trust_level"


def level_from_values(values: Iterable[str]) -> TrustLevel | None:
    """The portal's level for what a provider sent; of several known values the lowest counts."""
    known = (v.strip() for v in values if isinstance(v, str))
    levels = [TRUST_LEVEL_BY_VALUE[v] for v in known if v in TRUST_LEVEL_BY_VALUE]
    return min(levels, key=_RANK.__getitem__) if levels else None


def meets(level: str | None, required: str | None) -> bool:
    """True when `level` is `required` or higher; no requirement is always met."""
    if not required:
        return True
    if not level or level not in _RANK:
        return False
    return _RANK[TrustLevel(level)] >= _RANK[TrustLevel(required)]


def record_session_trust_level(request, level: str | None) -> None:
    """Called once per login (accounts.signals): the level of this login, or none."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if level:
        session[SESSION_KEY] = str(TrustLevel(level))
    else:
        session.pop(SESSION_KEY, None)


def session_trust_level(request) -> TrustLevel | None:
    """The trust level of the current login (None for e-mail and password, API keys, no session)."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated:
        return None
    if getattr(request, "auth", None) is not None:  # an API request made with a key, not with this session
        return None
    if session.get(SESSION_KEY_USER) != str(user.pk):
        return None
    value = session.get(SESSION_KEY)
    return TrustLevel(value) if value in TrustLevel.values else None


def requirement_message(*, required: str, level: str | None) -> str:
    """The refusal a user reads when their login's level is below the required one."""
    needed = TrustLevel(required).label
    if level:
        return _("Für diesen Förderaufruf ist eine Anmeldung mit dem Vertrauensniveau „%(needed)s“ oder höher "
                 "nötig; Ihre Anmeldung hat das Vertrauensniveau „%(current)s“. Bitte melden Sie sich mit einem "
                 "passenden Nutzerkonto (z. B. BundID mit Online-Ausweis) erneut an.") % {
            "needed": needed, "current": TrustLevel(level).label}
    return _("Für diesen Förderaufruf ist eine Anmeldung mit dem Vertrauensniveau „%(needed)s“ oder höher nötig. "
             "Bitte melden Sie sich mit BundID oder Mein Unternehmenskonto an; die Anmeldung mit E-Mail-Adresse "
             "und Passwort hat kein Vertrauensniveau.") % {"needed": needed}
