#!/usr/bin/env bash
# Prepares everything the demo, the tests and the benchmark need on a fresh machine:
# the Odoo 19 source, system packages, a virtualenv with Odoo's requirements, a PostgreSQL
# server and role, and build/odoo.conf. Safe to run again: finished steps are skipped.
# Source it (`. tools/setup.sh`) to get ODOO_SRC, VENV, ODOO_CONF and the PG* variables.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"
VENV="$ROOT/.venv"
ODOO_SRC=${ODOO_SRC:-/opt/odoo}
ODOO_CONF="$BUILD/odoo.conf"
mkdir -p "$BUILD"

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Odoo 19 source -------------------------------------------------------------------
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
    if timeout 20 git ls-remote --exit-code https://github.com/odoo/odoo.git refs/heads/19.0 >/dev/null 2>&1; then
        say "no Odoo source at $ODOO_SRC: cloning the official repository, branch 19.0"
        git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git "$ODOO_SRC"
    else
        cat >&2 <<MSG
[setup] No Odoo 19 source found at $ODOO_SRC and the official repository cannot be reached.
[setup] Put an Odoo 19.0 Community tree there (or point ODOO_SRC at one) and run this again.
MSG
        exit 1
    fi
fi
if ! grep -q '^version_info = (19, 0' "$ODOO_SRC/odoo/release.py"; then
    say "$ODOO_SRC is not Odoo 19.0 ($(grep ^version_info "$ODOO_SRC/odoo/release.py"))"
    exit 1
fi

# --- system packages: PDF renderer and its fonts, PDF text tools, browser for tours,
# PostgreSQL binaries -------------------------------------------------------------------
missing=()
command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
# Lato, the font of Odoo's reports, as a system font: Debian's wkhtmltopdf (unpatched Qt)
# embeds only system fonts in a PDF with their text (see tools/demo_run.py).
fc-list -q Lato 2>/dev/null || missing+=(fonts-lato)
command -v pdftotext >/dev/null || missing+=(poppler-utils)  # the tests read the invoice PDFs
command -v chromium >/dev/null || missing+=(chromium)
command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]} from Debian's packages"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        say "please install: ${missing[*]} (the demo, the tests and a local PostgreSQL need them)"
    fi
fi

# --- virtualenv with Odoo's requirements -------------------------------------------------
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha"
want=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements-dev.txt" "$ROOT/tools/odoo_requirements.py" | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Odoo's Python requirements and the test tools (a few minutes the first time)"
    "$VENV/bin/pip" install -q --upgrade pip packaging wheel 2>&1 | grep -v '^WARNING: Location' >&2 || true
    "$VENV/bin/python" "$ROOT/tools/odoo_requirements.py" "$ODOO_SRC/requirements.txt" > "$BUILD/odoo-requirements.txt"
    "$VENV/bin/pip" install -q -r "$BUILD/odoo-requirements.txt" -r "$ROOT/requirements-dev.txt" 2>&1 \
        | grep -v '^WARNING: Location' >&2 || true
    "$VENV/bin/python" -c "import psycopg2, lxml, werkzeug, pytest_odoo" 2>/dev/null || {
        "$VENV/bin/python" -c "import psycopg2, lxml, werkzeug"
    }
    echo "$want" > "$stamp"
fi
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$ODOO_SRC" > "$site/odoo-source.pth"

# --- PostgreSQL ------------------------------------------------------------------------
export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
    bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1)")
    [ -x "$bindir/pg_ctl" ] || { say "no PostgreSQL answers on $PGHOST:$PGPORT and none is installed"; exit 1; }
    export PGHOST=127.0.0.1 PGPORT=${SI_PRIVATE_PGPORT:-5433}
    pgdata="$BUILD/pgdata"
    mkdir -p "$pgdata"
    runas=()
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
        id postgres >/dev/null 2>&1 || useradd -r postgres
        chown postgres "$pgdata" && chmod 700 "$pgdata"
        runas=(runuser -u postgres --)
    fi
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        say "starting a private PostgreSQL cluster in $pgdata"
        "${runas[@]}" "$bindir/initdb" -A trust -U postgres -D "$pgdata" >/dev/null
    fi
    pg_isready -q -h "$PGHOST" -p "$PGPORT" || \
        "${runas[@]}" "$bindir/pg_ctl" -s -w -D "$pgdata" -l "$pgdata/postgresql.log" \
            -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1" start
fi
# Odoo refuses to run as the superuser role "postgres": use a role named after the user.
export PGUSER=${PGUSER:-$(id -un)}
[ "$PGUSER" = postgres ] && export PGUSER=odoo
if ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    say "creating the database role $PGUSER"
    psql -U postgres -d postgres -qc "CREATE ROLE \"$PGUSER\" LOGIN CREATEDB SUPERUSER" >/dev/null
fi

# --- Odoo configuration --------------------------------------------------------------------
cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ROOT
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
data_dir = $BUILD/filestore
list_db = True
http_interface = 127.0.0.1
log_level = ${ODOO_LOG_LEVEL:-warn}
max_cron_threads = 0
smtp_server = 127.0.0.1
smtp_port = 2525
CONF
export ODOO_SRC VENV ODOO_CONF ROOT BUILD
