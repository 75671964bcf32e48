#!/usr/bin/env bash
# make bench: sets up what the benchmark needs on a fresh machine, then runs bench/run.py.
# The peer (OCA contract) is installed with --no-deps into build/bench-addons, outside the
# product: it is only ever on the benchmark's addons path (build/bench.conf).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. tools/setup.sh
set +u
PEER="$BUILD/bench-addons/contract"
"$VENV/bin/pip" install -q -r bench/requirements.txt 2>&1 | grep -v '^WARNING: Location' >&2 || true
if [ ! -f "$PEER/odoo/addons/contract/__manifest__.py" ]; then
    echo "[bench] installing the peer odoo-addon-contract 19.0 (--no-deps) into $PEER" >&2
    "$VENV/bin/pip" install -q --no-deps --target "$PEER" 'odoo-addon-contract==19.0.*' 2>&1 \
        | grep -v '^WARNING: Location' >&2 || true
fi
mkdir -p "$BUILD/bench"
# Its own ports (HTTP 8269 for the PDF styles, SMTP 2727 for the sink) and filestore.
grep -vE '^(data_dir|smtp_server|smtp_port|http_port) *=' "$ODOO_CONF" \
    | sed -e "s#^addons_path = .*#&,$PEER/odoo/addons#" > "$BUILD/bench.conf"
cat >> "$BUILD/bench.conf" <<CONF
data_dir = $BUILD/bench/filestore
smtp_server = 127.0.0.1
smtp_port = 2727
http_port = 8269
CONF
# The queue scenario: OCA queue_job from PyPI (--no-deps, build/queue-addons) on its addons path.
. tools/queue_job.sh
queue_job_conf "$BUILD/bench.conf" "$BUILD/bench-queue.conf"
exec "$VENV/bin/python" bench/run.py "$@"
