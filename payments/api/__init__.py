"""The payments API under /api/v1/ (see docs/api.md); one module per area."""

from . import dashboard, decisions, disbursements, notice_runs, proofs


def register(router) -> None:
    for area in (decisions, notice_runs, disbursements, proofs, dashboard):
        area.register(router)
