"""Tests that drive Odoo from outside: they run the project's commands as a user would."""

import email
import os
import socket
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='session', autouse=True)
def load_registry():
    """These tests run Odoo in its own processes: unlike the addon's tests (pytest-odoo's
    fixture of the same name), they need no registry and no database in pytest's process, so
    `pytest tests/...` runs them without --odoo-config/--odoo-database."""
    yield


def run_script(args, env=None, timeout=900):
    """Run a project script and return its completed process (output captured)."""
    return subprocess.run(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (chosen by the kernel)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def listening(port):
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as client:
        client.settimeout(2)
        return client.connect_ex(('127.0.0.1', port)) == 0


def psql(database, sql):
    """The rows of a query on a database of the project's PostgreSQL (as tools/setup.sh finds
    it), each a tuple of strings."""
    process = run_script(['bash', '-c', '. tools/setup.sh && psql -d "$0" -XtA -F "|" -c "$1"',
                          database, sql], timeout=120)
    assert process.returncode == 0, process.stderr[-2000:]
    return [tuple(row.split('|')) for row in process.stdout.splitlines() if row]


@pytest.fixture(scope='session')
def demo_run(tmp_path_factory):
    """The demo run once for every test that reads what it left (tools/demo.sh, SERVE=0, on
    its own database and ports): its process and output, the servers still listening just
    after it ended, its database (dropped when the session ends) and the emails it sent."""
    tmp_path = tmp_path_factory.mktemp('demo')
    database = f'service_invoicing_demo_{os.getpid()}'
    mail_dir = tmp_path / 'mail'
    smtp_port, http_port = free_port(), free_port()  # beside any other run of the demo
    try:
        process = run_script(['bash', 'tools/demo.sh'], env={
            'SERVE': '0', 'DEMO_DB': database, 'MAIL_DIR': str(mail_dir),
            'SI_SMTP_PORT': str(smtp_port), 'HTTP_PORT': str(http_port)})
        # The demo stopped its SMTP server and its Odoo server, and waited for them.
        servers_left = [port for port in (smtp_port, http_port) if listening(port)]
        messages = [email.message_from_bytes(path.read_bytes())
                    for path in sorted(mail_dir.glob('*.eml'))]
        yield SimpleNamespace(
            process=process, output=process.stdout + process.stderr, database=database,
            servers_left=servers_left, messages=messages, tmp_path=tmp_path)
    finally:
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)
