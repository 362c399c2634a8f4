# Sourced by scripts/demo and scripts/test: creates .venv and node_modules when missing or stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 oder neuer wird benötigt (gefunden: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "Node.js 20+ mit npm wird benötigt." >&2
  exit 1
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installiere Python-Abhängigkeiten …"
  log=$(mktemp)
  # [tool.shh] no-deps-dev in pyproject.toml: development packages whose declared pins pip cannot resolve
  # together with ours (see there), installed without their dependencies.
  no_deps=$(.venv/bin/python -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["tool"]["shh"]["no-deps-dev"]))')
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e '.[dev]' \
         && .venv/bin/python -m pip install -q --no-deps $no_deps; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "Die Installation der Python-Abhängigkeiten ist fehlgeschlagen." >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
npm_stamp="node_modules/.installed-$(cat package-lock.json | sha256sum | cut -c1-16)"
if [ ! -f "$npm_stamp" ] || [ ! -d static/vendor/kern ]; then
  echo "Installiere Frontend-Pakete (KERN, htmx) …"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi
