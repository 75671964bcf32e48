# Sourced by tools/test.sh and bench/bench.sh, after tools/setup.sh: OCA queue_job 19.0 from
# PyPI, installed --no-deps into build/queue-addons (outside the product, as the benchmark's
# OCA peer), and its one Python requirement that Odoo's do not bring (openupgradelib) into
# the virtualenv. Only service_invoicing_queue depends on it, never the app.
# queue_job_conf SOURCE TARGET: SOURCE with queue-addons on the addons path and the channels
# of the runs (root.service_invoicing) as queue_job reads them.
QUEUE_ADDONS="$BUILD/queue-addons"
if [ ! -f "$QUEUE_ADDONS/odoo/addons/queue_job/__manifest__.py" ]; then
    echo "[setup] installing odoo-addon-queue_job 19.0 (--no-deps) into $QUEUE_ADDONS" >&2
    "$VENV/bin/pip" install -q --no-deps --target "$QUEUE_ADDONS" 'odoo-addon-queue_job==19.0.*' \
        2>&1 | grep -v '^WARNING: Location' >&2 || true
fi
"$VENV/bin/python" -c 'import openupgradelib' 2>/dev/null \
    || "$VENV/bin/pip" install -q 'openupgradelib' 2>&1 | grep -v '^WARNING: Location' >&2 || true

queue_job_conf() {
    sed -e "s#^addons_path = .*#&,$QUEUE_ADDONS/odoo/addons#" "$1" > "$2"
    printf '\n[queue_job]\nchannels = root:2,root.service_invoicing:2\n' >> "$2"
}
