#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster.
#
#   scripts/with-postgres.sh CMD ARGS...
#
# Starts a fresh cluster in a temp dir (trust auth, fsync off, listening on a free
# TCP port on 127.0.0.1, unix socket inside the temp dir), exports
#   BP_TEST_POSTGRES_URL=postgres://bptest@127.0.0.1:PORT/postgres
# runs CMD, then stops the cluster and deletes the temp dir (also on failure or
# interrupt). Exits with CMD's exit code.
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres`
# system user (or `bptest`, created if needed). The command itself runs as the
# calling user. Debian's server binaries are used (installed with apt if missing);
# PG_BIN overrides their location.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
ROLE=bptest

log() { echo "with-postgres: $*" >&2; }

# --- server binaries -------------------------------------------------------
if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ] || [ ! -x "$PG_BIN/postgres" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "PostgreSQL server binaries not found in $PG_BIN; install them with: sudo apt-get install -y postgresql"
        exit 1
    fi
    log "installing PostgreSQL (apt-get install -y postgresql)"
    # Don't let the package create and start a 'main' cluster we would never stop.
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/99-no-main-cluster.conf
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
    if [ ! -x "$PG_BIN/initdb" ]; then
        log "still no initdb in $PG_BIN after installing postgresql"
        exit 1
    fi
fi

# --- who runs the cluster --------------------------------------------------
PG_USER=""
if [ "$(id -u)" -eq 0 ]; then
    if id -u postgres >/dev/null 2>&1; then
        PG_USER=postgres
    else
        if ! id -u "$ROLE" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin "$ROLE"
        fi
        PG_USER="$ROLE"
    fi
fi

# Run a PostgreSQL binary as the cluster user, from a directory that user can read.
as_pg() {
    if [ -z "$PG_USER" ]; then
        (cd "$TMP_DIR" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$TMP_DIR" && runuser -u "$PG_USER" -- "$@")
    else
        (cd "$TMP_DIR" && su -s /bin/sh "$PG_USER" -c "$(printf '%q ' "$@")")
    fi
}

# --- temp dir and cleanup --------------------------------------------------
TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bp-pg.XXXXXXXX")"
DATA_DIR="$TMP_DIR/data"
SOCK_DIR="$TMP_DIR/sock"
LOG_FILE="$TMP_DIR/postgres.log"
STARTED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    if [ "$STARTED" -eq 1 ] && [ -f "$DATA_DIR/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m immediate -w -t 30 stop >/dev/null 2>&1
        # Belt and braces: if pg_ctl could not stop it, kill the postmaster by pid.
        if [ -f "$DATA_DIR/postmaster.pid" ]; then
            local pid
            pid="$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null)"
            if [ -n "$pid" ]; then
                kill -KILL "$pid" 2>/dev/null
            fi
        fi
    fi
    rm -rf "$TMP_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$SOCK_DIR"
if [ -n "$PG_USER" ]; then
    chown -R "$PG_USER" "$TMP_DIR"
fi

# --- cluster ---------------------------------------------------------------
as_pg "$PG_BIN/initdb" -D "$DATA_DIR" -U "$ROLE" --auth=trust --encoding=UTF8 --locale=C \
    --no-sync --no-instructions >"$TMP_DIR/initdb.log" 2>&1 || {
    cat "$TMP_DIR/initdb.log" >&2
    log "initdb failed"
    exit 1
}

cat >>"$DATA_DIR/postgresql.conf" <<EOF
# throwaway test cluster (scripts/with-postgres.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

port_in_use() {
    # A successful connect means somebody listens there.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

PORT=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    candidate=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if port_in_use "$candidate"; then
        continue
    fi
    if as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 -o "-p $candidate" \
        start >/dev/null 2>&1; then
        PORT="$candidate"
        STARTED=1
        break
    fi
    STARTED=1 # a failed start may still have left a postmaster behind; cleanup checks the pid file
    log "start on port $candidate failed (attempt $attempt), retrying"
done

if [ -z "$PORT" ]; then
    cat "$LOG_FILE" >&2 2>/dev/null || true
    log "could not start PostgreSQL"
    exit 1
fi

export BP_TEST_POSTGRES_URL="postgres://$ROLE@127.0.0.1:$PORT/postgres"
log "PostgreSQL ready at $BP_TEST_POSTGRES_URL"

# --- run the command -------------------------------------------------------
# Run it in the background and wait, so INT/TERM reach us at once; forward them
# to the command and keep waiting for its real exit status. (Background commands
# start with INT/QUIT ignored; the subshell restores the defaults before exec.)
set +e
(
    trap - INT QUIT
    exec "$@"
) <&0 &
CHILD=$!
forward() { kill -s "$1" "$CHILD" 2>/dev/null; }
trap 'forward INT' INT
trap 'forward TERM' TERM
trap 'forward HUP' HUP
wait "$CHILD"
RC=$?
while kill -0 "$CHILD" 2>/dev/null; do
    wait "$CHILD"
    RC=$?
done
exit "$RC"
