# syntax=docker/dockerfile:1
# Production image: one image for web (gunicorn), worker and beat (celery) and the one-shot
# migrate service; see docker-compose.yml and docs/deployment.md.
#
#   docker build -t shh-grants .
#
# Stages: assets (npm ci → KERN + htmx in static/vendor) → base (Python + WeasyPrint's system
# libraries + the app user) → build (venv, source, .mo files, collectstatic) → runtime.

# Debian 12 ("bookworm") on both Python stages: the package names below were checked
# against it. Moving to a newer Debian, re-check them (e.g. glib is renamed in Debian 13).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

############################################################ front-end assets
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
# `npm ci` runs the postinstall script, which copies the packages into static/vendor/.
COPY scripts/ scripts/
RUN npm ci --no-audit --no-fund \
    && test -f static/vendor/htmx.min.js \
    && test -d static/vendor/kern

############################################################ base: what every Python stage needs
FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# WeasyPrint 70 loads these with ffi.dlopen (weasyprint/text/ffi.py): pango + pangoft2
# (pulling in glib/gobject and fribidi), harfbuzz, harfbuzz-subset (font subsetting; warns
# without it) and fontconfig. Pillow, cffi and fontTools come as wheels. fonts-dejavu-core
# gives PDFs a font with all German characters.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

############################################################ build: dependencies, source, static
FROM base AS build
# gettext for compilemessages (only needed while building).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /app
# The project has no Python package of its own ([tool.setuptools] packages = []): installing
# it installs exactly the pinned dependencies. Only pyproject.toml is copied first, so this
# layer is rebuilt only when the dependencies change.
COPY pyproject.toml ./
RUN pip install . \
    && rm -rf build ./*.egg-info
COPY . .
COPY --from=assets /build/static/vendor/ static/vendor/
# Build-time only: settings refuse to start without SECRET_KEY, and collectstatic needs no
# database. Neither value ends up in the image's environment.
RUN export SECRET_KEY=build-only-not-secret DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    && if find . -path ./node_modules -prune -o -name '*.po' -print | grep -q .; then \
           python manage.py compilemessages --ignore node_modules --ignore .venv; \
       fi \
    && python manage.py collectstatic --noinput \
    && python -m compileall -q /app \
    && rm -f /tmp/build.sqlite3

############################################################ runtime
FROM base AS runtime
LABEL org.opencontainers.image.title="shh-grants" \
      org.opencontainers.image.description="Starke Heimat Hessen – Phase 2: Förderportal"
ENV DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media \
    XDG_CACHE_HOME=/tmp/.cache \
    WEB_CONCURRENCY=3
COPY --from=build /opt/venv /opt/venv
# Source and collected static files stay owned by root: the app user can read, not change them.
COPY --from=build /app /app
# The only place the app writes (unless S3 is configured). A named volume mounted here
# starts with this owner.
RUN mkdir -p /data/media && chown app:app /data/media
WORKDIR /app
USER app:app
EXPOSE 8000
# WEB_CONCURRENCY (gunicorn reads it) sets the worker count; GUNICORN_CMD_ARGS can add flags.
# --timeout 60: PDF rendering runs in the worker, requests must not hang forever.
# --worker-tmp-dir /dev/shm: heartbeat files in memory (the root filesystem may be read-only).
# --no-control-socket: it would be created in $HOME, which the app user cannot write.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--no-control-socket"]
