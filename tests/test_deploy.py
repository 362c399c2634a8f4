"""Production deployment: settings pass `check --deploy`, the compose file and Dockerfile hold
what docs/deployment.md promises, and the /healthz/ view and its probe behave.

There is no Docker engine on the development machines, so the container files are checked by
parsing them; the commands they run (gunicorn with the image's CMD, the compose health checks,
collectstatic) are run here directly against the project.
"""

import json
import os
import re
import secrets
import shlex
import signal
import socket
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import pytest
import yaml
from django.db import OperationalError, connections
from django.urls import path, resolve

from config import health
from tests.services import redis_url

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE = BASE_DIR / "docker-compose.yml"
DOCKERFILE = BASE_DIR / "Dockerfile"
ENV_EXAMPLE = BASE_DIR / ".env.example"
APP_SERVICES = ("migrate", "web", "worker", "beat")

# URLconf for the view tests, so they do not depend on config/urls.py.
urlpatterns = [path("healthz/", health.healthz, name="healthz")]


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%&()*+-=?@^_"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def production_env(**extra: str) -> dict[str, str]:
    """A clean environment as in the container: no DEBUG, nothing from the test settings."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="foerderung.example.de",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited early: {process.communicate()[1]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port} after {seconds}s")


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    out, err = process.communicate()
    return (out or "") + (err or "")


# --- settings ---------------------------------------------------------------------------


@pytest.mark.slow
def test_check_deploy_passes_with_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "warning"),
    [({"SECURE_SSL_REDIRECT": "0"}, "security.W008"), ({"DEBUG": "1"}, "security.W018")],
)
@pytest.mark.slow
def test_check_deploy_fails_when_a_protection_is_switched_off(override, warning):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(**override))
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


@pytest.mark.slow
def test_settings_refuse_to_start_without_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_s3_variables_reach_the_storage_backend():
    """With AWS_STORAGE_BUCKET_NAME set, files go to that bucket (not to a bucket named None)."""
    env = production_env(
        AWS_STORAGE_BUCKET_NAME="foerderung-media", AWS_S3_ENDPOINT_URL="https://s3.example.de",
        AWS_S3_REGION_NAME="eu-central-1", AWS_ACCESS_KEY_ID="key-id",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    code = ("import django, json; django.setup(); "
            "from django.core.files.storage import storages; s = storages['default']; "
            "print(json.dumps([type(s).__name__, s.bucket_name, s.endpoint_url, "
            "s.region_name, s.default_acl, s.querystring_auth]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "S3Storage", "foerderung-media", "https://s3.example.de", "eu-central-1", "private", True]


def test_env_example_lists_every_variable_the_settings_read():
    source = (BASE_DIR / "config" / "settings.py").read_text()
    read = set(re.findall(
        r'(?:os\.environ\.get|os\.environ\[|os\.getenv|env_bool|env_list)\(?\s*"([A-Z][A-Z0-9_]*)"',
        source,
    ))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND"} <= read  # the regex works
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert read - listed == set(), "add these to .env.example"


def test_env_example_database_url_matches_the_postgres_service():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE))
    db = dj_database_url.parse(values["DATABASE_URL"])
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "db", values["POSTGRES_DB"], values["POSTGRES_USER"], values["POSTGRES_PASSWORD"])
    assert urlsplit(values["REDIS_URL"]).hostname == "redis"
    assert values["DEBUG"] == "0"
    assert values["MEDIA_ROOT"] == "/data/media"


@pytest.mark.slow
def test_static_files_collect_with_a_manifest(tmp_path):
    """The image runs collectstatic with DEBUG off (hashed names): every url() must resolve."""
    assert (BASE_DIR / "static" / "vendor" / "htmx.min.js").exists(), "run `npm ci` first"
    (tmp_path / "collect_settings.py").write_text(
        "from config.settings import *  # noqa\n"
        f"STATIC_ROOT = {str(tmp_path / 'static')!r}\n"
        # Same url() rewriting as whitenoise's CompressedManifestStaticFilesStorage, without
        # the (slow) compression.
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}\n"
    )
    env = production_env(DJANGO_SETTINGS_MODULE="collect_settings", PYTHONPATH=str(tmp_path),
                         DATABASE_URL=f"sqlite:///{tmp_path / 'build.sqlite3'}")
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert "vendor/htmx.min.js" in manifest
    assert "css/app.css" in manifest


# --- docker-compose.yml -----------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_the_production_services(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert compose["services"]["db"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7"
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


def test_database_and_redis_keep_their_data_and_report_health(compose):
    db, redis = compose["services"]["db"], compose["services"]["redis"]
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "redisdata:/data" in redis["volumes"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


def test_app_services_wait_for_healthy_backends_and_migrations(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"  # one-shot: exits 0 and stays down
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name


def test_app_services_share_one_image_and_env_and_keep_no_state(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"] == ".env", name
        assert service["read_only"] is True, name
        assert "/tmp" in service["tmpfs"], name
        # The only volume an app container may mount is the shared media volume.
        assert set(service.get("volumes", [])) <= {"media:/data/media"}, name
    assert "media:/data/media" in services["web"]["volumes"]
    assert "media:/data/media" in services["worker"]["volumes"]


def test_web_and_worker_have_health_checks(compose):
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "-m", "config.health", "--ready"]
    assert "inspect ping" in worker["healthcheck"]["test"][1]
    assert "command" not in web  # the image's gunicorn CMD
    assert web["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]


def test_celery_commands(compose):
    worker = compose["services"]["worker"]["command"]
    beat = compose["services"]["beat"]["command"]
    assert worker[:3] == ["celery", "--app=config", "worker"]
    assert beat[:3] == ["celery", "--app=config", "beat"]
    assert "--scheduler=django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_compose_variables_without_default_are_in_env_example():
    # ${NAME}, ${NAME:?message}, ${NAME:-default} are compose's; $${NAME} is the container's.
    required = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert "POSTGRES_PASSWORD" in required
    assert required - listed == set()


# --- Dockerfile -------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (cmd, _) in enumerate(instructions) if cmd == "FROM")
    return instructions[last_from:]


def test_dockerfile_builds_assets_with_node_and_installs_weasyprint_libraries():
    instructions = dockerfile_instructions()
    froms = [arg for cmd, arg in instructions if cmd == "FROM"]
    assert froms[0].startswith("node:20") and froms[0].endswith("AS assets")
    runs = " ".join(arg for cmd, arg in instructions if cmd == "RUN")
    assert "npm ci" in runs
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b",
                    "libharfbuzz-subset0", "fonts-dejavu-core"):
        assert package in runs, package
    assert "pip install ." in runs
    assert "collectstatic --noinput" in runs
    python_image = next(arg for cmd, arg in instructions if cmd == "ARG")
    assert python_image.startswith("PYTHON_IMAGE=python:3.11-slim")


def test_dockerfile_runtime_runs_gunicorn_as_non_root_on_8000():
    stage = final_stage()
    users = [arg for cmd, arg in stage if cmd == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert ("EXPOSE", "8000") in stage
    cmd = json.loads(next(arg for kind, arg in stage if kind == "CMD"))
    assert cmd[:2] == ["gunicorn", "config.wsgi:application"]
    assert cmd[cmd.index("--access-logfile") + 1] == "-"
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:8000"
    assert int(cmd[cmd.index("--timeout") + 1]) > 0


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set(Path(BASE_DIR / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "node_modules", "media", "*.sqlite3", "staticfiles"} <= ignored
    assert "!.env.example" in ignored


# --- the health view --------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_healthz_is_ok_when_database_and_cache_answer(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.urls(__name__)
def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connections["default"], "cursor", broken_cursor)
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "error", "cache": "ok"}}


@pytest.mark.urls(__name__)
def test_healthz_stays_200_degraded_when_only_the_cache_is_unreachable(client, db, settings):
    port = free_port()  # nothing listens there; Django's own RedisCache raises ConnectionError
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }}
    response = client.get("/healthz/")
    assert response.status_code == 200  # the web stays in the load balancer (tests/test_health.py)
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "error"}}


@pytest.mark.urls(__name__)
def test_healthz_only_answers_get_and_head(client, db):
    assert client.head("/healthz/").status_code == 200
    assert client.post("/healthz/").status_code == 405


@pytest.mark.urls(__name__)
def test_healthz_passes_https_redirect_and_host_check_with_the_probe_headers(client, db, settings):
    settings.ALLOWED_HOSTS = ["foerderung.example.de"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/healthz/", HTTP_HOST="foerderung.example.de")
    assert plain.status_code == 301  # why the probe sends X-Forwarded-Proto
    probed = client.get("/healthz/", HTTP_HOST="foerderung.example.de",
                        HTTP_X_FORWARDED_PROTO="https")
    assert probed.status_code == 200


def test_healthz_is_routed_in_the_project_urls():
    assert resolve("/healthz/", urlconf="config.urls").func is health.healthz


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [("foerderung.example.de", "foerderung.example.de"), (".example.de", "example.de"),
     ("*", "localhost"), ("", "localhost"), ("*, a.example.de ,b.example.de", "a.example.de")],
)
def test_probe_host_is_a_name_from_allowed_hosts(allowed_hosts, host):
    assert health.probe_host(allowed_hosts) == host


@pytest.mark.urls(__name__)
def test_probe_reports_the_view_status(live_server, settings, monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "foerderung.example.de")
    settings.ALLOWED_HOSTS = ["foerderung.example.de"]
    assert health.probe(f"{live_server.url}/healthz/") == 0
    # APPEND_SLASH answers 301; the probe must fail instead of following it.
    assert health.probe(f"{live_server.url}/healthz") == 1
    assert health.probe(f"http://127.0.0.1:{free_port()}/healthz/", timeout=2) == 1


# --- the image's commands, run here -----------------------------------------------------


@pytest.mark.slow
def test_image_cmd_serves_healthz_to_the_compose_health_check(tmp_path):
    """gunicorn with the Dockerfile's CMD, production settings, then the web health check."""
    port = free_port()
    cmd = json.loads(next(arg for kind, arg in final_stage() if kind == "CMD"))
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                         MEDIA_ROOT=str(tmp_path / "media"), WEB_CONCURRENCY="1")
    assert manage("createcachetable", env=env).returncode == 0  # cache without REDIS_URL
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), *cmd[1:]]
    server = subprocess.Popen(gunicorn, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, server)
        compose = yaml.safe_load(COMPOSE.read_text())
        check = compose["services"]["web"]["healthcheck"]["test"]
        assert check[0] == "CMD"
        argv = [sys.executable if arg == "python" else arg for arg in check[1:]]
        result = subprocess.run([*argv, f"http://127.0.0.1:{port}/healthz/ready/"], cwd=BASE_DIR,
                                env=env, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    finally:
        log = stop(server)
    assert "GET /healthz/ready/" in log  # the access log goes to the container's output


@pytest.mark.slow
@pytest.mark.redis
def test_worker_answers_the_compose_health_check(tmp_path):
    """celery worker as compose starts it, then the worker health check command verbatim."""
    parts = urlsplit(redis_url())
    broker = urlunsplit((parts.scheme, parts.netloc, "/14", "", ""))  # away from other tests
    node = f"deploytest-{uuid.uuid4().hex[:8]}"
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=broker,
                         MEDIA_ROOT=str(tmp_path / "media"), HOSTNAME=node)
    compose = yaml.safe_load(COMPOSE.read_text())
    command = [arg.replace("${CELERY_CONCURRENCY:-2}", "1")
               for arg in compose["services"]["worker"]["command"]]
    celery = str(Path(sys.executable).with_name("celery"))
    # In the container the node name is celery@<container hostname> = $HOSTNAME.
    worker = subprocess.Popen([celery, *command[1:], f"--hostname=celery@{node}"], cwd=BASE_DIR,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        check = compose["services"]["worker"]["healthcheck"]["test"]
        assert check[0] == "CMD-SHELL"
        shell = check[1].replace("$$", "$").replace("celery ", f"{shlex.quote(celery)} ", 1)
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run(["sh", "-c", shell], cwd=BASE_DIR, env=env,
                                    capture_output=True, text=True, timeout=60)
            if result.returncode == 0 or time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(1)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"celery@{node}" in result.stdout
    finally:
        stop(worker)
    # A worker that is not there fails the same check.
    result = subprocess.run(["sh", "-c", shell], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
