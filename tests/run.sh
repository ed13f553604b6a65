#!/bin/sh
# Set up everything the test suite needs, in .venv at the repository root, then run it.
# Arguments are passed to pytest. Needs no root: what only root can install (Debian's chromium, for
# the docs test that draws the lifecycle diagram; redis-server, for the Redis store tests) is
# installed when this runs as root with apt-get; otherwise the tests that need it skip, saying how
# to enable them. With CI=true, a missing
# dependency fails those tests instead (tests/conftest.py: require), so CI never passes by skipping.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]' -e 'generated/python[sdk]'
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "tests/run.sh: chromium is missing and cannot be installed without root; the browser test will skip" >&2
    echo "  (to enable it: sudo apt-get install -y chromium)" >&2
  fi
fi
# The Redis store tests start Debian's redis-server; like chromium, only root can install it.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "tests/run.sh: redis-server is missing and cannot be installed without root; the Redis tests will skip" >&2
    echo "  (to enable them: sudo apt-get install -y redis-server)" >&2
  fi
fi
# The conformance suite, the browser driver and mermaid (Node packages, no root needed).
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
else
  echo "tests/run.sh: npm is missing; the conformance, TypeScript and docs-site tests will skip (install Node.js 20)" >&2
fi
# `-m ''` undoes the default run's `-m 'not slow'` (pyproject.toml): everything runs.
exec .venv/bin/python -m pytest -m '' "$@"
