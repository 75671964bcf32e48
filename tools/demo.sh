#!/usr/bin/env bash
# The main job (make demo): a demo company invoices its contracts and emails the invoices.
# Creates the database $DEMO_DB with the addon and demo data, runs Create Contract Invoices
# for today (posted, sent with Odoo's invoice email to a local SMTP server that writes each
# message to build/mail), posts a few service orders, bills a project from its approved
# timesheets and reached milestone (sale_timesheet is installed: the Projects bridge installs
# itself; its invoice is posted and emailed too), prints a summary, then serves Odoo on
# http://localhost:8069 with two cron threads (CRON_THREADS=...): the scheduled actions run,
# and invoices sent by email are emailed within a minute. SERVE=0 skips serving.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/setup.sh"
DEMO_DB=${DEMO_DB:-service_invoicing_demo}
SERVE=${SERVE:-1}
MAIL_DIR=${MAIL_DIR:-$BUILD/mail}
SMTP_PORT=${SI_SMTP_PORT:-2525}
HTTP_PORT=${HTTP_PORT:-8069}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The demo starts its own SMTP server and Odoo server. A port that something else holds (a
# server left over from an earlier run, another Odoo) would take the demo's mail into another
# folder or serve the PDFs' styles from another database: refuse it, naming the holder.
refuse_busy_port() {  # PORT SETTING
    listening "$1" || return 0
    local holder
    holder=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:.*' | head -n1 || true)
    echo "[demo] port $1 is already in use${holder:+ ($holder)}: stop that program or choose" \
        "another port with $2=..." >&2
    exit 1
}
refuse_busy_port "$SMTP_PORT" SI_SMTP_PORT
refuse_busy_port "$HTTP_PORT" HTTP_PORT
mkdir -p "$MAIL_DIR"

smtp_pid=
server_pid=
# Stop a process this script started and wait until it is gone: SIGTERM, then SIGKILL after
# 15 seconds. Never fails, whatever state the process is in (running, stopped, never started).
stop_process() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM HUP
    stop_process "$server_pid"
    stop_process "$smtp_pid"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# wait_listening PORT PID NAME: wait until PID listens on PORT; fail if it stops first.
wait_listening() {
    for _ in $(seq 300); do
        listening "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "[demo] the $3 stopped before listening on port $1" >&2; return 1; }
        sleep 0.1
    done
    echo "[demo] the $3 does not listen on port $1 after 30 seconds" >&2
    return 1
}

"$VENV/bin/python" "$ROOT/tools/smtp_sink.py" --port "$SMTP_PORT" --dir "$MAIL_DIR" --exit-with-parent &
smtp_pid=$!
wait_listening "$SMTP_PORT" "$smtp_pid" "SMTP server"

echo "[demo] creating the database $DEMO_DB with Service Invoicing and Projects (a few minutes)"
dropdb --if-exists "$DEMO_DB" 2>/dev/null || true
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DEMO_DB" -i service_invoicing,sale_timesheet \
    --stop-after-init --log-level=warn 2>&1 | grep -v "security risk\|odoo.tools.config" || true
# start_server CRON_THREADS: Odoo serves the demo database. With no cron thread no scheduled
# action runs (the demo's day runs them itself); the served demo has two, so Send by email,
# the daily jobs and retries run as in production (queued invoices are emailed at once).
start_server() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" \
        --http-port="$HTTP_PORT" --smtp-port="$SMTP_PORT" --max-cron-threads="$1" \
        --log-handler=odoo.addons.base.models.ir_actions_report:ERROR \
        --logfile="$BUILD/demo-server.log" &
    server_pid=$!
    wait_listening "$HTTP_PORT" "$server_pid" "Odoo server (log: $BUILD/demo-server.log)"
}
# Odoo serves while the invoices are sent: wkhtmltopdf loads the PDF's styles from it.
start_server 0
"$VENV/bin/python" "$ROOT/tools/demo_run.py" -c "$ODOO_CONF" -d "$DEMO_DB" --mail-dir "$MAIL_DIR" \
    --smtp-port "$SMTP_PORT" --base-url "http://127.0.0.1:$HTTP_PORT"

if [ "$SERVE" = 1 ]; then
    # Served again with cron threads: the scheduled actions run (sending within a minute).
    stop_process "$server_pid"
    server_pid=
    start_server "${CRON_THREADS:-2}"
    echo "[demo] scheduled actions run (${CRON_THREADS:-2} cron threads): Send by email is done within a minute"
    echo "[demo] Odoo serves the demo on http://localhost:$HTTP_PORT (login admin / admin); Ctrl+C stops"
    echo "[demo] server log: $BUILD/demo-server.log"
    wait "$server_pid"
fi
