#!/usr/bin/env bash
# The test command (make test): set-up, linters, then every test on a fresh database.
# Extra arguments go to pytest (e.g. `make test ARGS="-k combine"`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/setup.sh"
cd "$ROOT"

echo "[test] linters: ruff, pylint-odoo (manifest, translations), oca-checks-odoo-module (XML)"
"$VENV/bin/ruff" check service_invoicing tools tests
"$VENV/bin/pylint" --rcfile=.pylintrc service_invoicing
"$VENV/bin/oca-checks-odoo-module" service_invoicing

TEST_DB=${TEST_DB:-service_invoicing_test_$$}
trap 'dropdb --if-exists "$TEST_DB" 2>/dev/null || true' EXIT
echo "[test] installing Service Invoicing on a fresh database $TEST_DB"
dropdb --if-exists "$TEST_DB" 2>/dev/null || true
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$TEST_DB" -i service_invoicing \
    --stop-after-init --log-level=warn 2>&1 | grep -v "security risk\|odoo.tools.config" || true
psql -d "$TEST_DB" -tAc "SELECT state FROM ir_module_module WHERE name = 'service_invoicing'" \
    | grep -qx installed || { echo "[test] the addon did not install"; exit 1; }

echo "[test] Odoo tests of the addon and end-to-end tests"
"$VENV/bin/pytest" -q --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" --odoo-http \
    --odoo-extra "http-port=${TEST_HTTP_PORT:-8169}" \
    service_invoicing/tests tests "$@"
