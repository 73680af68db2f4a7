#!/usr/bin/env bash
# `npm test`: every test file in one uvu run (`npm test -- <dir> [<file pattern>]` runs some),
# after the set-up it can do itself:
# - as root, the Debian packages the tests use (redis-server, mariadb-server, chromium) are
#   installed when missing, by scripts/install-system-deps.sh as in .ci/run;
# - Redis and MariaDB are started on 127.0.0.1 when installed (scripts/services.sh; servers
#   already running are used as they are), and afterwards only what this run started is stopped.
# What it cannot set up is not faked: the tests that need a missing server or Chromium are
# counted by uvu under Skipped, each group printed with the command that enables it
# (test/helpers/when-available.ts); with CI=true they run, and fail.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
# Debian installs mariadbd in /usr/sbin, which is often not on a user's PATH.
PATH=$PATH:/usr/sbin:/sbin

chromium=${XCLUSTER_TEST_CHROMIUM:-/usr/bin/chromium}
missing() {
  command -v redis-server >/dev/null || echo redis-server
  command -v mariadbd >/dev/null || echo mariadbd
  [ -x "$chromium" ] || echo chromium
}

absent=$(missing | paste -sd " " -)
if [ -n "$absent" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  _xc_log "not installed: ${absent}; installing the Debian packages (scripts/install-system-deps.sh)"
  bash scripts/install-system-deps.sh || _xc_log "the install failed"
  absent=$(missing | paste -sd " " -)
fi
if [ -n "$absent" ]; then
  _xc_log "not installed: ${absent}; the tests that need them are skipped${CI:+ (CI: they fail)}: $([ "$(id -u)" = 0 ] || printf 'sudo ')bash scripts/install-system-deps.sh installs them"
fi
if command -v redis-server >/dev/null && command -v mariadbd >/dev/null; then
  start_services || _xc_log "could not start the servers: the tests that need them are skipped${CI:+ (CI: they fail)}"
fi

node_modules/.bin/uvu -r tsx "${1:-test}" "${2:-\.test\.ts$}"
status=$?
stop_services
exit "$status"
