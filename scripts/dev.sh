#!/usr/bin/env bash
# Duecourse developer entry point: sets the machine up (idempotent) and runs one thing.
#   bash scripts/dev.sh demo    set up, then run the demo in a fresh ./.duecourse-demo home
#   bash scripts/dev.sh test    set up, then run lint, types, layers and the test suite
#   bash scripts/dev.sh setup   set up only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

APT_PACKAGES=(libharfbuzz-subset0 fonts-noto-cjk poppler-utils)
# the web console's browser tests drive Debian's Chromium (Playwright's own download is not
# reachable here): installed by `test` only
TEST_APT_PACKAGES=(chromium)

log() { printf '[dev] %s\n' "$*" >&2; }

setup_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing system packages: ${missing[*]}"
    log "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_python() {
  local stamp=.venv/.lock-sha256 want
  want=$(sha256sum requirements.lock requirements-dev.lock pyproject.toml | sha256sum | cut -c1-64)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/duecourse ]; then
    return 0
  fi
  [ -x .venv/bin/python ] || { log "creating .venv with $($PY --version)"; "$PY" -m venv .venv; }
  log "installing Python packages from requirements.lock + requirements-dev.lock (log: .venv/pip.log)"
  # Exact versions with their hashes: a file that is not the one locked is refused.
  if ! { .venv/bin/pip install --disable-pip-version-check --require-hashes \
           -r requirements.lock -r requirements-dev.lock &&
         .venv/bin/pip install --disable-pip-version-check --no-deps -e . ; } > .venv/pip.log 2>&1; then
    tail -20 .venv/pip.log >&2
    log "pip failed; full log in .venv/pip.log"
    exit 1
  fi
  echo "$want" > "$stamp"
}

setup() {
  setup_system "$@"
  setup_python
  export PREFECT_SERVER_ANALYTICS_ENABLED=false
}

run_tests() {
  export PREFECT_SERVER_ANALYTICS_ENABLED=false
  export DUECOURSE_TEST_PG_URL=${DUECOURSE_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
  log "ruff"; .venv/bin/ruff check .
  log "mypy"; .venv/bin/mypy
  # The layers of design.md are checked by tests/test_layers.py, inside the suite (never skipped).
  # Coverage: the floor is in pyproject.toml ([tool.coverage.report] fail_under).
  log "pytest (with coverage)"; .venv/bin/pytest -q --cov --cov-report=term:skip-covered "$@"
}

cmd=${1:-setup}; shift || true
case "$cmd" in
  setup) setup ;;
  demo) setup; export DUECOURSE_HOME=${DUECOURSE_HOME:-$ROOT/.duecourse-demo}; exec .venv/bin/duecourse demo --reset "$@" ;;
  test) setup "${TEST_APT_PACKAGES[@]}"; run_tests "$@" ;;
  *) echo "usage: bash scripts/dev.sh setup|demo|test" >&2; exit 2 ;;
esac
