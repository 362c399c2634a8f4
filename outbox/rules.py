"""Who may see and retry stuck background work: staff roles (case work, approval, administration)."""

import rules


@rules.predicate
def is_staff_role(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff_role", False))


rules.add_perm("outbox.view_stuck_work", is_staff_role)
rules.add_perm("outbox.retry_work", is_staff_role)
