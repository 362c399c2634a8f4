"""The expected access of every route: route key → who may see it (GET) and who may act on it (writes),
per object variant (own / foreign / excluded, see world.py).

Written out from the rules (applications/rules.py, jury/rules.py, payments/rules.py, accounts/rules.py,
outbox/rules.py) and the selectors that scope each list — not from what the code happens to answer.
A route that is not in this table fails the matrix: add it here when you add it to a urls.py or a router.

`act` defaults to `see`: pages that answer a POST like a GET (details, downloads) are reads for their
readers. Every role outside `act` sends each unsafe method and must be refused without any change.
"""

from dataclasses import dataclass, field, replace

from .world import (
    ADMIN,
    ANONYMOUS,
    APPLICANT,
    APPROVER,
    CASE_WORKER,
    CHAIR,
    EXCLUDED,
    EXCLUDED_OBJECT,
    FOREIGN,
    FOREIGN_OBJECT,
    JUROR,
    NO_MFA,
    OTHER_JUROR,
    OWN,
    PARTNER,
    ROLES,
)

PUBLIC = frozenset(ROLES) - {NO_MFA}           # an untrusted staff session sees nothing, not even public pages
SIGNED_IN = PUBLIC - {ANONYMOUS}
STAFF = frozenset({CASE_WORKER, APPROVER, ADMIN})
CASE_WORK = frozenset({CASE_WORKER, ADMIN})   # the admin role counts as case worker (accounts.rules)
PANEL = frozenset({JUROR, EXCLUDED, CHAIR})
JURY = PANEL | {OTHER_JUROR}
MEMBERS = frozenset({APPLICANT, PARTNER, FOREIGN})  # someone with an approved membership
NOBODY = frozenset()


@dataclass(frozen=True)
class Expect:
    see: dict                  # variant → roles that GET a 2xx
    act: dict                  # variant → roles allowed to write (never executed by the matrix)
    elsewhere: dict = field(default_factory=dict)  # variant → roles sent on (302, not to the login) instead
    get: bool = True           # False: the route answers no GET (POST only): nobody gets a 2xx for GET
    flow: bool = False         # the login/2FA flow itself (allauth): only "never 5xx", never written to
    admin: bool = False        # the Django admin: the admin role only, every other role is sent to the login
    sent_back: dict = field(default_factory=dict)  # variant → roles a refused write may send back to the case
    open_data: bool = False    # publishes the projects of final grants (opendata/): their titles are public


def _variants(roles, variants=(OWN,)):
    return dict.fromkeys(variants, frozenset(roles))


def everywhere(roles, *, act=None, get=True, elsewhere=NOBODY):
    """The same roles for every variant (staff areas, lists scoped by a selector, public pages)."""
    variants = (OWN, FOREIGN_OBJECT, EXCLUDED_OBJECT)
    roles = frozenset(roles)
    return Expect(see=_variants(roles if get else NOBODY, variants), act=_variants(act if act is not None else roles,
                                                                                   variants),
                  elsewhere=_variants(elsewhere, variants), get=get)


def writes(roles):
    """A route that only takes writes (GET answers 405 to everyone)."""
    return everywhere(NOBODY, act=roles, get=False)


def municipal(roles, *, act=None, get=True, elsewhere=NOBODY, sent_back=NOBODY):
    """A case of a municipality: `roles` see the own object (lead = APPLICANT); the foreign object is seen by
    the same staff roles and by the foreign municipality's member instead (no partner there)."""
    def foreign(rs):
        rs = frozenset(rs)
        return (rs - {APPLICANT, PARTNER}) | ({FOREIGN} if APPLICANT in rs else set())

    act = frozenset(roles if act is None else act)
    see = frozenset(roles) if get else NOBODY
    return Expect(see={OWN: see, FOREIGN_OBJECT: foreign(see)}, act={OWN: act, FOREIGN_OBJECT: foreign(act)},
                  elsewhere={OWN: frozenset(elsewhere), FOREIGN_OBJECT: foreign(elsewhere)}, get=get,
                  sent_back={OWN: frozenset(sent_back), FOREIGN_OBJECT: foreign(sent_back)})


def jury(own, foreign=NOBODY, excluded=None, *, act=None, get=True, elsewhere=None):
    """A jury route: `own` = the jury's panel (or its application), `foreign` = another panel (or the other
    municipality's application in the same panel), `excluded` = the application EXCLUDED is excluded from."""
    def per(own_, foreign_, excluded_):
        return {OWN: frozenset(own_), FOREIGN_OBJECT: frozenset(foreign_),
                EXCLUDED_OBJECT: frozenset(own_ if excluded_ is None else excluded_)}

    see = per(own, foreign, excluded) if get else per(NOBODY, NOBODY, NOBODY)
    act = see if act is None else per(*act)
    return Expect(see=see, act=act, elsewhere=per(*(elsewhere or (NOBODY, NOBODY, NOBODY))), get=get)


FLOW = Expect(see={}, act={}, flow=True)
# a document requested by one person (downloads/): the applicant's is OWN, the case worker's FOREIGN_OBJECT
OWNER_ONLY = Expect(see={OWN: frozenset({APPLICANT}), FOREIGN_OBJECT: frozenset({CASE_WORKER})},
                    act={OWN: frozenset({APPLICANT}), FOREIGN_OBJECT: frozenset({CASE_WORKER})})
ADMIN_SITE = Expect(see={OWN: frozenset({ADMIN})}, act={OWN: frozenset({ADMIN})}, admin=True)
STAFF_ONLY = everywhere(STAFF)
OPEN_DATA = replace(everywhere(PUBLIC), open_data=True)

TABLE = {
    # public pages and documentation
    "home": everywhere(PUBLIC), "accessibility": everywhere(PUBLIC), "imprint": everywhere(PUBLIC),
    "healthz": everywhere(PUBLIC), "healthz-live": everywhere(PUBLIC), "healthz-ready": everywhere(PUBLIC),
    "schema": everywhere(PUBLIC), "api-docs": everywhere(PUBLIC), "api-redoc": everywhere(PUBLIC),
    "set_language": everywhere(NOBODY, act=PUBLIC, elsewhere=PUBLIC),
    # the public entry of every call (grants/views.py) and the open data of funded projects (opendata/)
    "grants:public-calls": everywhere(PUBLIC), "grants:public-call": everywhere(PUBLIC),
    "grants:public-program": everywhere(PUBLIC),
    "opendata:page": OPEN_DATA, "opendata:csv": OPEN_DATA, "opendata:json": OPEN_DATA,
    "opendata:catalogue": OPEN_DATA, "opendata:catalogue-jsonld": OPEN_DATA, "opendata:catalogue-rdf": OPEN_DATA,
    "api-open-data-project-list": replace(OPEN_DATA, act=_variants(NOBODY, (OWN, FOREIGN_OBJECT, EXCLUDED_OBJECT))),

    # accounts
    "accounts:memberships": everywhere(SIGNED_IN),
    "accounts:membership-review": everywhere(CASE_WORK),
    "accounts:membership-decide": writes(CASE_WORK),
    "accounts:invite": writes(CASE_WORK),
    "accounts:api-token": everywhere(SIGNED_IN),
    # login through identity providers (issue 12): the list of providers is public, the own account signed in
    "api-identity-provider-list": replace(everywhere(PUBLIC), act=_variants(NOBODY, (OWN, FOREIGN_OBJECT,
                                                                                     EXCLUDED_OBJECT))),
    "api-account": everywhere(SIGNED_IN),

    # applications (pages); staff read cases on the check and staff pages, not on the applicant's
    "applications:list": everywhere(SIGNED_IN - STAFF, elsewhere=STAFF),  # staff: to the list per call
    "applications:create": everywhere(MEMBERS, elsewhere=SIGNED_IN - MEMBERS),
    "applications:detail": municipal({APPLICANT, PARTNER}),
    "applications:edit": municipal({APPLICANT}),
    # the live preview computes the posted figures and stores nothing: whoever sees the case may use it
    "applications:calculate": municipal(NOBODY, act={APPLICANT, PARTNER}, get=False),
    # a partner sees the case: the service refuses the write and the page says so
    "applications:attachment-upload": municipal(NOBODY, act={APPLICANT}, get=False, sent_back={PARTNER}),
    "applications:attachment-download": municipal({APPLICANT, PARTNER}),
    "applications:attachment-remove": municipal(NOBODY, act={APPLICANT}, get=False, sent_back={PARTNER}),
    "applications:submit": municipal({APPLICANT, PARTNER}, act={APPLICANT}),
    "applications:withdraw": municipal({APPLICANT, PARTNER}, act={APPLICANT}),
    "applications:resubmit": municipal({APPLICANT} | STAFF, act={APPLICANT}),
    "applications:receipt": municipal({APPLICANT} | STAFF),
    "applications:check": everywhere(CASE_WORK),
    "applications:check-step": writes(CASE_WORK),
    "applications:staff-calls": STAFF_ONLY, "applications:staff-call": STAFF_ONLY,
    "applications:staff-call-csv": STAFF_ONLY,

    # jury (pages)
    "jury:workspace": everywhere(JURY | STAFF),
    "jury:declare": jury(NOBODY, NOBODY, NOBODY, act=(PANEL, PANEL, {JUROR, CHAIR}),
                         elsewhere=({JUROR, EXCLUDED}, {JUROR, EXCLUDED}, {JUROR})),
    "jury:score": jury({JUROR}, {JUROR}, {JUROR}, elsewhere=({EXCLUDED}, {EXCLUDED}, NOBODY)),
    "jury:sheets": jury({CHAIR} | STAFF, {CHAIR} | STAFF, {CHAIR} | STAFF),
    "jury:panel": STAFF_ONLY,
    "jury:panel-start": writes(CASE_WORK), "jury:panel-auto-assign": writes(CASE_WORK),
    "jury:panel-assign": writes(CASE_WORK), "jury:panel-unassign": writes(CASE_WORK),
    "jury:panel-reopen": writes(CASE_WORK),
    "jury:ranking": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF),
    "jury:ranking-csv": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF),
    # the PDF and the workbook are requested (POST) and made in the background, then fetched from downloads/
    "jury:ranking-xlsx": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF, get=False,
                              act=(PANEL | STAFF, {OTHER_JUROR} | STAFF, None)),
    "jury:ranking-pdf": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF, get=False,
                             act=(PANEL | STAFF, {OTHER_JUROR} | STAFF, None)),
    "jury:session": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF),
    "jury:session-open": jury(NOBODY, get=False, act=(CASE_WORK | {CHAIR}, CASE_WORK, NOBODY)),
    "jury:session-decide": jury(NOBODY, get=False, act=({CHAIR}, NOBODY, NOBODY)),
    "jury:session-close": jury({CHAIR}, NOBODY),
    "jury:document": jury({JUROR, CHAIR} | STAFF),
    # the attachments of an application being scored: its assigned members, declared free of conflict
    "jury:attachment": jury({JUROR}, {JUROR}, {JUROR}),

    # grants and money (pages)
    "payments:grants": everywhere(SIGNED_IN),
    "payments:grant": municipal({APPLICANT} | STAFF),
    "payments:grant-waive": municipal(NOBODY, act={APPLICANT}, elsewhere={APPLICANT}),
    "payments:notice-download": municipal({APPLICANT} | STAFF),
    "payments:decisions": STAFF_ONLY, "payments:decisions-call": STAFF_ONLY, "payments:decision-case": STAFF_ONLY,
    "payments:decision-prepare": writes(CASE_WORK),
    "payments:decision-confirm": everywhere({APPROVER}),
    "payments:decision-discard": STAFF_ONLY,
    "payments:grant-amend": STAFF_ONLY, "payments:amendment": STAFF_ONLY,
    "payments:notice-run-start": STAFF_ONLY, "payments:notice-run": STAFF_ONLY,
    "payments:disbursement-grants": everywhere(SIGNED_IN),
    "payments:grant-disbursements": municipal({APPLICANT} | STAFF),
    "payments:bank-accounts": everywhere(SIGNED_IN - MEMBERS, elsewhere=MEMBERS),
    "payments:bank-account": municipal({APPLICANT} | STAFF, act={APPLICANT}),
    "payments:bank-account-confirm": writes(STAFF),
    "payments:disbursement-queue": STAFF_ONLY, "payments:disbursement": STAFF_ONLY,
    "payments:disbursement-check": writes(STAFF), "payments:disbursement-release": writes(STAFF),
    "payments:disbursement-reject": writes(STAFF),
    "payments:payment-runs": STAFF_ONLY, "payments:payment-run-create": STAFF_ONLY, "payments:payment-run": STAFF_ONLY,
    "payments:payment-run-file": STAFF_ONLY, "payments:payment-run-confirm": STAFF_ONLY,
    "payments:payment-run-cancel": STAFF_ONLY,
    "payments:proofs": everywhere(SIGNED_IN),
    "payments:grant-proofs": municipal({APPLICANT} | STAFF),
    "payments:proof-detail": municipal({APPLICANT} | STAFF),
    "payments:proof-edit": municipal({APPLICANT}),
    "payments:proof-submit": municipal({APPLICANT}),
    "payments:recovery-notice": municipal(NOBODY, act=NOBODY, elsewhere={APPLICANT} | STAFF),
    "payments:proof-queue": STAFF_ONLY, "payments:proof-check": everywhere(CASE_WORK),
    "payments:settlements": STAFF_ONLY, "payments:settlement-detail": STAFF_ONLY,
    "payments:settlement-prepare": everywhere(CASE_WORK), "payments:settlement-discard": everywhere(CASE_WORK),
    "payments:settlement-confirm": everywhere({APPROVER}),
    "payments:recoveries": STAFF_ONLY, "payments:recovery-detail": STAFF_ONLY, "payments:recovery-payment": STAFF_ONLY,
    "payments:recovery-waive": everywhere({APPROVER}),
    "payments:base-rates": STAFF_ONLY, "payments:base-rate-correct": STAFF_ONLY,
    "payments:dashboard": STAFF_ONLY, "payments:dashboard-actions": STAFF_ONLY, "payments:dashboard-call": STAFF_ONLY,
    "payments:dashboard-program": STAFF_ONLY, "payments:dashboard-export": STAFF_ONLY,
    "payments:dashboard-export-xlsx": writes(STAFF),

    # background work
    "downloads:list": everywhere(SIGNED_IN), "downloads:detail": OWNER_ONLY, "downloads:file": OWNER_ONLY,
    "outbox:stuck": STAFF_ONLY, "outbox:retry": writes(STAFF),

    # the API: reference data and the user's own things (lists are scoped by selectors)
    "api-root": everywhere(SIGNED_IN),
    "api-program-list": everywhere(SIGNED_IN), "api-program-detail": everywhere(SIGNED_IN),
    "api-call-list": everywhere(SIGNED_IN), "api-call-detail": everywhere(SIGNED_IN),
    "api-municipality-list": everywhere(SIGNED_IN), "api-municipality-detail": everywhere(SIGNED_IN),
    "api-membership-list": everywhere(SIGNED_IN),
    "api-membership-detail": municipal({APPLICANT}),
    "api-application-list": everywhere(SIGNED_IN, act=MEMBERS),
    "api-application-detail": municipal({APPLICANT, PARTNER}, act={APPLICANT}),
    "api-application-attachments": municipal({APPLICANT, PARTNER}, act={APPLICANT}),
    "api-application-attachment": municipal({APPLICANT, PARTNER}, act={APPLICANT}),
    "api-application-timeline": municipal({APPLICANT, PARTNER}, act=NOBODY),
    "api-application-receipt": municipal({APPLICANT} | STAFF, act=NOBODY),
    "api-application-submit": municipal(NOBODY, act={APPLICANT}, get=False),
    "api-application-withdraw": municipal(NOBODY, act={APPLICANT}, get=False),
    "api-application-resubmit": municipal(NOBODY, act={APPLICANT}, get=False),
    "api-application-start-check": writes(CASE_WORK),
    "api-application-return-for-revision": writes(CASE_WORK),
    "api-application-decide-eligibility": writes(CASE_WORK),
    "api-application-checklist": everywhere(CASE_WORK, act=NOBODY),
    # the API: staff
    "api-staff-call-list": everywhere(STAFF, act=CASE_WORK), "api-staff-call-detail": everywhere(STAFF, act=CASE_WORK),
    "api-staff-application-list": STAFF_ONLY,
    "api-membership-review-list": everywhere(CASE_WORK), "api-membership-review-detail": everywhere(CASE_WORK),
    "api-membership-review-approve": writes(CASE_WORK), "api-membership-review-refuse": writes(CASE_WORK),
    "api-downloads-list": everywhere(SIGNED_IN), "api-downloads-detail": OWNER_ONLY,
    "api-downloads-file": OWNER_ONLY,
    "api-staff-outbox-list": STAFF_ONLY, "api-staff-outbox-retry": writes(STAFF),
    # program files for another installation: administrators (grants.transfer_program)
    "api-staff-program-export": everywhere({ADMIN}, act=NOBODY), "api-staff-program-import-file": writes({ADMIN}),
    # the API: jury
    "api-jury-panel-list": everywhere(SIGNED_IN),
    "api-jury-panel-detail": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF, act=(CASE_WORK, CASE_WORK, CASE_WORK)),
    "api-jury-panel-ranking": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF),
    "api-jury-panel-sessions": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF,
                                    act=(CASE_WORK | {CHAIR}, CASE_WORK, CASE_WORK | {CHAIR})),
    "api-jury-panel-workload": jury({CHAIR} | STAFF, STAFF),
    "api-jury-panel-assignments": everywhere(CASE_WORK),
    "api-jury-panel-affiliations": writes(CASE_WORK), "api-jury-panel-assign": writes(CASE_WORK),
    "api-jury-panel-auto-assign": writes(CASE_WORK), "api-jury-panel-members": writes(CASE_WORK),
    "api-jury-panel-start-evaluation": writes(CASE_WORK),
    "api-jury-assignment-list": everywhere(SIGNED_IN),
    "api-jury-assignment-unassign": writes(CASE_WORK),
    "api-jury-application-detail": jury({JUROR} | STAFF, {JUROR} | STAFF, {JUROR} | STAFF),
    "api-jury-application-scores": jury({JUROR}, {JUROR}, {JUROR}),
    "api-jury-application-sheets": jury({CHAIR} | STAFF, {CHAIR} | STAFF, {CHAIR} | STAFF),
    "api-jury-application-declare": jury(NOBODY, get=False, act=(PANEL, PANEL, {JUROR, CHAIR})),
    "api-jury-application-submit-scores": jury(NOBODY, get=False, act=({JUROR}, {JUROR}, {JUROR})),
    "api-jury-sheet-reopen": writes(CASE_WORK),
    "api-jury-session-detail": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF, act=({CHAIR}, NOBODY, {CHAIR})),
    "api-jury-session-close": jury(NOBODY, get=False, act=({CHAIR}, NOBODY, {CHAIR})),
    "api-jury-session-decisions": jury(PANEL | STAFF, {OTHER_JUROR} | STAFF, act=({CHAIR}, NOBODY, {CHAIR})),
    "api-jury-session-document": jury({JUROR, CHAIR} | STAFF, act=(NOBODY, NOBODY, NOBODY)),
    # the API: grants and money
    "api-payments-decision-list": everywhere(STAFF, act=CASE_WORK), "api-payments-decision-detail": STAFF_ONLY,
    "api-payments-decision-confirm": writes({APPROVER}), "api-payments-decision-discard": writes(STAFF),
    "api-payments-grant-list": everywhere(SIGNED_IN, act=NOBODY),
    "api-payments-grant-detail": municipal({APPLICANT} | STAFF, act=NOBODY),
    "api-payments-grant-amend": writes(STAFF), "api-payments-grant-confirm-amendment": writes({APPROVER}),
    "api-payments-grant-waive-appeal": municipal(NOBODY, act={APPLICANT}, get=False),
    "api-payments-notice-list": everywhere(SIGNED_IN),
    "api-payments-notice-detail": municipal({APPLICANT} | STAFF, act=NOBODY),
    "api-payments-notice-download": municipal({APPLICANT} | STAFF, act=NOBODY),
    "api-payments-disbursement-list": everywhere(SIGNED_IN, act={APPLICANT, FOREIGN}),
    "api-payments-disbursement-detail": municipal({APPLICANT}, act=NOBODY),
    "api-payments-bank-account-list": everywhere(SIGNED_IN, act=MEMBERS),
    "api-payments-bank-account-confirm": writes(STAFF),
    "api-staff-payments-disbursement-list": STAFF_ONLY, "api-staff-payments-disbursement-detail": STAFF_ONLY,
    "api-staff-payments-disbursement-check": writes(STAFF), "api-staff-payments-disbursement-release": writes(STAFF),
    "api-staff-payments-disbursement-reject": writes(STAFF),
    "api-staff-payments-notice-run-list": STAFF_ONLY, "api-staff-payments-notice-run-detail": STAFF_ONLY,
    "api-staff-payments-payment-run-list": STAFF_ONLY, "api-staff-payments-payment-run-detail": STAFF_ONLY,
    "api-staff-payments-payment-run-file": STAFF_ONLY, "api-staff-payments-payment-run-cancel": writes(STAFF),
    "api-staff-payments-payment-run-confirm": writes(STAFF),
    "api-payments-proof-list": everywhere(SIGNED_IN, act=NOBODY),
    "api-payments-proof-detail": municipal({APPLICANT}),
    "api-payments-proof-submit": municipal(NOBODY, act={APPLICANT}, get=False),
    "api-staff-payments-proof-list": STAFF_ONLY, "api-staff-payments-proof-detail": STAFF_ONLY,
    "api-staff-payments-proof-accept": writes(CASE_WORK),
    "api-staff-payments-proof-return-for-completion": writes(CASE_WORK),
    "api-staff-payments-settlement-list": STAFF_ONLY, "api-staff-payments-settlement-detail": STAFF_ONLY,
    "api-staff-payments-settlement-prepare": writes(CASE_WORK),
    "api-staff-payments-settlement-confirm": writes({APPROVER}),
    "api-staff-payments-settlement-discard": writes(CASE_WORK),
    "api-staff-payments-recovery-list": STAFF_ONLY, "api-staff-payments-recovery-detail": STAFF_ONLY,
    "api-staff-payments-recovery-payments": writes(STAFF),
    "api-staff-payments-recovery-waive-interest": writes({APPROVER}),
    "api-staff-payments-base-rate-list": STAFF_ONLY, "api-staff-payments-base-rate-correct": writes(STAFF),
    "api-payments-dashboard-detail": STAFF_ONLY, "api-payments-program-dashboard-detail": STAFF_ONLY,
    "api-payments-export-detail": STAFF_ONLY, "api-payments-export-detail[format]": STAFF_ONLY,
}


def expectation(key: str) -> Expect | None:
    """The row of a route: the table, or one of the two areas that are not the portal's own routes."""
    if key in TABLE:
        return TABLE[key]
    if key.startswith(("account_", "mfa_", "socialaccount_", "saml_", "openid_connect_")) or key in (
            "admin:login", "admin:logout"):
        return FLOW  # allauth's login, sign-up, password, second-factor and identity-provider pages
    if key.startswith("accounts/social/"):
        return FLOW  # allauth's unnamed redirects from the old socialaccount URLs to accounts/3rdparty/
    if key.startswith(("admin:", "admin/")):
        return ADMIN_SITE
    return None
