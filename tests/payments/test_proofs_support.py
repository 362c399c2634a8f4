"""Helpers of the proofs tests (no tests here): grants whose project has ended, accepted final proofs."""

import datetime as dt
from decimal import Decimal

from payments.enums import GrantState, ProofKind
from payments.models import BaseRate, Grant, ProofOfUse
from payments.services import proofs as services
from payments.services import proofs_recovery as recovery_svc
from tests.factories import staff_user
from tests.payments.factories import make_grant

START, END = dt.date(2024, 3, 1), dt.date(2025, 6, 30)

# Test values for the half-years after the official table (the real ones are entered by staff).
TEST_RATES_2026 = [(dt.date(2026, 1, 1), Decimal("1.27")), (dt.date(2026, 7, 1), Decimal("1.27"))]


def ended_grant(**kwargs) -> Grant:
    """A grant in implementation whose project ran 01.03.2024 – 30.06.2025 (200.000 € eligible, 180.000 € max)."""
    kwargs.setdefault("state", GrantState.IN_IMPLEMENTATION)
    kwargs.setdefault("years", {2024: "1", 2025: "1"})
    kwargs.setdefault("start", START)
    kwargs.setdefault("end", END)
    kwargs.setdefault("issued_on", dt.date(2024, 2, 1))
    return make_grant(**kwargs)


def pay(grant: Grant, amount) -> Grant:
    """Record money as paid out (the disbursements area does this through its payment runs)."""
    Grant.objects.filter(pk=grant.pk).update(requested_amount=Decimal(amount), paid_amount=Decimal(amount))
    grant.refresh_from_db()
    return grant


def final_proof(grant: Grant) -> ProofOfUse:
    services.schedule_proofs(grant)
    return ProofOfUse.objects.get(grant=grant, kind=ProofKind.FINAL)


def submit_final(grant: Grant, eligible_by_line: list[str], *, report="Umgesetzt wie geplant.") -> ProofOfUse:
    proof = final_proof(grant)
    lines = list(proof.cost_lines.order_by("budget_year", "position", "pk"))
    inputs = [services.ProofLineInput(amount=Decimal(a), line_id=line.pk)
              for line, a in zip(lines, eligible_by_line, strict=True)]
    services.save_proof_draft(actor=grant.grantee, proof_id=proof.pk, report=report, third_party_funds="0",
                              lines=inputs)
    return services.submit_proof(actor=grant.grantee, proof_id=proof.pk)


def accepted_final(grant: Grant, eligible_by_line: list[str], checker=None) -> ProofOfUse:
    proof = submit_final(grant, eligible_by_line)
    return services.accept_proof(actor=checker or staff_user("case_worker"), proof_id=proof.pk, note="geprüft")


def seed_rates(*extra):
    recovery_svc.seed_base_rates()
    for valid_from, rate in extra:
        BaseRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate})
