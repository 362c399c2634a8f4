"""A private ``redis-server`` for fault tests: started on a free port, killed and restarted at will,
never the machine's shared Redis (which other tests and engineers use).

    from tests.redis_server import private_redis  # the fixture (see tests/test_cache.py)

    @pytest.mark.redis
    def test_x(private_redis):
        private_redis.kill()      # SIGKILL, as an OOM kill or a crashed host
        private_redis.start()     # same port, empty

Needs ``redis-server`` on PATH; without it the test is skipped (fails with REQUIRE_SERVICES=1).
"""

import shutil
import socket
import subprocess
import time

import pytest

from tests.services import unavailable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, executable: str, port: int):
        self.executable = executable
        self.port = port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"redis-server exited with {self.process.returncode}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"redis-server does not listen on {self.port}")

    def kill(self) -> None:
        """As the OOM killer or a crashed host does: SIGKILL, no goodbye to the clients."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    executable = shutil.which("redis-server")
    if not executable:
        unavailable("needs redis-server on PATH (apt-get install redis-server)")
    server = RedisServer(executable, free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()
