#!/usr/bin/env bash
# Install what the whole test suite needs on a fresh machine, then run it: bash tests/run.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-$(command -v python || command -v python3 || true)}"
if [ -z "$PYTHON" ]; then
  echo "tests/run.sh: no python or python3 on PATH (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "tests/run.sh: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "tests/run.sh: ${missing[*]} not installed; the PostgreSQL tests need postgresql and the browser (e2e) tests need chromium (as root: apt-get install ${missing[*]})"
  fi
fi

PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
# static checks first (rules in pyproject.toml): any finding fails the run before a test starts
"$PYTHON" -m ruff check --quiet . || { echo "tests/run.sh: ruff found problems (listed above)" >&2; exit 1; }
# no path given: pytest.ini's testpaths (tests/, the schema/migration drift check among them); a path given
# runs just that. Coverage of dashboard/ is printed at the end (files at 100% left out).
exec "$PYTHON" -m pytest --cov=dashboard --cov-report=term:skip-covered "$@"
