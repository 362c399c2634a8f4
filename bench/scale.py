"""Every list page and every API list at 100 / 1,000 / 10,000 applications, against a bare view (issue 13).

Goal at 10,000 applications: every page ≤ 10 queries, ≤ 200 KB and ≤ 2 × a bare Django view of the same page.

The data, in two parts:

* **Through the services** (real states, derived fields, audit trail, documents): the demo loaders
  ``load_demo`` and ``load_demo_money`` — two programmes (SHH2 and "Digitale Dörfer"), four calls, an
  application submitted (``submit_application``), three through the formal check and the jury
  (``decide_eligibility``, ``auto_assign``, ``save_scores``), decisions prepared and confirmed by two people,
  notices rendered, an appeal waived, bank accounts confirmed, disbursements requested, checked, released,
  paid in payment runs, proofs of use submitted, accepted and settled, a recovery. These 11 applications are
  the **templates**.
* **In bulk** (``bulk_create``; the services would take hours for 10,000 cases): copies of the templates with
  every row that hangs off them — cost lines, topics, partners, attachments, receipts, jury assignments,
  sheets and scores, decisions, grants, commitments, notices, disbursements, proofs with their cost lines,
  settlements and recoveries — under new case numbers, titles and lead municipalities (one in ten is the
  demo applicant's town, so that its member sees the most rows; ~420 municipalities). A copy is in the state
  its template reached through the services. Counters kept by the services on shared rows (the tranche's
  committed sum, a payment run's total) are not raised for the copies: lists do not read them.

What is measured: every GET route of the portal (URL resolver, tests/access/routes.py) and of the API that
renders a page of rows — found by watching the paginators (``foundation.paging`` for pages, DRF's
``PageNumberPagination`` for the API), so a new list is measured without being named here. Each is measured
as the role (of those the access table lets see it) and with the object (call, programme, panel, grant …) that
give it the most rows: queries, median time of several runs, size of the answer, and the same figures of a
**bare view** — one ``.values()`` query of the same page of the same rows (the list's own queryset: same
filter, same order, the model's short columns), rendered with a trivial template (pages) or as JSON (API) —
behind the same middleware and login, taken in turn with the page in every run. Ratio = median page time /
median bare time.
For an API list, also the median time its answer spends in DRF's serializers (the page's list serializer writing
its rows on the instances already loaded), in runs of its own after the timed ones.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shh_scale_bench .venv/bin/python bench/scale.py
      [--sizes 100,1000,10000] [--quick] [--runs 5] [--only jury] [--sql] [--profile] [--explain] [--columns]
PostgreSQL only. It builds its own throw-away database (``<name>_test``); it asserts nothing. Settings are the
test settings (local-memory cache, eager tasks), as in the other benches.
"""

import argparse
import copy
import itertools
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connection, models  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402

GOAL_QUERIES, GOAL_KB, GOAL_RATIO = 10, 200, 2.0
ROLES = ("applicant", "juror", "chair", "case_worker", "approver", "admin")
USERS = {"applicant": "kommune", "juror": "jury2", "chair": "jury", "case_worker": "sachbearbeitung",
         "approver": "bewilligung", "admin": "admin"}
SKIP = ("csv", "xlsx", "file", "download", "pdf", "export", "receipt", "document", "notice")  # files, not pages
STATE_SHARE = {  # share of the copies per template (by the template's title)
    "Digitaler Zwilling der Innenstadt": 20, "Sensornetz Hochwasser": 10,
    "Open-Data-Portal des Kreises": 10, "Videosprechstunde im ländlichen Raum": 10,
    "Smarte Straßenbeleuchtung": 10,  # two templates of this title: the evaluated one and the recommended one
    "Digitale Bürgerdienste im Kreis": 5, "Mobilitätsdaten-Plattform": 5,
    "Digitales Rathaus": 5, "Pegelmessnetz Lahn": 5, "Bürger-App mit Mängelmelder": 5,
}


# ---------------------------------------------------------------- data

def load_templates():
    """The applications the demo drives through the services."""
    from django.core.management import call_command

    from applications.models import Application

    call_command("load_demo", no_logins=True, verbosity=0)
    call_command("load_demo_money", verbosity=0)
    return list(Application.objects.order_by("pk"))


def more_municipalities(total=420):
    from accounts.models import Municipality

    kreise = list(Municipality.objects.filter(kind="landkreis").order_by("pk"))
    have = Municipality.objects.count()
    Municipality.objects.bulk_create(
        Municipality(name=f"Skalierungsgemeinde {i}", kind="gemeinde", landkreis=kreise[i % len(kreise)],
                     official_key=f"{kreise[i % len(kreise)].official_key[:5]}{700 + i // len(kreise):03d}")
        for i in range(max(0, total - have)))


# model → the field that leads to the application (its rows are copied with it), in the order of their FKs
def _graph():
    from applications.models import Application, Attachment, CostLine, Receipt
    from jury.models import Assignment, Score, ScoreSheet
    from payments.models import (
        Commitment,
        Decision,
        DisbursementRequest,
        Grant,
        Notice,
        ProofCostLine,
        ProofOfUse,
        Recovery,
        Settlement,
    )

    return [(CostLine, "application"), (Application.topics.through, "application"),
            (Application.partners.through, "application"), (Attachment, "application"), (Receipt, "application"),
            (Assignment, "application"), (ScoreSheet, "assignment__application"),
            (Score, "sheet__assignment__application"), (Decision, "application"), (Grant, "application"),
            (Commitment, "grant__application"), (Notice, "application"), (DisbursementRequest, "grant__application"),
            (ProofOfUse, "grant__application"), (ProofCostLine, "proof__grant__application"),
            (Settlement, "grant__application"), (Recovery, "grant__application")]


def _fresh(row):
    new = copy.copy(row)
    new.pk = None
    new._state = models.base.ModelState()
    return new


# A real proposal describes itself at length: the copies get texts of about the size the call's form invites
# (1,200 characters each, ≈ 5 KB per application, words drawn at random so that PostgreSQL compresses them about
# as much as prose), where the demo's templates have a sentence. A list that reads them without showing them pays
# for it; the bare view reads the short columns only.
_WORDS = ("Kommune", "Partner", "Datenplattform", "Sensordaten", "Verkehr", "Umwelt", "Energie", "Bürgerinnen",
          "Bürger", "Verwaltung", "Unternehmen", "offene", "Schnittstellen", "Beteiligung", "Straßenbeleuchtung",
          "Ladepunkte", "Haltestellen", "Messwerte", "Landkreis", "Gemeinde", "Betrieb", "Wartung", "Datenschutz",
          "Ausschreibung", "Erprobung", "Übertragbarkeit", "Nachnutzung", "Quellcode", "Dokumentation",
          "Schulung", "Ehrenamt", "Vereine", "Einzelhandel", "Innenstadt", "Leerstand", "Mobilität", "Pendler",
          "Radwege", "Parkraum", "Lärmschutz", "Hochwasser", "Pegel", "Warnung", "Feuerwehr", "Videosprechstunde",
          "Praxis", "Pflege", "Quartier", "Dorfladen", "Breitband", "Funknetz", "LoRaWAN", "Zählung",
          "Auswertung", "Karte", "Portal", "App")


def _proposal_text(rng: random.Random, length: int = 1200) -> str:
    return " ".join(rng.choices(_WORDS, k=length // 6))[:length]  # the words average about 10 letters


PROPOSAL_FIELDS = ("summary", "objectives", "benefit", "transferability")


def copy_templates(templates, count, *, start):
    """`count` copies of the templates (shares as STATE_SHARE), numbered from `start`, in bulk."""
    from accounts.models import Membership, Municipality
    from applications.models import Application

    weighted = [t for t in templates for _ in range(STATE_SHARE.get(t.title, 1))]
    random.Random(start).shuffle(weighted)
    plan = list(itertools.islice(itertools.cycle(templates + weighted), count))  # every template at least once
    munis = list(Municipality.objects.exclude(kind="landkreis").values_list("pk", flat=True))
    home = Membership.objects.filter(user__email="kommune@demo.example").order_by("pk")[0].municipality_id
    apps, texts = [], random.Random(start)
    for i, template in enumerate(plan):
        n = start + i
        app = _fresh(template)
        app.lead_id = home if n % 10 == 0 else munis[n % len(munis)]
        app.title = f"{template.title} {n}"
        app.case_number = None if template.case_number is None else f"SCALE-{n:06d}"
        for name in PROPOSAL_FIELDS:
            setattr(app, name, _proposal_text(texts))
        apps.append(app)
    new_apps = Application.objects.bulk_create(apps, batch_size=2000)
    by_template = {}
    for template, app in zip(plan, new_apps, strict=True):
        by_template.setdefault(template.pk, []).append(app.pk)
    # the rows below each template, copied per copy with their foreign keys to copied rows remapped
    mapped = {Application: {t.pk: by_template.get(t.pk, []) for t in templates}}
    serial = itertools.count(start * 10)
    for model, path in _graph():
        rows = list(model.objects.filter(**{f"{path}__in": [t.pk for t in templates]}).order_by("pk"))
        fks = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model in mapped]
        new_rows, origin = [], []
        first = model._meta.get_field(path.split("__")[0])
        for row in rows:
            copies = len(mapped[first.related_model].get(getattr(row, first.attname), []))
            for k in range(copies):
                new = _fresh(row)
                for f in fks:
                    old = getattr(row, f.attname)
                    if old is not None and old in mapped[f.related_model]:
                        setattr(new, f.attname, mapped[f.related_model][old][k])
                if getattr(new, "end_to_end_id", None):
                    new.end_to_end_id = f"SCALE-E2E-{next(serial)}"
                new_rows.append(new)
                origin.append(row.pk)
        created = model.objects.bulk_create(new_rows, batch_size=2000)
        table = {}
        for old, new in zip(origin, created, strict=True):
            table.setdefault(old, []).append(new.pk)
        mapped[model] = table
    return len(new_apps)


def grow_to(size, templates):
    from applications.models import Application

    have = Application.objects.count()
    if size > have:
        copy_templates(templates, size - have, start=have)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves the tables soon after a bulk load (visibility map too)


# ---------------------------------------------------------------- what a list page reads

SEEN = []  # (kind, rows, per_page, page number) of each paginator built during a request
SERIALIZED = []  # seconds in DRF's list serializers during a request (watch_paginators)


def watch_paginators():
    from rest_framework.pagination import PageNumberPagination

    import foundation.paging

    class Watched(foundation.paging.Paginator):
        def get_page(self, number):
            page = super().get_page(number)
            SEEN.append(("page", self.object_list, self.per_page, page.number))
            return page

    foundation.paging.Paginator = Watched
    plain = PageNumberPagination.paginate_queryset

    def paginate_queryset(self, queryset, request, view=None):
        out = plain(self, queryset, request, view)
        if out is not None:
            SEEN.append(("api", queryset, self.page.paginator.per_page, self.page.number))
        return out

    PageNumberPagination.paginate_queryset = paginate_queryset

    # The time an API answer spends in DRF's serializers: the page's list serializer writing its rows (its nested
    # serializers included), on instances already loaded.
    from rest_framework.serializers import ListSerializer

    written = ListSerializer.data

    def data(self):
        t = time.perf_counter()
        out = written.fget(self)
        SERIALIZED.append(time.perf_counter() - t)
        return out

    ListSerializer.data = property(data)


def _count(rows):
    return rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)


def short_columns(model):
    return [f.attname for f in model._meta.concrete_fields if not isinstance(f, models.TextField | models.JSONField)]


def bare_rows(kind, rows, per_page, number):
    """The floor: one `.values()` query of the same page of the same rows."""
    start = (number - 1) * per_page
    if isinstance(rows, models.QuerySet):
        return list(rows.values(*short_columns(rows.model))[start:start + per_page])
    page = list(rows)[start:start + per_page]
    model = type(page[0]) if page and isinstance(page[0], models.Model) else None
    if model is None:
        return None
    return list(model.objects.filter(pk__in=[r.pk for r in page]).values(*short_columns(model)))


BARE = {}  # bare id → (kind, rows, per_page, number)
BARE_TEMPLATE = None


def bare_view(request, n):
    from django.http import HttpResponse, JsonResponse
    from django.template import Context, Template

    kind, rows, per_page, number = BARE[n]
    values = bare_rows(kind, rows, per_page, number)
    if kind == "api":
        return JsonResponse({"results": values}, json_dumps_params={"default": str})
    global BARE_TEMPLATE
    if BARE_TEMPLATE is None:  # compiled once, as Django's cached loader keeps the pages' templates
        BARE_TEMPLATE = Template("<table>{% for r in rows %}<tr>{% for v in r.values %}<td>{{ v }}</td>{% endfor %}"
                                 "</tr>{% endfor %}</table>")
    return HttpResponse(BARE_TEMPLATE.render(Context({"rows": values})))


def bench_urlconf():
    from types import ModuleType

    from django.urls import path

    import config.urls

    urlconf = ModuleType("bench_scale_urls")
    urlconf.urlpatterns = [path("__bare__/<int:n>/", bare_view), *config.urls.urlpatterns]
    return urlconf


# ---------------------------------------------------------------- finding the lists

def candidates():
    """Kind of URL parameter (tests/access/kinds.py) → objects of the bench to try, largest first."""
    from django.db.models import Count

    from accounts.models import Membership
    from applications.models import Application
    from grants.models import Call, FundingProgram
    from jury.models import Assignment, Panel, ScoreSheet, Session
    from payments.models import (
        Amendment,
        BankAccount,
        BaseRate,
        DisbursementRequest,
        Grant,
        PaymentRun,
        ProofOfUse,
        Recovery,
        Settlement,
    )
    from payments.models import Decision as PayDecision

    def pks(qs, n=1):
        return list(qs.values_list("pk", flat=True)[:n])

    home = Membership.objects.filter(user__email="kommune@demo.example", state="approved")
    apps = Application.objects.filter(lead__in=home.values("municipality"), case_number__startswith="SHH")
    return {
        "call": pks(Call.objects.annotate(n=Count("applications")).order_by("-n"), 4),
        "program": pks(FundingProgram.objects.order_by("pk"), 2),
        "panel": pks(Panel.objects.all(), 2),
        "session": pks(Session.objects.all()),
        "grant": pks(Grant.objects.filter(application__in=apps).annotate(n=Count("disbursements")).order_by("-n"), 2),
        "payment_run": pks(PaymentRun.objects.annotate(n=Count("items")).order_by("-n")),
        "municipality": list(home.values_list("municipality_id", flat=True)),
        "draft": pks(apps.filter(state="draft")), "evaluated": pks(apps.filter(state="in_evaluation")),
        "recommended": pks(apps.filter(state="recommended")), "in_check": pks(apps.filter(state="in_formal_check")),
        "decision": pks(PayDecision.objects.filter(state="prepared")), "proof": pks(ProofOfUse.objects.all()),
        "submitted_proof": pks(ProofOfUse.objects.filter(state="submitted")),
        "settlement": pks(Settlement.objects.all()), "recovery": pks(Recovery.objects.all()),
        "disbursement": pks(DisbursementRequest.objects.all()), "bank_account": pks(BankAccount.objects.all()),
        "amendment": pks(Amendment.objects.all()), "base_rate": pks(BaseRate.objects.all()),
        "assignment": pks(Assignment.objects.all()), "sheet": pks(ScoreSheet.objects.all()),
    }


def urls_of(route, found):
    from tests.access.kinds import kinds_for

    kinds = kinds_for(route)
    choices = []
    for name in route.kwargs:
        kind = kinds.get(name)
        if isinstance(kind, str) and kind in found:
            choices.append(found[kind])
        elif isinstance(kind, str) or kind is None:
            return []
        else:
            choices.append([kind])
    return [route.url(dict(zip(route.kwargs, combo, strict=True))) for combo in itertools.product(*choices)][:6]


def discover(clients):
    """(label, url, role) of every list: each list page or endpoint with the role and object giving most rows."""
    from tests.access.routes import all_routes
    from tests.access.table import expectation

    found, lists = candidates(), []
    table = {"applicant": "applicant", "juror": "juror", "chair": "chair", "case_worker": "case_worker",
             "approver": "approver", "admin": "admin"}
    for route in all_routes():
        expect = expectation(route.key)
        if expect is None or expect.flow or expect.admin or not expect.get or any(s in route.key for s in SKIP):
            continue
        roles = [r for r in ROLES if table[r] in expect.see.get("own", ())]
        best = None
        for url in urls_of(route, found):
            for role in roles:
                SEEN.clear()
                response = clients[role].get(url)
                if response.status_code != 200 or not SEEN or getattr(response, "streaming", False):
                    continue
                rows = max(_count(s[1]) for s in SEEN)
                if best is None or rows > best[0]:
                    best = (rows, url, role)
        if best:
            lists.append((route.key, best[1], best[2]))
    return lists


# ---------------------------------------------------------------- measuring

def median_ms(client, urls, runs):
    """The median time of each url, the urls taken in turn in every run (a page, then its bare view), so that the
    machine's speed, which drifts on these shared cores, weighs on both alike."""
    times = {url: [] for url in urls}
    for _ in range(runs):
        for url in urls:
            t = time.perf_counter()
            response = client.get(url)
            times[url].append(time.perf_counter() - t)
            assert response.status_code == 200, (url, response.status_code)
    return [statistics.median(times[url]) * 1000 for url in urls]


def columns_ab(client, key, url, runs):
    """For --columns: an API list as it is (only the columns its serializer shows, foundation.api.ShapedReadMixin)
    and loading every column of the same joins, in turn in every run; prints both medians."""
    from foundation.api import ShapedReadMixin, _shape_of

    shaped = ShapedReadMixin.__dict__["shaped"]
    narrowed = []

    def counting(cls, queryset):
        result = shaped.__func__(cls, queryset)
        narrowed.append(result.query.deferred_loading != (frozenset(), True))
        return result

    def every_column(cls, queryset):
        return queryset.select_related(None).select_related(*sorted(_shape_of(cls).related))

    times = {"shown": [], "every": []}
    try:
        ShapedReadMixin.shaped = classmethod(counting)
        client.get(url)
        if not any(narrowed):
            return
        for _ in range(runs):
            for name, impl in (("shown", counting), ("every", every_column)):
                ShapedReadMixin.shaped = classmethod(impl)
                t = time.perf_counter()
                assert client.get(url).status_code == 200, url
                times[name].append(time.perf_counter() - t)
    finally:
        ShapedReadMixin.shaped = shaped
    every, shown = (statistics.median(times[n]) * 1000 for n in ("every", "shown"))
    print(f"{key[:48]:<48} every column {every:6.1f} ms   shown columns {shown:6.1f} ms   "
          f"{100 * (every - shown) / every:4.0f} % less")


def profile(client, url, top=30):
    """Where the time of one request goes (cProfile, by own and by cumulative time), for --profile."""
    import cProfile
    import pstats

    client.get(url)  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        client.get(url)
    profiler.disable()
    print(f"\n{url} (5 requests)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
    print(f"\n{url} (5 requests, by cumulative time)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def explain(captured, threshold_ms=2.0):
    """EXPLAIN ANALYZE of each slow query of one request, for --explain (a server-side cursor's DECLARE dropped)."""
    import re

    for query in captured:
        if float(query["time"]) * 1000 < threshold_ms:
            continue
        sql = re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR ', "", query["sql"])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n      ".join(line for (line,) in cursor.fetchall())
        print(f"  {float(query['time']) * 1000:.1f} ms: {sql[:200]}\n      {plan}")


def measure(client, url, runs, *, show_sql=False, explain_slow=False):
    SEEN.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if show_sql:
        print(f"\n{url}")
        for number, query in enumerate(ctx.captured_queries, 1):
            print(f"  {number:>2}. {float(query['time']) * 1000:5.1f} ms {query['sql'][:300]}")
    if explain_slow:
        explain(ctx.captured_queries)
    queries, size = len(ctx.captured_queries), len(response.content)
    seen = max(SEEN, key=lambda s: _count(s[1])) if SEEN else None
    rows = _count(seen[1]) if seen else 0
    bare_ms = None
    if seen and bare_rows(*seen) is not None:
        BARE[len(BARE)] = seen
        bare = f"/__bare__/{len(BARE) - 1}/"
        client.get(bare)  # warm, as the page is by the request above
        ms, bare_ms = median_ms(client, [url, bare], runs)
    else:
        (ms,) = median_ms(client, [url], runs)
    return {"rows": rows, "queries": queries, "kb": size / 1024, "ms": ms, "bare_ms": bare_ms,
            "drf_ms": serializer_ms(client, url, runs) if seen and seen[0] == "api" else None}


def serializer_ms(client, url, runs):
    """The median time of an API list's answer spent in DRF's serializers, in runs of its own (after the timed ones,
    so that the timing of these does not weigh on them)."""
    times = []
    for _ in range(runs):
        SERIALIZED.clear()
        client.get(url)
        times.append(sum(SERIALIZED))
    return statistics.median(times) * 1000


def verdicts(result, final):
    out = []
    if result["queries"] > GOAL_QUERIES:
        out.append("Q")
    if result["kb"] > GOAL_KB:
        out.append("KB")
    if final and result["bare_ms"] and result["ms"] / result["bare_ms"] > GOAL_RATIO:
        out.append("x")
    return out


def report(size, results, final):
    print(f"\n## {size:,} applications".replace(",", "."))
    print(f"{'list':<48} {'role':<11} {'rows':>6} {'q':>3} {'KB':>6} {'ms':>8} {'bare ms':>8} {'ratio':>6} "
          f"{'DRF ms':>7}  over")
    for key, role, r in results:
        ratio = f"{r['ms'] / r['bare_ms']:.1f}" if r["bare_ms"] else "-"
        bare = f"{r['bare_ms']:.1f}" if r["bare_ms"] else "-"
        drf = f"{r['drf_ms']:.1f}" if r["drf_ms"] is not None else "-"
        print(f"{key[:48]:<48} {role:<11} {r['rows']:>6} {r['queries']:>3} {r['kb']:>6.1f} {r['ms']:>8.1f} "
              f"{bare:>8} {ratio:>6} {drf:>7}  {' '.join(verdicts(r, final=True))}")
    over = [(k, verdicts(r, final)) for k, _role, r in results if verdicts(r, final)]
    met = len(results) - len(over)
    print(f"goals (≤{GOAL_QUERIES} queries, ≤{GOAL_KB} KB, ≤{GOAL_RATIO:g}× bare): {met} of {len(results)} lists meet "
          f"all" + ("" if not over else "; over: " + ", ".join(f"{k} ({'/'.join(v)})" for k, v in over)))
    # An API list's answer costs at least the bare view's work (request, session, user, one query of the page) plus
    # writing its rows through DRF's serializers; where the serializers alone take as long as the whole bare view,
    # the list cannot come within 2 × of it while DRF writes the answer.
    api = [(k, r) for k, _role, r in results if r["drf_ms"] is not None and r["bare_ms"]]
    over_api = [(k, r) for k, r in api if r["ms"] / r["bare_ms"] > GOAL_RATIO]
    if over_api:
        bound = [k for k, r in over_api if r["drf_ms"] >= r["bare_ms"]]
        print(f"API lists over {GOAL_RATIO:g}×: {len(over_api)} of {len(api)}; in {len(bound)} of them DRF's "
              f"serializers alone took at least the bare view's time" + (f" ({', '.join(bound)})" if bound else ""))
        # The other way round: were DRF's serializers free, which would still be over? What is left is reading the
        # page (count, ids, the rows as model instances with their related rows) and the request around it.
        still = [f"{k} {(r['ms'] - r['drf_ms']) / r['bare_ms']:.2f}×" for k, r in over_api
                 if (r["ms"] - r["drf_ms"]) / r["bare_ms"] > GOAL_RATIO]
        print(f"with DRF's serializers taking no time, {len(still)} of the {len(over_api)} would still be over "
              f"{GOAL_RATIO:g}×" + (f" ({', '.join(still)})" if still else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--quick", action="store_true", help="100 applications only")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="",
                        help="measure only the lists whose route contains one of these texts (comma-separated)")
    parser.add_argument("--sql", action="store_true", help="print the queries of each list (first 300 characters)")
    parser.add_argument("--profile", action="store_true", help="print where each list's time goes (cProfile)")
    parser.add_argument("--columns", action="store_true",
                        help="each API list that loads only its shown columns, against it loading every column")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan (EXPLAIN ANALYZE) of each query of a list that took over 2 ms")
    args = parser.parse_args()
    sizes = [100] if args.quick else sorted(int(s) for s in args.sizes.split(","))
    if connection.vendor != "postgresql":
        sys.exit("bench/scale.py needs PostgreSQL: DATABASE_URL=postgres://…/shh_scale_bench")

    from django.template import Template
    from rest_framework.test import APIClient

    import tests.conftest  # noqa: F401  (force_login passes the staff's second factor, as the tests do)
    from accounts.models import User
    from foundation.heap import settle_collector

    render = Template._render
    setup_test_environment()
    # ...but templates render as in production: the test environment makes every template render send a signal
    # on which the test client copies the context (47 renders a request on the jury panel), work no server does.
    Template._render = render
    logging.disable(logging.WARNING)  # eager tasks and refused requests log every call
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_test"
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    watch_paginators()
    try:
        with override_settings(ROOT_URLCONF=bench_urlconf()):
            t = time.perf_counter()
            templates = load_templates()
            more_municipalities()
            print(f"services: {len(templates)} applications in {time.perf_counter() - t:.0f} s", flush=True)
            clients = {}
            for role, name in USERS.items():
                clients[role] = APIClient()
                clients[role].force_login(User.objects.get(email=f"{name}@demo.example"))
            lists = None
            for size in sizes:
                t = time.perf_counter()
                grow_to(size, templates)
                # as a web worker does once loaded (config/wsgi.py, foundation/heap.py): what the process holds, here
                # with the objects of building the data, is kept out of full collections, young ones are collected less
                settle_collector()
                print(f"built {size} applications in {time.perf_counter() - t:.0f} s", flush=True)
                if lists is None:
                    wanted = args.only.split(",")
                    lists = [entry for entry in discover(clients) if any(part in entry[0] for part in wanted)]
                    print(f"{len(lists)} lists found", flush=True)
                results = [(key, role, measure(clients[role], url, args.runs, show_sql=args.sql,
                                                         explain_slow=args.explain))
                           for key, url, role in lists]
                if args.columns:
                    print("\nAPI lists, only the shown columns against every column (in turn, median):")
                    for key, url, role in lists:
                        columns_ab(clients[role], key, url, args.runs)
                if args.profile:
                    for _key, url, role in lists:
                        profile(clients[role], url)
                report(size, results, final=size == sizes[-1])
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


if __name__ == "__main__":
    main()
