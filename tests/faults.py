"""Real processes for the fault tests and bench/faults.py: a private redis-server on a free port and a
Celery worker (prefork) consuming from it, against the test database. Nothing here is mocked.

FAULTS_WORKER_LOG=/path (and FAULTS_WORKER_LOG_LEVEL=info) keep the worker's log for debugging."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, timeout=10, what="redis-server to start")
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Worker:
    """`celery -A config worker` with one prefork child, on the given broker and database."""

    def __init__(self, *, broker_url: str, database_url: str, media_root: str, name: str = "faults"):
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "DATABASE_URL": database_url,
                    "REDIS_URL": broker_url, "MEDIA_ROOT": media_root}
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", os.environ.get("FAULTS_WORKER_LOG_LEVEL", "warning"),
             "-n", f"{self.name}@%h"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, start_new_session=True,
            stderr=open(os.environ["FAULTS_WORKER_LOG"], "ab") if os.environ.get("FAULTS_WORKER_LOG")  # noqa: SIM115
            else subprocess.DEVNULL)
        wait_for(lambda: bool(self.children()), timeout=60, what="the worker's child process")
        return self

    def children(self) -> list[int]:
        if not self.process:
            return []
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill_child(self) -> int:
        """SIGKILL the pool's child. Under load the pool may be between children (one just
        replaced), so wait for one rather than assume it is there; a dead main process is an error."""
        found: list[int] = []

        def child_there() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the worker's main process is gone (exit code "
                                   f"{self.process.returncode if self.process else None})")
            found[:] = self.children()
            return bool(found)

        wait_for(child_there, timeout=30, what="a worker child to kill", every=0.05)
        os.kill(found[0], signal.SIGKILL)
        return found[0]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.2, between=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if between is not None:
            between()
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:.0f}s for {what}")


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def terminate_other_connections() -> int:
    """Kill every other backend on the test database (as a database restart does to the worker)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]
