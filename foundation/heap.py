"""What a long-running process (a web worker, a Celery pool child) holds from its start, kept out of the garbage
collector's full collections.

Python's collector walks every object it tracks on each full collection. A web process holds about 175,000 of them
once Django, the apps and the URL patterns are loaded (measured: `python -c "import config.wsgi"`), nearly all of
them alive until the process ends, and one full collection of them takes 120–135 ms (2-core machine). Full
collections come when enough objects have survived two younger collections: a large list or ranking page keeps its
thousands of rows alive across many of them, so every few such requests one of them stalled for the walk
(bench/scale.py at 10,000 cases: single requests of 540–830 ms on pages with a median of 35–170 ms).

`freeze_start_up_objects()` moves what the process holds so far into the collector's permanent generation
(`gc.freeze`): full collections then walk only what requests made since. Objects made later are collected as
before; a reference cycle among the frozen ones is never freed, which the recycling of web workers
(gunicorn's --max-requests) and of pool children (CELERY_WORKER_MAX_TASKS_PER_CHILD) bounds.

A web worker (and a Celery pool child, config/celery.py) also collects its youngest objects less often
(`YOUNG_THRESHOLD` instead of Python's 700 new objects). A list page builds thousands of objects that live until its
answer is written: at 700, each request ran dozens of young collections that walked them again and again and moved them
on to the older generations, whose collections then walked them once more: 3–5 ms a request on the heavy lists at 10,000
cases, and 126 ms on average on the ranking page, whose 3,115 rows filled the oldest generation until a full collection
ran (bench/scale.py, collection time counted by `gc.callbacks`, each request in turn with either threshold). At 50,000
none of those lists ran a collection during a request; their medians fell 3–12 %, the ranking page's from 189 to 135 ms.
The cost is memory: at most 50,000 objects more before a collection finds the garbage among them that references alone
do not free (a few MB). A pool child rendering grant notices spent 18 ms a notice in collections with Python's setting
and 5 ms at 50,000 (mean of 80 notices each, in turn in one process, `gc.callbacks`).
"""

import gc

YOUNG_THRESHOLD = 50_000  # new objects (net) before a young collection (web worker, pool child); Python's: 700


def freeze_start_up_objects() -> int:
    """Collect once, then freeze everything tracked; returns how many objects are frozen (for the logs and tests)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def settle_collector() -> int:
    """What the collector of a web worker (and of a Celery pool child) is set to once loaded: its start-up objects
    frozen, young objects collected every `YOUNG_THRESHOLD` (the older generations' thresholds stay Python's).
    Returns how many objects are frozen."""
    frozen = freeze_start_up_objects()
    _young, *older = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, *older)
    return frozen


def settle_web_process() -> int:
    """For a web process once its WSGI application is loaded (config/wsgi.py): build the URL patterns, which Django
    otherwise builds on the first request, then settle the collector (`settle_collector`)."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  (reading it imports every urls and views module and fills the tables)
    return settle_collector()
