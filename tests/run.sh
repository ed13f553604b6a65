#!/bin/sh
# Set up everything the test suite needs, in .venv at the repository root, then run it.
# Arguments are passed to pytest.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]' -e 'generated/python[sdk]'
# The docs test drives Debian's Chromium headless; the conformance and docs tests need Node packages.
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The Redis store tests start Debian's redis-server (they skip without it, fail without it in CI).
if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
# `-m ''` undoes the default run's `-m 'not slow'` (pyproject.toml): everything runs.
exec .venv/bin/python -m pytest -m '' "$@"
