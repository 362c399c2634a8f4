"""decisions: services (owned by the decisions area)."""

AUDIT_LABELS: dict = {}
