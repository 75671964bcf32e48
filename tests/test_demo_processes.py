"""The demo's servers: it never uses an SMTP or HTTP port that something else holds, and the
SMTP server it starts never outlives it. (The demo run itself checks that both servers are
stopped when it ends: test_demo_emails.py.)"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from conftest import ROOT, free_port, listening, run_script

PYTHON = str(ROOT / '.venv/bin/python')


def start_sink(port, folder):
    sink = subprocess.Popen([PYTHON, 'tools/smtp_sink.py', '--port', str(port), '--dir',
                             str(folder)], cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not listening(port):
        assert sink.poll() is None and time.monotonic() < deadline, "the SMTP sink did not start"
        time.sleep(0.1)
    return sink


def run_demo(tmp_path, smtp_port, http_port):
    database = f'service_invoicing_busy_{os.getpid()}'
    try:
        return run_script(['bash', 'tools/demo.sh'], timeout=300, env={
            'SERVE': '0', 'DEMO_DB': database, 'MAIL_DIR': str(tmp_path / 'mail'),
            'SI_SMTP_PORT': str(smtp_port), 'HTTP_PORT': str(http_port)})
    finally:
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)


def test_demo_refuses_an_smtp_port_held_by_an_earlier_sink(tmp_path):
    # An SMTP sink left over from an earlier demo, writing into another folder.
    smtp_port, http_port = free_port(), free_port()
    old_folder = tmp_path / 'old-mail'
    old_sink = start_sink(smtp_port, old_folder)
    try:
        started = time.monotonic()
        process = run_demo(tmp_path, smtp_port, http_port)
        seconds = time.monotonic() - started
    finally:
        old_sink.terminate()
        old_sink.wait(timeout=20)
    output = process.stdout + process.stderr
    assert process.returncode != 0, output[-3000:]
    assert f'port {smtp_port} is already in use' in output and 'SI_SMTP_PORT=' in output
    assert not list(old_folder.glob('*.eml')), "the demo mailed into the earlier sink's folder"
    assert 'creating the database' not in output and seconds < 60, output[-3000:]
    assert not listening(http_port)


def test_demo_refuses_an_http_port_held_by_another_server(tmp_path):
    smtp_port, http_port = free_port(), free_port()
    other = subprocess.Popen([sys.executable, '-m', 'http.server', '--bind', '127.0.0.1',
                              str(http_port)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not listening(http_port):
            assert other.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        process = run_demo(tmp_path, smtp_port, http_port)
    finally:
        other.terminate()
        other.wait(timeout=20)
    output = process.stdout + process.stderr
    assert process.returncode != 0, output[-3000:]
    assert f'port {http_port} is already in use' in output and 'HTTP_PORT=' in output
    assert 'creating the database' not in output, output[-3000:]
    assert not listening(smtp_port), "the demo left its SMTP server running"


def test_smtp_sink_stops_when_the_demo_is_killed(tmp_path):
    # SIGKILL leaves no trap to run: the sink notices by itself that its parent is gone.
    port = free_port()
    shell = subprocess.Popen(
        ['bash', '-c', f'"{PYTHON}" tools/smtp_sink.py --port {port} --dir "{tmp_path}" '
                       '--exit-with-parent & echo $!; wait'],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    sink_pid = int(shell.stdout.readline())
    try:
        deadline = time.monotonic() + 20
        while not listening(port):
            assert time.monotonic() < deadline, "the SMTP sink did not start"
            time.sleep(0.1)
        shell.send_signal(signal.SIGKILL)
        shell.wait(timeout=10)
        deadline = time.monotonic() + 10
        while listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not listening(port), "the SMTP sink outlived the process that started it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(sink_pid, signal.SIGTERM)  # only if the test failed: the sink it started
