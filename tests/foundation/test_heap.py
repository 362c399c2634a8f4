"""A web process keeps what it holds from its start out of the garbage collector's full collections
(foundation/heap.py, called by config/wsgi.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from foundation import heap

ROOT = Path(__file__).resolve().parents[2]

# Run in a process of its own, as gunicorn loads the module: freezing the test process would change every other test.
PROBE = """
import gc, json
import config.wsgi
from django.urls import get_resolver
frozen = gc.get_freeze_count()
populated = get_resolver()._populated
gc.collect()
young = len(gc.get_objects())
print(json.dumps({"frozen": frozen, "populated": populated, "young": young, "threshold": gc.get_threshold()}))
"""


def _probe():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "heap-test",
           "DATABASE_URL": "sqlite:///:memory:"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_web_process_freezes_what_it_holds_once_loaded():
    seen = _probe()
    # Django, the apps and every URL pattern (built before the freeze, not on the first request): well over 100,000
    assert seen["populated"] is True
    assert seen["frozen"] > 100_000
    # what a full collection still walks is what was made after loading: a small fraction of it
    assert seen["young"] < seen["frozen"] / 10
    # young objects are collected every 50,000 (net) new ones, not Python's 700; the older generations as Python does
    assert seen["threshold"] == [heap.YOUNG_THRESHOLD, 10, 10]
    assert heap.YOUNG_THRESHOLD == 50_000
