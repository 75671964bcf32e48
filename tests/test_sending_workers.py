"""Invoices sent in the background by Odoo's own cron workers, through a mail server that
refuses for a rate limit: an Odoo server with two cron threads runs the two sending workers;
the SMTP server (tools/smtp_sink.py) answers its first messages ``451 4.7.1 rate limit``. The
workers pause, their runs end normally (no scheduled action marked failed), the refused
invoices are tried again, and every invoice reaches the customer exactly once.

Nothing here depends on how long the machine takes: the pause is long (ten minutes, far more
than any stall), and once the workers have paused the test moves the server's clock on itself,
as the workers read it (the refusal and next try of each invoice, the wake-ups of the
scheduled actions, an hour back), and wakes Odoo's cron threads as Odoo does (NOTIFY
cron_trigger) instead of waiting for their next look at the database a minute later.

Then, the server still serving, the billing clerk sends two more invoices from the list
(JSON-RPC, as the web client does): told that two were queued, the cron threads are woken at
once and both reach the mail server within a minute."""

import email
import json
import os
import subprocess
import textwrap
import time
import urllib.request

from conftest import ROOT, free_port, listening, psql, run_script

PYTHON = str(ROOT / '.venv/bin/python')
INVOICES = 6
REFUSED = 3
PAUSE = 600  # seconds (service_invoicing.send_pause_seconds)
# The longest wait between two tries (tools/sending_failures.py): moving the clock on by it
# makes every next try due and ends every pause.
LATER = 3600
WORKERS = """(SELECT res_id FROM ir_model_data WHERE module = 'service_invoicing'
              AND name LIKE 'ir_cron_send_queued_invoices%')"""

PREPARE = textwrap.dedent('''
    import sys
    import odoo
    from odoo import Command, api
    from odoo.modules.registry import Registry

    conf, database, smtp_port, base_url, count, pause = sys.argv[1:]
    odoo.tools.config.parse_config(['-c', conf, '-d', database])
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env = env(user=env.ref('base.user_admin'), su=True)
        env.user.partner_id.email = 'billing@sending-e2e.example.com'
        params = env['ir.config_parameter']
        params.set_param('web.base.url', base_url)
        params.set_param('web.base.url.freeze', True)
        params.set_param('account.pdf_generation_batch', '0')  # Debian's wkhtmltopdf
        params.set_param('service_invoicing.send_pause_seconds', pause)
        env['ir.mail_server'].create({
            'name': "Rate-limited sink", 'smtp_host': '127.0.0.1', 'smtp_port': int(smtp_port),
            'smtp_encryption': 'none'})
        product = env['product.product'].create(
            {'name': "Maintenance visit", 'type': 'service', 'lst_price': 250.0})
        partners = env['res.partner'].create([
            {'name': f"Customer {index}", 'email': f'ap{index}@sending-e2e.example.com'}
            for index in range(int(count))])
        invoices = env['account.move'].create([{
            'move_type': 'out_invoice', 'partner_id': partner.id,
            'invoice_line_ids': [Command.create({'product_id': product.id})],
        } for partner in partners])
        invoices.action_post()
        # As Create Contract Invoices' "Send by email" does: queued, the workers woken.
        invoices._service_queue_sending()
        print(' '.join(invoices.mapped('name')))
        # Two more, posted, that the billing clerk sends from the list once Odoo serves.
        env['res.users'].create({
            'name': "Billing Clerk", 'login': 'clerk', 'password': 'clerk-sending-e2e',
            'email': 'clerk@sending-e2e.example.com',
            'group_ids': [Command.link(env.ref('service_invoicing.group_service_user').id)]})
        later = env['account.move'].create([{
            'move_type': 'out_invoice', 'partner_id': partner.id,
            'invoice_line_ids': [Command.create({'product_id': product.id})],
        } for partner in partners[:2]])
        later.action_post()
        print(' '.join(map(str, later.ids)), ' '.join(later.mapped('name')))
''')


def one_hour_later(database):
    """The server's clock, as the sending workers read it, moves on by an hour: each invoice's
    last refusal and next try, and the scheduled wake-ups of the workers, are an hour earlier;
    then the cron threads are woken as Odoo wakes them (one statement at a time: the workers
    hold the invoices they send)."""
    psql(database, f"""
        UPDATE account_move SET
            service_send_refused_at = service_send_refused_at - interval '{LATER} seconds',
            service_send_next_try = service_send_next_try - interval '{LATER} seconds'
        WHERE service_send_refused_at IS NOT NULL OR service_send_next_try IS NOT NULL""")
    psql(database, f"""
        UPDATE ir_cron_trigger SET call_at = call_at - interval '{LATER} seconds'
        WHERE cron_id IN {WORKERS}""")
    psql('postgres', f"SELECT pg_notify('cron_trigger', '{database}')")


def jsonrpc(port, service, method, *args):
    """A call to Odoo's JSON-RPC endpoint, as a client program makes it."""
    request = urllib.request.Request(
        f'http://127.0.0.1:{port}/jsonrpc', headers={'Content-Type': 'application/json'},
        data=json.dumps({'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
            'service': service, 'method': method, 'args': list(args)}}).encode())
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    assert 'error' not in answer, answer['error']
    return answer['result']


def send_from_the_list(port, database, invoice_ids):
    """Send on invoices chosen in the list, then the Send button, as the billing clerk."""
    password = 'clerk-sending-e2e'
    uid = jsonrpc(port, 'common', 'login', database, 'clerk', password)
    context = {'active_model': 'account.move', 'active_ids': invoice_ids, 'lang': 'en_US'}
    wizard = 'account.move.send.batch.wizard'
    wizard_id = jsonrpc(port, 'object', 'execute_kw', database, uid, password, wizard, 'create',
                        [{}], {'context': context})
    return jsonrpc(port, 'object', 'execute_kw', database, uid, password, wizard,
                   'action_send_and_print', [[wizard_id]], {'context': context})


def sent_states(database, numbers):
    names = ", ".join(f"'{number}'" for number in numbers)
    return psql(database, f"""
        SELECT name, service_sending_status, service_send_attempts FROM account_move
        WHERE move_type = 'out_invoice' AND state = 'posted' AND name IN ({names})
        ORDER BY id""")


def test_cron_workers_wait_for_a_rate_limiting_server_and_email_each_invoice_once(tmp_path):
    database = f'service_invoicing_sending_{os.getpid()}'
    smtp_port, http_port = free_port(), free_port()
    mail_dir = tmp_path / 'mail'
    script = tmp_path / 'prepare.py'
    script.write_text(PREPARE)
    conf = str(ROOT / 'build/odoo.conf')
    sink = server = None
    try:
        sink = subprocess.Popen(
            [PYTHON, 'tools/smtp_sink.py', '--port', str(smtp_port), '--dir', str(mail_dir),
             '--exit-with-parent', '--refuse-first', str(REFUSED)],
            cwd=ROOT, stdout=subprocess.DEVNULL,
            # aiosmtpd gives its server thread 5 s to start, too short on a busy machine.
            env={**os.environ, 'AIOSMTPD_CONTROLLER_TIMEOUT': '300'})
        install = run_script(['bash', '-c', '. tools/setup.sh >/dev/null && "$VENV/bin/python" '
                              '"$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$0" -i service_invoicing '
                              '--stop-after-init --log-level=warn', database])
        assert install.returncode == 0, install.stderr[-3000:]
        prepared = run_script([PYTHON, str(script), conf, database, str(smtp_port),
                               f'http://127.0.0.1:{http_port}', str(INVOICES), str(PAUSE)])
        assert prepared.returncode == 0, prepared.stderr[-3000:]
        first, second = prepared.stdout.splitlines()[-2:]
        numbers = first.split()
        assert len(numbers) == INVOICES
        later_ids = [int(id_) for id_ in second.split()[:2]]
        later_numbers = second.split()[2:]
        log = tmp_path / 'server.log'
        server = subprocess.Popen(
            ['bash', '-c', '. tools/setup.sh >/dev/null && exec "$VENV/bin/python" '
             '"$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$0" --db-filter="^$0\\$" --http-port="$1" '
             '--max-cron-threads=2 --logfile="$2" --log-level=info', database, str(http_port),
             str(log)], cwd=ROOT)
        # The server's progress is looked at every two seconds; the deadline is for a server
        # that hangs, never for a pause to pass.
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            states = sent_states(database, numbers)
            if all(state == 'sent' for _name, state, _attempts in states):
                break
            assert server.poll() is None, log.read_text()[-3000:]
            if log.exists() and 'Invoice sending paused until' in log.read_text():
                # The workers paused for the mail server: the pause ends when the test says.
                one_hour_later(database)
            time.sleep(2)
        crons = psql(database, f"""
            SELECT active, failure_count FROM ir_cron WHERE id IN {WORKERS}""")
        # The pause of the last refusal is long over (as the workers read the clock).
        one_hour_later(database)
        # The clerk sends two more from the list: the served Odoo emails them within a minute.
        action = send_from_the_list(http_port, database, later_ids)
        queued_at = time.monotonic()
        emailed_later = []
        while time.monotonic() < queued_at + 60 and len(emailed_later) < len(later_numbers):
            subjects = [email.message_from_bytes(path.read_bytes())['Subject']
                        for path in mail_dir.glob('*.eml')]
            emailed_later = [number for number in later_numbers
                             if any(f'(Ref {number})' in subject for subject in subjects)]
            time.sleep(0.5)
        emailed_within = time.monotonic() - queued_at
    finally:
        for process in (server, sink):
            if process:
                process.terminate()
                process.wait(timeout=60)
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)
    assert not listening(http_port)
    server_log = log.read_text()
    assert all(state == 'sent' for _name, state, _attempts in states), (states, server_log[-3000:])
    # Every invoice reached its customer exactly once, with its PDF.
    messages = [email.message_from_bytes(path.read_bytes()) for path in mail_dir.glob('*.eml')]
    invoice_emails = [message for message in messages if 'Invoice (Ref' in message['Subject']]
    for number in numbers:
        sent = [message for message in invoice_emails if f'(Ref {number})' in message['Subject']]
        assert len(sent) == 1, (number, [message['Subject'] for message in messages])
        assert any(part.get_content_type() == 'application/pdf' for part in sent[0].walk())
    # The server refused the first messages, and those invoices were emailed again. (Whether
    # a sending worker or Odoo's own sending job made the refused email, running beside them,
    # the workers kept the refusal and tried again.)
    refusals = (mail_dir / 'refusals.log').read_text().splitlines()
    assert len(refusals) == REFUSED
    assert 'Invoice sending paused until' in server_log
    # The runs ended normally: both workers active, never counted as failed.
    assert crons == [('t', '0'), ('t', '0')], crons
    failed_runs = [line for line in server_log.splitlines()
                   if 'server action #' in line and 'failed' in line]
    assert not failed_runs, failed_runs
    # Told how many were queued; both emailed by the cron threads within a minute.
    assert action['params']['message'] == "2 invoices queued for sending.", action
    assert emailed_later == later_numbers, (emailed_within, server_log[-3000:])
    assert emailed_within < 60
