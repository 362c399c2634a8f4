"""proofs: services (owned by the proofs area)."""

AUDIT_LABELS: dict = {}
