#!/usr/bin/env bash
# Install what the whole test suite needs on a fresh machine, then run it: bash tests/run.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing ${missing[*]}: the PostgreSQL and browser tests need them (apt-get install ${missing[*]})"
  fi
fi

"$PYTHON" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
exec "$PYTHON" -m pytest tests "$@"
