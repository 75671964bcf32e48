"""The demo's servers: it never uses an SMTP or HTTP port that something else holds, and the
SMTP server it starts never outlives it. (The demo run itself checks that both servers are
stopped when it ends: test_demo_emails.py.)"""

import contextlib
import os
import signal
import subprocess
import sys
import threading

from conftest import ROOT, free_port, listening, run_script

PYTHON = str(ROOT / '.venv/bin/python')


def wait_for_line(stream, start):
    """Read ``stream`` up to a line that begins with ``start`` (the program says it listens);
    the lines read. Fails if the output ends first (the program stopped)."""
    lines = []
    for line in stream:
        lines.append(line)
        if line.startswith(start):
            return lines
    raise AssertionError(f"no line beginning with {start!r} in {''.join(lines)!r}")


def start_sink(port, folder):
    # aiosmtpd gives its server thread 5 s to start, too short on a busy machine.
    sink = subprocess.Popen([PYTHON, 'tools/smtp_sink.py', '--port', str(port), '--dir',
                             str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, 'AIOSMTPD_CONTROLLER_TIMEOUT': '300'})
    wait_for_line(sink.stdout, 'SMTP sink listening')
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
        process = run_demo(tmp_path, smtp_port, http_port)
    finally:
        old_sink.terminate()
        old_sink.wait(timeout=20)
    output = process.stdout + process.stderr
    assert process.returncode != 0, output[-3000:]
    assert f'port {smtp_port} is already in use' in output and 'SI_SMTP_PORT=' in output
    assert not list(old_folder.glob('*.eml')), "the demo mailed into the earlier sink's folder"
    # Refused before any work (never timed: a busy machine takes its time).
    assert 'creating the database' not in output, output[-3000:]
    assert not listening(http_port)


def test_demo_refuses_an_http_port_held_by_another_server(tmp_path):
    smtp_port, http_port = free_port(), free_port()
    # Unbuffered: it says it serves once it listens.
    other = subprocess.Popen([sys.executable, '-u', '-m', 'http.server', '--bind', '127.0.0.1',
                              str(http_port)], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        wait_for_line(other.stdout, 'Serving HTTP on')
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
        ['bash', '-c', f'AIOSMTPD_CONTROLLER_TIMEOUT=300 "{PYTHON}" tools/smtp_sink.py '
                       f'--port {port} --dir "{tmp_path}" --exit-with-parent & echo $!; wait'],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    # The shell says the sink's pid, the sink that it listens (in either order).
    lines = wait_for_line(shell.stdout, 'SMTP sink listening')
    if not any(line.strip().isdigit() for line in lines):
        lines.append(shell.stdout.readline())
    sink_pid = int(next(line for line in lines if line.strip().isdigit()))
    try:
        assert listening(port)
        shell.send_signal(signal.SIGKILL)
        shell.wait(timeout=60)
        # The sink holds the last open end of the shell's output: it ends when the sink is
        # gone (waited for as long as a busy machine takes; only a sink that never stops
        # hits the deadline).
        output = []
        reader = threading.Thread(target=lambda: output.append(shell.stdout.read()),
                                  daemon=True)
        reader.start()
        reader.join(timeout=300)
        assert not reader.is_alive(), "the SMTP sink outlived the process that started it"
        assert not listening(port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(sink_pid, signal.SIGTERM)  # only if the test failed: the sink it started
