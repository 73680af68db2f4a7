# Sourced by .ci/run (and by hand: `source scripts/services.sh; start_services`):
# start_services / stop_services for the real servers the tests need, on 127.0.0.1 at
# non-default ports so they never meet a system Redis/MariaDB:
#   Redis   127.0.0.1:${XCLUSTER_REDIS_PORT:-6390}
#   MariaDB 127.0.0.1:${XCLUSTER_MYSQL_PORT:-3390}, database/user/password "xcluster"
# Data, sockets, pid files and logs live under ${XCLUSTER_SERVICES_DIR:-/tmp/xcluster-services}.
# Both functions are idempotent: a server that already answers is left running, and
# stop_services stops only the servers this shell's start_services started (`stop_services all`
# stops them whoever started them), so a local .ci/run leaves servers you started alone.
# start_services exports XCLUSTER_REDIS_URL and XCLUSTER_MYSQL_URL for the tests.
# No `set -e` here: this file is sourced into the caller's shell.

XCLUSTER_SERVICES_DIR=${XCLUSTER_SERVICES_DIR:-/tmp/xcluster-services}
XCLUSTER_REDIS_PORT=${XCLUSTER_REDIS_PORT:-6390}
XCLUSTER_MYSQL_PORT=${XCLUSTER_MYSQL_PORT:-3390}

_xc_log() { printf '[services] %s\n' "$*"; }

# Runs "$@" until it succeeds, at most $1 tenths of a second.
_xc_wait_until() {
  local tenths=$1; shift
  local i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge "$tenths" ]; then return 1; fi
    sleep 0.1
  done
  return 0
}

_xc_redis_ping() { redis-cli -h 127.0.0.1 -p "$XCLUSTER_REDIS_PORT" ping | grep -q PONG; }

_xc_mysql_ping() {
  mariadb-admin --no-defaults --protocol=socket --socket="$XCLUSTER_SERVICES_DIR/mysql.sock" -u"$(id -un)" ping
}

_xc_start_redis() {
  if _xc_redis_ping >/dev/null 2>&1; then
    _xc_log "redis already running on 127.0.0.1:$XCLUSTER_REDIS_PORT"
    return 0
  fi
  mkdir -p "$XCLUSTER_SERVICES_DIR/redis" || return 1
  # No persistence: the tests create and delete their own keys.
  redis-server --bind 127.0.0.1 --port "$XCLUSTER_REDIS_PORT" --protected-mode yes \
    --daemonize yes --dir "$XCLUSTER_SERVICES_DIR/redis" \
    --pidfile "$XCLUSTER_SERVICES_DIR/redis.pid" --logfile "$XCLUSTER_SERVICES_DIR/redis.log" \
    --save '' --appendonly no || { _xc_log "redis-server failed to start"; return 1; }
  if ! _xc_wait_until 100 _xc_redis_ping; then
    _xc_log "redis did not answer within 10 s; log:"; tail -20 "$XCLUSTER_SERVICES_DIR/redis.log"
    return 1
  fi
  _XC_STARTED_REDIS=1
  _xc_log "redis started on 127.0.0.1:$XCLUSTER_REDIS_PORT"
}

_xc_start_mariadb() {
  local dir=$XCLUSTER_SERVICES_DIR
  if _xc_mysql_ping >/dev/null 2>&1; then
    _xc_log "mariadb already running on 127.0.0.1:$XCLUSTER_MYSQL_PORT"
  else
    mkdir -p "$dir" || return 1
    if [ ! -d "$dir/mysql-data/mysql" ]; then
      # --no-defaults: never read /etc/mysql (its socket, port and datadir are the system server's).
      # Socket authentication: root and the user running this script (--user) log in without a password.
      mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/mysql-data" \
        --auth-root-authentication-method=socket --skip-test-db >"$dir/mysql-install.log" 2>&1 \
        || { _xc_log "mariadb-install-db failed; log:"; tail -20 "$dir/mysql-install.log"; return 1; }
    fi
    # A test server: relaxed flushing (innodb_flush_log_at_trx_commit=2) keeps thousands of
    # one-row commits cheap; the jobs' durability is the tests' subject, not the disk's.
    nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$dir/mysql-data" \
      --bind-address=127.0.0.1 --port="$XCLUSTER_MYSQL_PORT" --socket="$dir/mysql.sock" \
      --pid-file="$dir/mysql.pid" --log-error="$dir/mysql.err" --skip-name-resolve \
      --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 \
      --max-connections=500 >/dev/null 2>&1 &
    disown 2>/dev/null || true
    if ! _xc_wait_until 300 _xc_mysql_ping; then
      _xc_log "mariadb did not answer within 30 s; log:"; tail -20 "$dir/mysql.err"
      return 1
    fi
    _XC_STARTED_MYSQL=1
    _xc_log "mariadb started on 127.0.0.1:$XCLUSTER_MYSQL_PORT"
  fi
  mariadb --no-defaults --protocol=socket --socket="$dir/mysql.sock" -u"$(id -un)" <<'SQL' || { _xc_log "could not create the test database"; return 1; }
CREATE DATABASE IF NOT EXISTS xcluster;
CREATE USER IF NOT EXISTS 'xcluster'@'127.0.0.1' IDENTIFIED BY 'xcluster';
GRANT ALL PRIVILEGES ON xcluster.* TO 'xcluster'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
}

start_services() {
  _xc_start_redis || return 1
  _xc_start_mariadb || return 1
  export XCLUSTER_REDIS_URL="redis://127.0.0.1:$XCLUSTER_REDIS_PORT"
  export XCLUSTER_MYSQL_URL="mysql://xcluster:xcluster@127.0.0.1:$XCLUSTER_MYSQL_PORT/xcluster"
  _xc_log "XCLUSTER_REDIS_URL=$XCLUSTER_REDIS_URL"
  _xc_log "XCLUSTER_MYSQL_URL=$XCLUSTER_MYSQL_URL"
}

stop_services() {
  local dir=$XCLUSTER_SERVICES_DIR pid
  if [ "${1:-}" = all ]; then _XC_STARTED_REDIS=1; _XC_STARTED_MYSQL=1; fi
  if [ "${_XC_STARTED_REDIS:-}" != 1 ] && [ "${_XC_STARTED_MYSQL:-}" != 1 ]; then
    local running=()
    _xc_redis_ping >/dev/null 2>&1 && running+=("redis on 127.0.0.1:$XCLUSTER_REDIS_PORT")
    _xc_mysql_ping >/dev/null 2>&1 && running+=("mariadb on 127.0.0.1:$XCLUSTER_MYSQL_PORT")
    if [ ${#running[@]} -eq 0 ]; then
      _xc_log "nothing to stop: this shell started no server, and none answers on 127.0.0.1:$XCLUSTER_REDIS_PORT or :$XCLUSTER_MYSQL_PORT"
    else
      local them=it; [ ${#running[@]} -gt 1 ] && them=them
      _xc_log "leaving ${running[0]}${running[1]:+ and ${running[1]}} running: this shell did not start $them (stop_services all stops $them)"
    fi
    return 0
  fi
  if [ "${_XC_STARTED_REDIS:-}" = 1 ] && _xc_redis_ping >/dev/null 2>&1; then
    redis-cli -h 127.0.0.1 -p "$XCLUSTER_REDIS_PORT" shutdown nosave >/dev/null 2>&1
    _xc_wait_until 100 sh -c "! redis-cli -h 127.0.0.1 -p $XCLUSTER_REDIS_PORT ping" \
      || _xc_log "redis is still answering"
  fi
  if [ "${_XC_STARTED_MYSQL:-}" = 1 ] && [ -f "$dir/mysql.pid" ]; then
    pid=$(cat "$dir/mysql.pid" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      _xc_wait_until 300 sh -c "! kill -0 $pid" || { _xc_log "mariadb ignored SIGTERM, killing"; kill -KILL "$pid"; }
    fi
  fi
  _XC_STARTED_REDIS=; _XC_STARTED_MYSQL=
  _xc_log "services stopped"
  return 0
}
