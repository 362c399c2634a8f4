"""What the payment areas share. Services call these inside their own transaction."""

import hashlib

from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from accounts.models import User

from ..exceptions import PaymentsError
from ..models import Grant, Notice


def require(allowed: bool, message, *, field: str | None = None) -> None:
    if not allowed:
        raise PaymentsError(message, field=field)


def lock_grant(grant_id: int) -> Grant:
    """The grant row, locked until the end of the transaction (every money change on a grant takes it)."""
    try:
        return (Grant.objects.select_for_update(of=("self",))
                .select_related("application", "application__lead", "call", "call__program").get(pk=grant_id))
    except Grant.DoesNotExist:
        raise PaymentsError(_("Diese Zuwendung existiert nicht.")) from None


def run_transition(obj, method_name: str, actor: User) -> tuple[str, str]:
    """Call an FSM transition after checking its permission; returns (from_state, to_state)."""
    method = getattr(obj, method_name)
    source = obj.state
    if not has_transition_perm(method, actor):
        raise PaymentsError(
            _("Dieser Schritt ist im Status „%(state)s“ für Sie nicht möglich.") % {"state": obj.get_state_display()})
    method()
    return source, obj.state


def store_notice(*, application, grant, kind: str, pdf_bytes: bytes, figures: dict, issued_on,
                 version: int | None = None) -> Notice:
    """Store a notice as the next version of the application's notices (``version`` when the caller read the
    highest already); never replaces one."""
    if version is None:
        version = (Notice.objects.filter(application=application).aggregate(m=Max("version"))["m"] or 0) + 1
    notice = Notice(application=application, grant=grant, kind=kind, version=version,
                    sha256=hashlib.sha256(pdf_bytes).hexdigest(), figures=figures, issued_on=issued_on)
    notice.file.save(f"notice-{version}.pdf", ContentFile(pdf_bytes), save=False)
    notice.save()
    return notice


def grantee_addresses(application) -> list[str]:
    return list(User.objects.filter(
        memberships__municipality_id=application.lead_id, memberships__state="approved", is_active=True,
    ).values_list("email", flat=True))


def role_addresses(*roles: str) -> list[str]:
    return list(User.objects.filter(groups__name__in=roles, is_active=True).distinct()
                .values_list("email", flat=True))
