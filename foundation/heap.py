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
"""

import gc


def freeze_start_up_objects() -> int:
    """Collect once, then freeze everything tracked; returns how many objects are frozen (for the logs and tests)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def settle_web_process() -> int:
    """For a web process once its WSGI application is loaded (config/wsgi.py): build the URL patterns, which Django
    otherwise builds on the first request, then freeze what the process holds."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  (reading it imports every urls and views module and fills the tables)
    return freeze_start_up_objects()
