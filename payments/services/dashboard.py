"""dashboard: services (owned by the dashboard area)."""

AUDIT_LABELS: dict = {}
