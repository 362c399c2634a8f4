"""Reads of applications, scoped to what the user may see (a guessed id gives 404)."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Municipality
from accounts.selectors import approved_municipality_ids
from audit.selectors import timeline_for
from foundation.counts import count_per_row

from .enums import ApplicationState
from .models import Application


def visible_applications(user) -> QuerySet[Application]:
    """Staff see every submitted application; members see those of their municipalities."""
    qs = Application.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_staff_role:
        own = approved_municipality_ids(user)
        return qs.filter(~Q(state=ApplicationState.DRAFT) | Q(lead_id__in=own))
    ids = approved_municipality_ids(user)
    if not ids:
        return qs.none()
    return qs.filter(_of_municipalities(ids))


def _of_municipalities(ids) -> Q:
    """The applications led or joined as partner by the municipalities `ids`. The two are found through their own
    indexes and joined as one set of ids (issue 13): written as ``lead OR EXISTS(partner)`` the database read every
    application to test the condition on each."""
    led = Application.objects.filter(lead_id__in=ids).order_by().values("pk")
    partnered = Application.partners.through.objects.filter(municipality_id__in=ids).order_by().values("application_id")
    return Q(pk__in=led.union(partnered, all=True))


def without_proposal_texts(qs: QuerySet, path: str = "") -> QuerySet:
    """`qs` without the long texts of its applications — the application itself, or the one at `path` of a
    joined row (e.g. "grant__application"). Every list reads its rows through this: a real proposal's four
    texts are several kilobytes that PostgreSQL keeps out of the row (TOAST) and a list row never shows; its
    query-count tests would catch a row that read one (one query more per row)."""
    prefix = f"{path}__" if path else ""
    return qs.defer(*(prefix + name for name in Application.PROPOSAL_TEXTS))


def applications_for_user(user, *, state: str = "", q: str = "") -> QuerySet[Application]:
    """The applications of the user's municipalities, as lead or as partner, newest change first; `state` and `q`
    (`search_applications`) narrow them: the filters of the municipality's list, page and API alike."""
    qs = without_proposal_texts(Application.objects.filter(_of_municipalities(approved_municipality_ids(user)))
                                .select_related("lead", "call").order_by("-updated_at", "-pk"))
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = search_applications(qs, q)
    return qs


def application_detail(user, pk: int) -> Application:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        visible_applications(user).select_related("call__program", "lead", "lead__landkreis", "created_by")
        .prefetch_related("partners", "topics", "cost_lines", "third_party",
                          Prefetch("attachments"), "receipts"),
        pk=pk,
    )


def staff_applications(*, call_id: int, state: str = "", topic: str = "", landkreis: str = "",
                       joint: str = "", q: str = "", order: str = "") -> QuerySet[Application]:
    """The submitted applications of a call for case workers, filtered and sorted. No join fans out the rows
    (issue 13): the partner count is a subquery and the topic filter an EXISTS, so neither DISTINCT nor
    GROUP BY runs over the wide rows — the page's COUNT(*) and its SELECT stay at the floor."""
    qs = (without_proposal_texts(Application.objects.filter(call_id=call_id).exclude(state=ApplicationState.DRAFT))
          .select_related("lead", "lead__landkreis")
          .annotate(n_partners=count_per_row(Application.partners.through.objects, to="application"))
          .prefetch_related("topics"))
    if state:
        qs = qs.filter(state=state)
    if topic:
        qs = qs.filter(Exists(Application.topics.through.objects.filter(application_id=OuterRef("pk"),
                                                                       topic_id=topic)))
    if landkreis:
        qs = qs.filter(Q(lead__landkreis_id=landkreis) | Q(lead_id=landkreis))
    if joint == "joint":
        qs = qs.filter(n_partners__gt=0)
    elif joint == "single":
        qs = qs.filter(n_partners=0)
    if q:
        qs = search_applications(qs, q)
    orders = {
        "submitted": ("submitted_at", "pk"), "-submitted": ("-submitted_at", "-pk"),
        "grant": ("grant_amount", "pk"), "-grant": ("-grant_amount", "-pk"),
        "case": ("case_number",), "-case": ("-case_number",),
        "lead": ("lead__name", "pk"), "state": ("state", "pk"),
    }
    return qs.order_by(*orders.get(order, ("submitted_at", "pk")))




def search_applications(qs: QuerySet[Application], text: str) -> QuerySet[Application]:
    """`qs` narrowed to the applications with `text` in their title, case number or lead municipality's name
    (case-insensitive substring): the search of the case workers' list, of the jury panel's list and of a
    municipality's own list.

    On PostgreSQL every part is served by an index, so the planner can combine them (BitmapOr): the title and
    the case number by their trigram indexes (migration 0006_search_trigram_indexes), the lead by its foreign
    key index, given the ids of the municipalities whose name matches — looked up here, in one small query
    (the name has a trigram index too). Matching `lead__name` through the join instead would put one part of
    the OR in another table, which no index of the applications can serve: the planner would read every row
    of the call (or of the table) and test the three conditions on each."""
    leads = list(Municipality.objects.filter(name__icontains=text).order_by().values_list("pk", flat=True))
    return qs.filter(Q(title__icontains=text) | Q(case_number__icontains=text) | Q(lead_id__in=leads))


def found_in_call(call_id: int, text: str) -> set[int]:
    """The ids of the call's applications `search_applications` finds for `text`, in one query: how lists that are not
    querysets (a ranking read from its cache, a call's candidates for a decision) find their rows."""
    return set(search_applications(Application.objects.filter(call_id=call_id).order_by(), text)
               .values_list("pk", flat=True))


def search_by_application(qs: QuerySet, text: str, *, via: str = "application") -> QuerySet:
    """`qs`, rows about applications (grants, jury assignments, requests for money, proofs, settlements,
    recoveries), narrowed to those whose application — reached through the relation `via` — `search_applications`
    finds for `text`; `qs` itself for no text. The applications' ids are a subquery, so each list keeps its own
    order and its own index."""
    if not text:
        return qs
    return qs.filter(**{f"{via}_id__in": search_applications(Application.objects.order_by(), text).values("pk")})


STAFF_SORTS = ["submitted", "-submitted", "grant", "-grant", "case", "-case", "lead", "state"]


def application_timeline(application: Application):
    return timeline_for(application)
