#!/usr/bin/env bash
# `npm test`: every test file in one uvu run. The queue-to-db tests need Redis and MariaDB on
# 127.0.0.1: when their Debian packages are installed (scripts/install-system-deps.sh), this
# starts them (scripts/services.sh; servers already running are used as they are) and stops
# afterwards only what it started. Without them, those tests fail with a message saying so.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
if command -v redis-server >/dev/null && command -v mariadbd >/dev/null; then
  start_services || _xc_log "could not start the servers: the queue-to-db tests will fail"
else
  _xc_log "redis-server or mariadbd is not installed: the queue-to-db tests will fail (bash scripts/install-system-deps.sh installs them)"
fi
uvu -r tsx test '\.test\.ts$'
status=$?
stop_services
exit "$status"
