"""Celery discovers payments.tasks; the tasks live in one module per area."""

from .dashboard import *  # noqa: F403
from .decisions import *  # noqa: F403
from .disbursements import *  # noqa: F403
from .proofs import *  # noqa: F403
