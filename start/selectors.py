"""What each role has to do now: the counts of the start page, each with the list that shows
exactly what it counts.

The counts come from the selectors that own them (applications, payments, jury, outbox via
payments' ``cases_needing_action``, accounts); this module only picks them per role and names
their lists. Which sections a person sees is asked for by permission name
(``accounts.work_as_*``, ``accounts.administer``). The number of queries does not depend on the
number of cases (tests/start/test_start_page.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import rules
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

CASE_WORKER_KINDS = ("formal_check", "revision_overdue", "disbursement_to_check", "released_not_in_run",
                     "proof_to_check", "proof_overdue", "recovery_overdue", "background_work")
APPROVER_KINDS = ("decision_prepared", "disbursement_to_release", "settlement_prepared", "run_not_confirmed")


@dataclass
class Task:
    key: str
    label: str
    count: int
    url: str
    note: str = ""  # e.g. the nearest deadline

    @property
    def open(self) -> bool:
        return self.count > 0


@dataclass
class Section:
    role: str  # applicant, case_worker, approver, jury, admin
    title: str
    tasks: list[Task] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # what the role's template shows besides the counts

    @property
    def total(self) -> int:
        return sum(t.count for t in self.tasks)


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def applicant_section(user) -> Section:
    from accounts.selectors import approved_municipalities
    from applications.enums import ApplicationState
    from applications.selectors import applications_for_user
    from payments.selectors.disbursements import payable_grants_for
    from payments.selectors.proofs import open_proofs_for

    municipalities = list(approved_municipalities(user))
    section = Section(role="applicant", title=str(_("Ihre Anträge und Zuwendungen")),
                      data={"municipalities": municipalities})
    if not municipalities:
        return section
    mine = applications_for_user(user).order_by()
    apps = mine.aggregate(drafts=Count("pk", filter=Q(state=ApplicationState.DRAFT)),
                          returned=Count("pk", filter=Q(state=ApplicationState.RETURNED)))
    returned = list(mine.filter(state=ApplicationState.RETURNED).select_related("lead")
                    .order_by("revision_deadline", "pk")[:5]) if apps["returned"] else []
    proofs = open_proofs_for(user).aggregate(n=Count("pk"), next_due=Min("due_on"))
    payable = payable_grants_for(user).count()
    section.data["returned"] = returned
    section.tasks = [
        Task("returned", str(_("Nachforderungen des Ministeriums: Anträge zur Nachbesserung")), apps["returned"],
             _url("applications:list", state=ApplicationState.RETURNED),
             note=str(_("nächste Frist: %(d)s") % {"d": _date(returned[0].revision_deadline)})
             if returned and returned[0].revision_deadline else ""),
        Task("drafts", str(_("Antragsentwürfe, noch nicht eingereicht")), apps["drafts"],
             _url("applications:list", state=ApplicationState.DRAFT)),
        Task("proofs", str(_("Verwendungsnachweise einzureichen")), proofs["n"],
             _url("payments:proofs", offen="1"),
             note=str(_("nächste Fälligkeit: %(d)s") % {"d": _date(proofs["next_due"])}) if proofs["n"] else ""),
        Task("payable", str(_("Zuwendungen, für die Sie Mittel abrufen können")), payable,
             _url("payments:disbursement-grants")),
    ]
    return section


def _action_tasks(groups: dict, kinds: tuple[str, ...]) -> list[Task]:
    return [Task(kind, groups[kind].label, groups[kind].count, _url("payments:dashboard-actions", kind=kind))
            for kind in kinds]


def staff_sections(user) -> list[Section]:
    from accounts.selectors import pending_memberships
    from grants.models import Call
    from payments.selectors.dashboard import cases_needing_action

    case_worker = rules.has_perm("accounts.work_as_case_worker", user)
    approver = rules.has_perm("accounts.work_as_approver", user)
    admin = rules.has_perm("accounts.administer", user)
    if not (case_worker or approver or admin):
        return []
    kinds = ((CASE_WORKER_KINDS if case_worker or admin else ())
             + (APPROVER_KINDS if approver or admin else ()))
    groups = {g.kind: g for g in cases_needing_action(calls=Call.objects.all(), kinds=kinds)}
    sections = []
    if case_worker:
        tasks = _action_tasks(groups, CASE_WORKER_KINDS)
        tasks.insert(2, Task("memberships", str(_("Mitgliedschaftsanfragen zu entscheiden")),
                             pending_memberships().count(), _url("accounts:membership-review")))
        sections.append(Section(role="case_worker", title=str(_("Sachbearbeitung")), tasks=tasks))
    if approver:
        sections.append(Section(role="approver", title=str(_("Bewilligung und Anordnung (zweite Person)")),
                                tasks=_action_tasks(groups, APPROVER_KINDS)))
    if admin:
        money_kinds = tuple(k for k in CASE_WORKER_KINDS + APPROVER_KINDS if k not in ("formal_check",
                                                                                       "revision_overdue"))
        section = Section(role="admin", title=str(_("Administration")), tasks=[
            Task("all_actions", str(_("Handlungsbedarf in Zahlungen und Nachweisen insgesamt")),
                 sum(groups[k].count for k in money_kinds), _url("payments:dashboard-actions")),
        ])
        if not approver:  # the approver's counts, which the admin's own sections do not show otherwise
            section.tasks += _action_tasks(groups, APPROVER_KINDS)
        section.data["links"] = [
            (str(_("Verwaltung (Benutzer, Programme, Aufrufe, Jurys)")), reverse("admin:index")),
            (str(_("Hintergrundarbeiten")), reverse("outbox:stuck")),
            (str(_("Mitgliedschaften prüfen")), reverse("accounts:membership-review")),
            (str(_("Finanzübersicht")), reverse("payments:dashboard")),
            (str(_("Basiszinssätze")), reverse("payments:base-rates")),
        ]
        sections.append(section)
    return sections


def jury_section(user) -> Section:
    from jury.selectors import member_open_work

    work = member_open_work(user)
    workspace = _url("jury:workspace", zeigen="offen")  # the list of what is counted here, with its status
    return Section(role="jury", title=str(_("Jury")), data={"sessions": work.sessions}, tasks=[
        Task("declarations", str(_("Erklärungen zur Befangenheit abzugeben")), work.declarations, workspace),
        Task("sheets", str(_("Bewertungsbögen auszufüllen oder abzugeben")), work.sheets, workspace,
             note=str(_("Sitzung am %(d)s") % {"d": _date(work.sessions[0].held_on)}) if work.sessions else ""),
    ])


def start_sections(user) -> list[Section]:
    """The sections of ``user``'s start page, in this order: applicant, case worker, approver,
    admin, jury — one for each role the user holds."""
    sections = []
    if rules.has_perm("accounts.work_as_applicant", user):
        sections.append(applicant_section(user))
    sections += staff_sections(user)
    if rules.has_perm("accounts.work_as_jury_member", user):
        sections.append(jury_section(user))
    return sections
