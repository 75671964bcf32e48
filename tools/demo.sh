#!/usr/bin/env bash
# The main job (make demo): a demo company invoices its contracts and emails the invoices.
# Creates the database $DEMO_DB with the addon and demo data, runs Create Contract Invoices
# for today (posted, sent with Odoo's invoice email to a local SMTP server that writes each
# message to build/mail), prints a summary, then serves Odoo on http://localhost:8069.
# SERVE=0 skips serving.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/setup.sh"
DEMO_DB=${DEMO_DB:-service_invoicing_demo}
SERVE=${SERVE:-1}
MAIL_DIR=${MAIL_DIR:-$BUILD/mail}
SMTP_PORT=${SI_SMTP_PORT:-2525}
HTTP_PORT=${HTTP_PORT:-8069}
mkdir -p "$MAIL_DIR"

smtp_pid=
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    [ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null
    true
}
trap cleanup EXIT
if ! (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
    "$VENV/bin/python" "$ROOT/tools/smtp_sink.py" --port "$SMTP_PORT" --dir "$MAIL_DIR" &
    smtp_pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && break; sleep 0.1; done
fi

echo "[demo] creating the database $DEMO_DB with Service Invoicing (about a minute)"
dropdb --if-exists "$DEMO_DB" 2>/dev/null || true
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DEMO_DB" -i service_invoicing \
    --stop-after-init --log-level=warn 2>&1 | grep -v "security risk\|odoo.tools.config" || true
# Odoo serves while the invoices are sent: wkhtmltopdf loads the PDF's styles from it.
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" \
    --http-port="$HTTP_PORT" --smtp-port="$SMTP_PORT" --log-handler=odoo.addons.base.models.ir_actions_report:ERROR \
    --logfile="$BUILD/demo-server.log" &
server_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && break; sleep 0.2; done
"$VENV/bin/python" "$ROOT/tools/demo_run.py" -c "$ODOO_CONF" -d "$DEMO_DB" --mail-dir "$MAIL_DIR" \
    --smtp-port "$SMTP_PORT" --base-url "http://127.0.0.1:$HTTP_PORT"

if [ "$SERVE" = 1 ]; then
    echo "[demo] Odoo serves the demo on http://localhost:$HTTP_PORT (login admin / admin); Ctrl+C stops"
    echo "[demo] server log: $BUILD/demo-server.log"
    wait "$server_pid"
fi
