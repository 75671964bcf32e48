#!/usr/bin/env bash
# The test command (make test): set-up, linters, then every test, in both configurations:
#   1. Service Invoicing alone (no Inventory), through Odoo's own test runner
#      (odoo-bin --test-enable, as OCA's CI and Odoo's runbot run addons);
#   2. with Inventory (its bridge service_invoicing_stock installs itself), through
#      pytest-odoo: the app's and the bridge's tests, then the end-to-end tests;
#   3. then OCA queue_job (from PyPI) on the same database: its bridge service_invoicing_queue
#      installs itself, and its tests run (runs as jobs, a job runner killed mid-chunk).
# Extra arguments go to pytest (e.g. `make test ARGS="-k combine"`); SI_TEST_ONLY=app or
# SI_TEST_ONLY=stock runs one configuration (stock: 2 and 3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/setup.sh"
cd "$ROOT"
ADDONS=(service_invoicing service_invoicing_stock service_invoicing_project service_invoicing_queue)
ONLY=${SI_TEST_ONLY:-}

echo "[test] linters: ruff, pylint-odoo (manifest, translations), oca-checks-odoo-module (XML)"
"$VENV/bin/ruff" check "${ADDONS[@]}" tools tests bench
"$VENV/bin/pylint" --rcfile=.pylintrc "${ADDONS[@]}"
"$VENV/bin/oca-checks-odoo-module" "${ADDONS[@]}"

APP_DB=${TEST_DB:-service_invoicing_test_$$}_app
STOCK_DB=${TEST_DB:-service_invoicing_test_$$}_stock
trap 'dropdb --if-exists "$APP_DB" 2>/dev/null || true; dropdb --if-exists "$STOCK_DB" 2>/dev/null || true' EXIT
module_state() { psql -d "$1" -tAc "SELECT state FROM ir_module_module WHERE name = '$2'"; }

if [ "$ONLY" != stock ]; then
    echo "[test] 1/3 Service Invoicing alone, installed and tested by Odoo's runner ($APP_DB)"
    dropdb --if-exists "$APP_DB" 2>/dev/null || true
    log="$BUILD/test-app.log"
    status=0
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$APP_DB" -i service_invoicing \
        --test-enable --test-tags /service_invoicing --stop-after-init \
        --http-port="${TEST_HTTP_PORT_APP:-8170}" --log-level=test >"$log" 2>&1 || status=$?
    grep -E "odoo.tests.result|post-tests in| (FAIL|ERROR): " "$log" | sed 's/^/    /' || true
    if [ "$status" != 0 ] || ! grep -q " 0 failed, 0 error(s) of" "$log"; then
        echo "[test] Odoo's runner reported failures (rc $status); log: $log"
        exit 1
    fi
    [ "$(module_state "$APP_DB" service_invoicing)" = installed ] \
        || { echo "[test] the app did not install"; exit 1; }
    [ "$(module_state "$APP_DB" stock)" != installed ] \
        || { echo "[test] installing Service Invoicing installed Inventory"; exit 1; }
fi

if [ "$ONLY" != app ]; then
    echo "[test] 2/3 with Inventory and Projects: installing Service Invoicing, sale_stock and sale_timesheet ($STOCK_DB)"
    dropdb --if-exists "$STOCK_DB" 2>/dev/null || true
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$STOCK_DB" \
        -i service_invoicing,sale_stock,sale_timesheet --stop-after-init --log-level=warn 2>&1 \
        | grep -v "security risk\|odoo.tools.config" || true
    [ "$(module_state "$STOCK_DB" service_invoicing_stock)" = installed ] \
        || { echo "[test] the Inventory bridge did not install itself"; exit 1; }
    [ "$(module_state "$STOCK_DB" service_invoicing_project)" = installed ] \
        || { echo "[test] the Projects bridge did not install itself"; exit 1; }
    echo "[test] Odoo tests of the app and its bridges, and end-to-end tests"
    "$VENV/bin/pytest" -q --odoo-config="$ODOO_CONF" --odoo-database="$STOCK_DB" --odoo-http \
        --odoo-extra "http-port=${TEST_HTTP_PORT:-8169}" \
        service_invoicing/tests service_invoicing_stock/tests service_invoicing_project/tests \
        tests --durations=15 "$@"

    echo "[test] 3/3 with OCA queue_job: its bridge installs itself, its tests ($STOCK_DB)"
    . "$ROOT/tools/queue_job.sh"
    queue_job_conf "$ODOO_CONF" "$BUILD/test-queue.conf"
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$BUILD/test-queue.conf" -d "$STOCK_DB" \
        -i queue_job --stop-after-init --log-level=warn 2>&1 \
        | grep -v "security risk\|odoo.tools.config" || true
    [ "$(module_state "$STOCK_DB" service_invoicing_queue)" = installed ] \
        || { echo "[test] the job queue bridge did not install itself"; exit 1; }
    "$VENV/bin/pytest" -q --odoo-config="$BUILD/test-queue.conf" --odoo-database="$STOCK_DB" \
        service_invoicing_queue/tests "$@" || [ $? = 5 ]  # 5: ARGS selected none of them
fi
