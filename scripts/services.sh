# Sourced by .ci/run: start_services / stop_services for the servers the tests need.
# Filled in by the queue-to-db work (Redis, MariaDB on 127.0.0.1).
start_services() { return 0; }
stop_services() { return 0; }
