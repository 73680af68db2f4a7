#!/usr/bin/env bash
# Debian packages for the real servers and the browser that the tests use. Idempotent.
set -euo pipefail
need=()
for pkg in redis-server mariadb-server chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system packages present: redis-server mariadb-server chromium"
