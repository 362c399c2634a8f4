from django.db.models import F, Q, QuerySet

from .enums import MembershipState
from .models import Membership, Municipality


def approved_municipality_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_approved_municipality_ids"):
        user._approved_municipality_ids = set(
            Membership.objects.filter(user=user, state=MembershipState.APPROVED)
            .values_list("municipality_id", flat=True)
        )
    return user._approved_municipality_ids


def approved_municipalities(user) -> QuerySet[Municipality]:
    return Municipality.objects.filter(pk__in=approved_municipality_ids(user)).order_by("name")


def memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("municipality").order_by("-requested_at")


def pending_memberships(*, q: str = "") -> QuerySet[Membership]:
    """The requests waiting for a decision, oldest first; `q` narrows them to those whose person (first name, last
    name, e-mail address) or municipality holds every word of it — "Jo Lauterbach" finds Jo's request for
    Lauterbach. The review page and the API alike."""
    qs = (
        Membership.objects.filter(state=MembershipState.REQUESTED)
        .select_related("user", "municipality", "municipality__landkreis")
        .order_by("requested_at", "pk")
    )
    for word in q.split():
        qs = qs.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word) | Q(municipality__name__icontains=word)
        )
    return qs


def municipalities_for_choice() -> QuerySet[Municipality]:
    return Municipality.objects.filter(active=True).select_related("landkreis").order_by("name")


def api_tokens_of(user):
    from .models import ApiToken

    # the keys in use first (with their actions), newest first; then the revoked ones. Written out: PostgreSQL puts
    # NULL (not revoked) last in an ascending order, SQLite first
    return ApiToken.objects.filter(user=user).order_by(F("revoked_at").asc(nulls_first=True), "-created_at")


def linked_identities(user, *, request=None) -> list[dict]:
    """The user's identities at identity providers (BundID, Mein Unternehmenskonto, a staff directory),
    with the provider's display name; the identifier itself (a pseudonym) is not shown."""
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialAccount

    names = {(app.provider_id or app.provider): app.name for app in get_adapter().list_apps(request)}
    return [{"provider": account.provider, "name": names.get(account.provider) or account.provider,
             "linked_at": account.date_joined, "last_login": account.last_login}
            for account in SocialAccount.objects.filter(user=user).order_by("date_joined", "pk")]
