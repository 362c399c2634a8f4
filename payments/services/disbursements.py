"""disbursements: services (owned by the disbursements area)."""

AUDIT_LABELS: dict = {}
