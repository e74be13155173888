#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs typecheck, lint,
# architecture rules and the test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "${SYMBIONT_SKIP_APT:-}" != "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
# The several-machines tests start their own PostgreSQL 15 and Redis (Debian packages).
if { [ ! -x /usr/lib/postgresql/15/bin/postgres ] || ! command -v redis-server >/dev/null 2>&1; } &&
  [ "${SYMBIONT_SKIP_APT:-}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
fi
# The lock file is complete (every platform's optional binaries included) and in sync with
# package.json, so the clean install installs exactly what it names.
npm ci --no-audit --no-fund
npm test
