"""The main navigation: one list of menu entries, grouped by task, each shown to whoever holds one
of its permissions (asked for by name, so this module imports no domain app).

``menu_for(user, path)`` returns the groups the user may see, with the entry of the current page
marked (the longest URL prefix wins, so a case's detail page marks its list). Permissions are
asked of the `rules` registry directly: on every page, a "no" must not cost the queries of
Django's model permission backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rules
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    perms: tuple[str, ...]  # any one of them is enough
    also: tuple[str, ...] = ()  # further URL prefixes that belong to this entry


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    entries: tuple[Entry, ...]


APPLICANT = ("accounts.act_for_municipality",)
STAFF = ("accounts.view_staff_area",)

MENU: tuple[Group, ...] = (
    Group("applications", _("Anträge"), (
        Entry(_("Meine Anträge"), "applications:list", APPLICANT),
        Entry(_("Neuer Antrag"), "applications:create", APPLICANT),
        Entry(_("Anträge nach Aufruf"), "applications:staff-calls", STAFF, also=("/antraege/",)),
        Entry(_("Mitgliedschaften prüfen"), "accounts:membership-review", ("accounts.decide_membership",)),
    )),
    Group("jury", _("Jury"), (
        Entry(_("Jury-Arbeitsbereich"), "jury:workspace", ("accounts.work_as_jury_member", *STAFF)),
    )),
    Group("money", _("Zuwendungen & Zahlungen"), (
        Entry(_("Zuwendungen"), "payments:grants", (*APPLICANT, *STAFF)),
        Entry(_("Mittelabrufe"), "payments:disbursement-grants", APPLICANT),
        Entry(_("Nachweise"), "payments:proofs", APPLICANT),
        Entry(_("Bewilligung"), "payments:decisions", STAFF),
        Entry(_("Auszahlung"), "payments:disbursement-queue", STAFF, also=("/zuwendungen/auszahlung/",)),
        Entry(_("Nachweise prüfen"), "payments:proof-queue", STAFF, also=("/zuwendungen/sachbearbeitung/",)),
        Entry(_("Finanzübersicht"), "payments:dashboard", ("payments.view_dashboard",)),
    )),
    Group("operations", _("Betrieb"), (
        Entry(_("Hintergrundarbeiten"), "outbox:stuck", ("outbox.view_stuck_work",)),
        Entry(_("Administration"), "admin:index", ("accounts.administer",)),
    )),
    Group("account", _("Ihr Konto"), (
        Entry(_("Kommunen"), "accounts:memberships", ("accounts.work_as_applicant",)),
        Entry(_("Meine Dokumente"), "downloads:list", ("accounts.signed_in",)),
        Entry(_("Konto"), "account_email", ("accounts.signed_in",), also=("/accounts/", "/konto/")),
    )),
)


@dataclass
class Link:
    label: str
    url: str
    current: bool = False


@dataclass
class MenuGroup:
    key: str
    label: str
    links: list[Link] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def menu_for(user, path: str) -> list[MenuGroup]:
    """The groups and entries ``user`` may see; the entry matching ``path`` best is current."""
    if not (user and user.is_authenticated):
        return []
    granted: dict[str, bool] = {}

    def may(perms: tuple[str, ...]) -> bool:
        for perm in perms:
            if perm not in granted:
                granted[perm] = bool(rules.has_perm(perm, user))
            if granted[perm]:
                return True
        return False

    groups: list[MenuGroup] = []
    best: tuple[int, Link] | None = None
    for group in MENU:
        shown = MenuGroup(key=group.key, label=str(group.label))
        for entry in group.entries:
            url = _url(entry.url_name)
            if url is None or not may(entry.perms):
                continue
            link = Link(label=str(entry.label), url=url)
            shown.links.append(link)
            for prefix in (url, *entry.also):
                if (path == prefix or path.startswith(prefix)) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), link)
        if shown.links:
            groups.append(shown)
    if best is not None:
        best[1].current = True
    return groups
