"""Sending invoices by email through a real SMTP server (tools/smtp_sink.py on a free port):
each invoice emailed once, a failed send kept, retried and shown, a rate-limiting mail server
waited for without failing the run.

The sending workers commit per batch, so these tests build committed data (as
test_contract_concurrency.py does) and remove it afterwards. They never wait on the wall
clock: the workers decide what is due by ``fields.Datetime.now()``, which each test freezes
and moves on by hand (a pause is over when the test says so, however busy the machine).
"""

import email
import html
import importlib.util
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import call_kw
from odoo.tests import BaseCase, freeze_time, get_db_name, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.models.account_move_send import AccountMoveSend
from odoo.addons.service_invoicing.const import SENDING_CRON_CODE
from odoo.addons.service_invoicing.tools import sending_failures as failures
from .common import CommittedIntegrityMixin, ServiceInvoicingCommon, run_workers

SINK = Path(__file__).resolve().parents[2] / 'tools' / 'smtp_sink.py'
ACTIVITY = 'service_invoicing.mail_activity_type_invoice_sending_failed'
# Odoo's configuration as the sending reads it (max_cron_threads: whether scheduled actions run).
CRON_CONFIG = 'odoo.addons.service_invoicing.models.account_move_sending.config'
# Odoo logs every refused email as an error: expected here.
MAIL_LOGGERS = ('odoo.addons.mail.models.mail_mail', 'odoo.addons.base.models.ir_mail_server')


@tagged('post_install', '-at_install')
class TestSendingFailures(BaseCase):
    """What a refused email means, read from Odoo's failure reason, without a database."""

    def failure(self, failure_type, reason):
        return failures.mail_failure(failure_type, reason)

    def test_a_4xx_reply_is_temporary_and_from_the_server(self):
        failure = self.failure('unknown', "Mail Delivery Failed\nMail delivery failed via SMTP "
                               "server 'None'.\nSMTPDataError: (451, b'4.7.1 rate limit')")
        self.assertEqual((failure.reason, failure.temporary, failure.server),
                         ('451 4.7.1 rate limit', True, True))
        refused_sender = self.failure('unknown', "SMTPSenderRefused: (421, b'4.7.0 Try again "
                                      "later, closing connection.', 'billing@example.com')")
        self.assertTrue(refused_sender.temporary)

    def test_a_5xx_reply_is_permanent_unless_it_speaks_of_a_limit(self):
        refused = self.failure('unknown', "SMTPRecipientsRefused: {'x@example.com': (550, "
                               "b'5.1.1 <x@example.com>: mailbox unavailable')}")
        self.assertEqual((refused.reason, refused.temporary, refused.server),
                         ('550 5.1.1 <x@example.com>: mailbox unavailable', False, True))
        quota = self.failure('unknown', "SMTPDataError: (550, b'5.4.5 Daily user sending "
                             "limit exceeded.')")
        self.assertTrue(quota.temporary)

    def test_without_a_reply(self):
        unreachable = self.failure(False, "[Errno 111] Connection refused")
        self.assertEqual((unreachable.temporary, unreachable.server), (True, True))
        unknown = self.failure('unknown', "Error without exception.")
        self.assertEqual((unknown.temporary, unknown.server), (True, False))
        invalid = self.failure('mail_email_invalid', "Invalid address")
        self.assertEqual((invalid.temporary, invalid.server), (False, False))

    def test_each_wait_doubles_up_to_an_hour(self):
        self.assertEqual([failures.retry_delay(attempt, 60) for attempt in range(1, 9)],
                         [60, 120, 240, 480, 960, 1920, 3600, 3600])


class SmtpSink:
    """tools/smtp_sink.py in its own process, on a free port, writing to a temporary folder."""

    def __init__(self, *options):
        self.folder = Path(tempfile.mkdtemp(prefix='si-sink-'))
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            self.port = probe.getsockname()[1]
        # aiosmtpd gives its server thread 5 s to start, too short on a busy machine.
        self.process = subprocess.Popen(
            [sys.executable, str(SINK), '--port', str(self.port), '--dir', str(self.folder),
             '--exit-with-parent', *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, 'AIOSMTPD_CONTROLLER_TIMEOUT': '300'})
        # The sink says so once it listens (or its output ends: it stopped).
        output = []
        for line in self.process.stdout:
            output.append(line)
            if line.startswith('SMTP sink listening'):
                break
        else:
            self.process.wait()
            raise RuntimeError(f"the SMTP sink did not start: {''.join(output)}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()

    def messages(self):
        """(Subject, To) of every message received."""
        return sorted((message['Subject'], message['To']) for message in (
            email.message_from_bytes(path.read_bytes()) for path in self.folder.glob('*.eml')))

    def refusals(self):
        log = self.folder / 'refusals.log'
        return log.read_text().splitlines() if log.exists() else []


class CommittedSendingCase(CommittedIntegrityMixin, BaseCase):
    """A salesperson, customers and a service product committed to the database; each test
    posts and queues invoices, starts its own SMTP server and points Odoo's outgoing mail at
    it; everything is removed afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not SINK.exists() or not importlib.util.find_spec('aiosmtpd'):
            cls.skipTest(cls, "needs tools/smtp_sink.py and aiosmtpd")
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            # A user cannot be deleted once they have worked: archived afterwards, and found
            # again by the next run.
            salesperson = env['res.users'].with_context(active_test=False).search(
                [('login', '=', 'si_sending_salesperson')]) or env['res.users'].create({
                    'name': "Sending Salesperson", 'login': 'si_sending_salesperson',
                    'email': 'sales@sending.example.com',
                    'group_ids': [Command.link(env.ref('account.group_account_invoice').id)]})
            salesperson.active = True
            cls.salesperson_id = salesperson.id
            partners = env['res.partner'].create([
                {'name': f"Sending Customer {index}", 'email': f'ap{index}@sending.example.com'}
                for index in range(6)])
            cls.partner_ids = partners.ids
            cls.product_id = env['product.product'].create(
                {'name': "Sending Service", 'type': 'service', 'lst_price': 100.0}).id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env['product.product'].browse(cls.product_id).unlink()
            env['res.partner'].browse(cls.partner_ids).write({'active': False})
            env['res.users'].browse(cls.salesperson_id).write({'active': False})
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.invoice_ids = []
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            self.last_trigger = env['ir.cron.trigger'].search([], order='id desc', limit=1).id
            params = env['ir.config_parameter']
            self.params = {key: params.get_param(key) for key in (
                'service_invoicing.send_pause_seconds', 'service_invoicing.send_max_attempts')}
        self.addCleanup(self.clean_up)
        # The workers' clock: frozen at the start, moved on only by ``later``.
        self.clock = self.startPatcher(freeze_time(fields.Datetime.now()))
        # Odoo sends no email while testing; these tests send to their own SMTP server.
        self.startPatcher(patch(
            'odoo.addons.base.models.ir_mail_server.IrMail_Server._disable_send',
            return_value=False))

    def clean_up(self):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            invoices = env['account.move'].browse(self.invoice_ids).exists()
            invoices.filtered(lambda move: move.state == 'posted').button_draft()
            invoices.unlink()
            env['ir.mail_server'].search([('name', '=', "Sending test sink")]).unlink()
            env['ir.cron.trigger'].search([('id', '>', self.last_trigger)]).unlink()
            for key, value in self.params.items():
                env['ir.config_parameter'].set_param(key, value)

    @staticmethod
    def env_of(cr):
        return api.Environment(cr, api.SUPERUSER_ID, {})

    def start_sink(self, *options):
        sink = SmtpSink(*options)
        self.addCleanup(sink.stop)
        with self.registry.cursor() as cr:
            self.env_of(cr)['ir.mail_server'].create({
                'name': "Sending test sink", 'smtp_host': '127.0.0.1', 'smtp_port': sink.port,
                'smtp_encryption': 'none', 'sequence': 0})
        return sink

    def set_params(self, pause=60, max_attempts=8):
        with self.registry.cursor() as cr:
            params = self.env_of(cr)['ir.config_parameter']
            params.set_param('service_invoicing.send_pause_seconds', pause)
            params.set_param('service_invoicing.send_max_attempts', max_attempts)

    def queue_invoices(self, partner_indexes):
        """Posted invoices of the salesperson, one per customer index, queued for sending as
        Create Contract Invoices' "Send by email" queues them."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            invoices = env['account.move'].create([{
                'move_type': 'out_invoice', 'partner_id': self.partner_ids[index],
                'invoice_user_id': self.salesperson_id,
                'invoice_line_ids': [Command.create({'product_id': self.product_id})],
            } for index in partner_indexes])
            self.invoice_ids += invoices.ids
            invoices.action_post()
            invoices._service_queue_sending()
            return invoices.ids, invoices.mapped('name')

    def run_worker(self, **options):
        with self.registry.cursor() as cr:
            return self.env_of(cr)['account.move']._service_send_queued_invoices(**options)

    def states(self, ids, fnames=('service_sending_status', 'service_send_attempts')):
        with self.registry.cursor() as cr:
            return [tuple(move[fname] for fname in fnames)
                    for move in self.env_of(cr)['account.move'].browse(ids)]

    def emailed(self, sink, number):
        """How many times the invoice email of ``number`` reached the SMTP server (Odoo's
        activity emails name the invoice too)."""
        return sum(f'(Ref {number})' in subject for subject, _to in sink.messages())

    def later(self, seconds):
        """The workers' clock moves on by ``seconds``; returns the new time."""
        self.clock.tick(timedelta(seconds=seconds))
        return fields.Datetime.now()

    def sending_times(self, move_id):
        """(last refusal, next try) of an invoice."""
        return self.states([move_id], ('service_send_refused_at', 'service_send_next_try'))[0]


@tagged('post_install', '-at_install')
class TestRateLimitedMailServer(CommittedSendingCase):

    def test_a_rate_limited_run_ends_normally_and_each_invoice_is_delivered_once(self):
        sink = self.start_sink('--refuse-first', '2')
        self.set_params(pause=60, max_attempts=5)
        ids, numbers = self.queue_invoices(range(4))
        refused_id = ids[0]
        start = fields.Datetime.now()
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            worker = env.ref('service_invoicing.ir_cron_send_queued_invoices')
            with mute_logger(*MAIL_LOGGERS):
                worker.method_direct_trigger()  # as Odoo's scheduler runs it
            cr.commit()  # pylint: disable=invalid-commit
            # The run ended normally, the job is not marked failed, and it comes back when
            # the pause is over.
            self.assertEqual(worker.failure_count, 0)
            refused = env['account.move'].browse(refused_id)
            self.assertRecordValues(refused, [{
                'service_sending_status': 'retrying', 'service_send_attempts': 1,
                'service_send_refused_at': start,
                'service_send_next_try': start + timedelta(seconds=60)}])
            self.assertIn("451 4.7.1 rate limit", refused.service_send_error)
            wake_ups = env['ir.cron.trigger'].search([
                ('cron_id', '=', worker.id), ('id', '>', self.last_trigger)]).mapped('call_at')
            self.assertEqual({call_at for call_at in wake_ups if call_at > start},
                             {start + timedelta(seconds=60)}, "woken at the end of the pause")
        # The first refusal paused the queue: the second invoice of the batch, and the rest,
        # stay queued; a worker that starts during the pause does not call the server, up to
        # its last second.
        self.assertEqual(len(sink.refusals()), 1)
        self.assertEqual(self.states(ids[1:]), [('queued', 0)] * 3)
        self.assertEqual(self.run_worker(), 0)
        self.later(59)
        self.assertEqual(self.run_worker(), 0)
        self.assertEqual(len(sink.refusals()), 1)
        self.assertFalse(sink.messages())

        # The pause is over: the refused invoice, due now, is refused again; the queue pauses
        # again, and its next try waits twice as long as the first.
        second = self.later(1)
        with mute_logger(*MAIL_LOGGERS):
            self.assertEqual(self.run_worker(), 1)
        self.assertEqual(len(sink.refusals()), 2)
        self.assertEqual(self.states(ids), [('retrying', 2)] + [('queued', 0)] * 3)
        self.assertEqual(self.sending_times(refused_id),
                         (second, second + timedelta(seconds=120)))
        self.later(59)
        self.assertEqual(self.run_worker(), 0)
        # After the second pause the server accepts: the queued invoices go; the refused one
        # waits for its next try, to the second.
        self.later(1)
        self.assertEqual(self.run_worker(), 3)
        self.assertEqual(self.states(ids), [('retrying', 2)] + [('sent', 1)] * 3)
        self.later(59)
        self.assertEqual(self.run_worker(), 0)
        self.later(1)
        self.assertEqual(self.run_worker(), 1)
        self.assertEqual(self.states(ids), [('sent', 3)] + [('sent', 1)] * 3)
        self.later(3600)
        self.assertEqual(self.run_worker(), 0)
        for number in numbers:
            self.assertEqual(self.emailed(sink, number), 1, number)
        self.assertEqual(len(sink.messages()), 4)
        self.assertEqual(len(sink.refusals()), 2)
        with self.registry.cursor() as cr:
            moves = self.env_of(cr)['account.move'].browse(ids)
            self.assertEqual(moves.mapped('is_move_sent'), [True] * 4)
            self.assertFalse(moves.mapped('service_send_error')[0])

    def test_odoo_own_sending_job_refused_for_now_is_followed_and_sent_again(self):
        sink = self.start_sink('--refuse-first', '1')
        ids, numbers = self.queue_invoices([0, 1])
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            # Odoo's own job ("Send invoices automatically") takes the queue first and sends
            # the emails its way; the mail server refuses the first one for now.
            with mute_logger(*MAIL_LOGGERS):
                env['account.move']._cron_account_move_send()
            moves = env['account.move'].browse(ids)
            self.assertEqual(moves.mapped('service_sending_status'), ['sending', 'sending'])
            self.assertFalse(any(moves.mapped('sending_data')))
            workers = env['ir.cron'].search([('code', '=', SENDING_CRON_CODE)])
            self.assertEqual(
                env['ir.cron.trigger'].search([('id', '>', self.last_trigger)]).cron_id, workers,
                "the workers are woken to look at Odoo's emails")
        self.assertEqual(len(sink.refusals()), 1)
        # The workers find the refused email: a try, kept and paused on. Whether they judge
        # the delivered one in the same run or after the pause depends on which of the two
        # Odoo emailed first (September 2025's 19.0 and a later one differ).
        first_run = self.run_worker()
        states = dict(zip(ids, self.states(ids), strict=True))
        [refused] = [id_ for id_, state in states.items() if state == ('retrying', 1)]
        [delivered] = set(ids) - {refused}
        self.assertIn((first_run, states[delivered]), [(2, ('sent', 0)), (1, ('sending', 0))])
        # The pause (60 s by default) and the first wait: the next try is not due before.
        self.later(59)
        self.assertEqual(self.run_worker(), 0)
        self.later(1)
        self.assertEqual(first_run + self.run_worker(), 3)
        self.assertEqual(self.states([refused, delivered]), [('sent', 2), ('sent', 0)])
        self.assertEqual([self.emailed(sink, number) for number in numbers], [1, 1])


@tagged('post_install', '-at_install')
class TestFailedSending(CommittedSendingCase):

    def test_a_permanent_refusal_fails_with_its_reason_and_an_activity(self):
        sink = self.start_sink('--reject', 'ap1@sending.example.com')
        ids, numbers = self.queue_invoices([1, 2])
        with mute_logger(*MAIL_LOGGERS):
            self.assertEqual(self.run_worker(), 2)
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            failed, sent = env['account.move'].browse(ids)
            self.assertRecordValues(failed | sent, [
                {'service_sending_status': 'failed', 'service_send_attempts': 1,
                 'service_send_next_try': False, 'service_send_refused_at': False},
                {'service_sending_status': 'sent', 'service_send_attempts': 1,
                 'service_send_next_try': False, 'service_send_refused_at': False},
            ])
            self.assertIn("550 5.1.1", failed.service_send_error)
            self.assertIn("Correct the customer's email address", failed.service_send_error)
            activity = failed.activity_ids
            self.assertEqual(activity.activity_type_id, env.ref(ACTIVITY))
            self.assertEqual(activity.user_id.id, self.salesperson_id)
            self.assertIn("550 5.1.1", str(activity.note))
            # Shown: the filter "Sending failed / retrying" lists it.
            self.assertEqual(env['account.move'].search([
                ('id', 'in', ids), ('service_sending_status', 'in', ('failed', 'retrying')),
            ]), failed)
            # Corrected, then Send Again.
            failed.partner_id.email = 'accounts1@sending.example.com'
            failed.action_service_send_again()
            self.assertRecordValues(failed, [{'service_sending_status': 'queued',
                                              'service_send_attempts': 0}])
            with self.assertRaises(UserError):
                sent.action_service_send_again()
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self.run_worker(), 1)
        with self.registry.cursor() as cr:
            failed = self.env_of(cr)['account.move'].browse(ids[0])
            self.assertRecordValues(failed, [{'service_sending_status': 'sent',
                                              'service_send_error': False}])
            self.assertFalse(failed.activity_ids, "the activity is done once it is delivered")
        self.assertEqual([self.emailed(sink, number) for number in numbers], [1, 1])
        self.assertEqual(len(sink.refusals()), 1)

    def test_send_on_one_invoice_reads_sent_only_once_the_mail_server_took_it(self):
        """Send on one invoice form emails it at once, through Odoo's mail queue after the
        commit: until the mail server took the email the invoice reads Sending, then Sent, or
        Failed if the server refused it (Sent at once before, refused or not)."""
        # Customers 4 and 5, whose addresses no other test of the class changes.
        customers = (4, 5)
        sink = self.start_sink('--reject', 'ap5@sending.example.com')
        with self.registry.cursor() as cr:
            invoices = self.env_of(cr)['account.move'].create([{
                'move_type': 'out_invoice', 'partner_id': self.partner_ids[index],
                'invoice_user_id': self.salesperson_id,
                'invoice_line_ids': [Command.create({'product_id': self.product_id})],
            } for index in customers])
            invoices.action_post()
            ids = invoices.ids
            self.invoice_ids += ids
            numbers = invoices.mapped('name')
        for invoice_id in ids:
            with self.registry.cursor() as cr, mute_logger(*MAIL_LOGGERS):
                env = self.env_of(cr)
                wizard = env['account.move.send.wizard'].with_context(
                    active_model='account.move', active_ids=[invoice_id]).create({})
                wizard.action_send_and_print()
                self.assertEqual(env['account.move'].browse(invoice_id).service_sending_status,
                                 'sending')
            # Committed: Odoo handed the email to the mail server.

        def to_the_customer():
            return [sum(f'(Ref {number})' in subject and f'ap{index}@' in to
                        for subject, to in sink.messages())
                    for index, number in zip(customers, numbers, strict=True)]
        self.assertEqual(self.states(ids, ('service_sending_status',)), [('sending',)] * 2)
        self.assertEqual(to_the_customer(), [1, 0])
        self.assertEqual(len(sink.refusals()), 1)
        # The workers find out: delivered, or refused for good.
        self.assertEqual(self.run_worker(), 2)
        self.assertEqual(self.states(ids, ('service_sending_status',)), [('sent',), ('failed',)])
        self.assertEqual(to_the_customer(), [1, 0])

    def test_a_render_error_is_kept_retried_then_failed_and_never_stops_the_queue(self):
        sink = self.start_sink()
        self.set_params(pause=60, max_attempts=2)
        ids, numbers = self.queue_invoices([0, 1, 2])
        broken = ids[0]
        render = AccountMoveSend._prepare_invoice_pdf_report

        def crash_on_the_broken_one(self_, invoices_data):
            if any(invoice.id == broken for invoice in invoices_data):
                raise OSError("wkhtmltopdf crashed")
            return render(self_, invoices_data)

        with patch.object(AccountMoveSend, '_prepare_invoice_pdf_report',
                          crash_on_the_broken_one):
            self.assertEqual(self.run_worker(), 3)
            self.assertEqual(self.states(ids), [('retrying', 1), ('sent', 1), ('sent', 1)])
            with self.registry.cursor() as cr:
                move = self.env_of(cr)['account.move'].browse(broken)
                self.assertIn("wkhtmltopdf crashed", move.service_send_error)
                self.assertFalse(move.service_send_refused_at, "not the mail server: no pause")
                self.assertFalse(move.is_move_sent)
            self.later(59)
            self.assertEqual(self.run_worker(), 0, "tried again after a minute, not before")
            self.later(1)
            self.assertEqual(self.run_worker(), 1)
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            move = env['account.move'].browse(broken)
            self.assertRecordValues(move, [{'service_sending_status': 'failed',
                                            'service_send_attempts': 2}])
            self.assertIn("Given up after 2 attempts", move.service_send_error)
            self.assertEqual(move.activity_ids.activity_type_id, env.ref(ACTIVITY))
            move.action_service_send_again()
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self.run_worker(), 1)
        self.assertEqual(self.states(ids), [('sent', 1)] * 3)
        self.assertEqual([self.emailed(sink, number) for number in numbers], [1, 1, 1])

    def test_an_invoice_without_a_recipient_fails_and_is_not_marked_sent(self):
        self.start_sink()
        ids, _numbers = self.queue_invoices([3])
        with self.registry.cursor() as cr:
            self.env_of(cr)['res.partner'].browse(self.partner_ids[3]).email = False
        try:
            self.assertEqual(self.run_worker(), 1)
            with self.registry.cursor() as cr:
                move = self.env_of(cr)['account.move'].browse(ids)
                self.assertRecordValues(move, [{'service_sending_status': 'failed',
                                                'is_move_sent': False}])
                self.assertIn("has no recipient with an email address", move.service_send_error)
                self.assertTrue(move.activity_ids)
        finally:
            with self.registry.cursor() as cr:
                self.env_of(cr)['res.partner'].browse(self.partner_ids[3]).email = \
                    'ap3@sending.example.com'


@tagged('post_install', '-at_install')
class TestEmailedOnce(CommittedSendingCase):

    def test_an_invoice_queued_twice_is_emailed_once(self):
        sink = self.start_sink()
        ids, numbers = self.queue_invoices([0, 1])
        self.assertEqual(self.run_worker(), 2)
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            moves = env['account.move'].browse(ids)
            moves._service_queue_sending()  # queued again
            self.assertEqual(moves.mapped('service_sending_status'), ['sent', 'sent'])
            # One sent before the sending workers knew it (Odoo's Send marks it sent).
            invoice = env['account.move'].create({
                'move_type': 'out_invoice', 'partner_id': self.partner_ids[2],
                'invoice_user_id': self.salesperson_id,
                'invoice_line_ids': [Command.create({'product_id': self.product_id})]})
            self.invoice_ids.append(invoice.id)
            invoice.action_post()
            invoice.is_move_sent = True
            invoice._service_queue_sending()
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self.run_worker(), 3)
        self.assertEqual([self.emailed(sink, number) for number in numbers], [1, 1])
        self.assertEqual(len(sink.messages()), 2)
        with self.registry.cursor() as cr:
            moves = self.env_of(cr)['account.move'].browse([*ids, invoice.id])
            self.assertEqual(moves.mapped('service_sending_status'), ['sent'] * 3)
            self.assertFalse(any(moves.mapped('sending_data')))
            self.assertIn("already emailed", str(moves[0].message_ids[0].body))

    def test_two_workers_racing_email_each_invoice_once(self):
        sink = self.start_sink()
        ids, numbers = self.queue_invoices(range(6))
        with self.registry.cursor() as cr:
            # Queued twice before any worker runs.
            self.env_of(cr)['account.move'].browse(ids[:3])._service_queue_sending()
        processed = {}
        barrier = threading.Barrier(2)
        # Each worker's cursor and environment are made here: the first environment of a
        # cursor looks its registry up, which waits on a lock that Odoo's test runner holds.
        cursors = {name: self.registry.cursor() for name in 'ab'}
        envs = {name: self.env_of(cr) for name, cr in cursors.items()}

        def worker(name):
            barrier.wait()
            processed[name] = envs[name]['account.move']._service_send_queued_invoices()
            cursors[name].commit()  # pylint: disable=invalid-commit

        run_workers(worker, cursors)
        self.assertEqual(sum(processed.values()), 6, processed)
        self.assertEqual([self.emailed(sink, number) for number in numbers], [1] * 6)
        self.assertEqual(self.states(ids), [('sent', 1)] * 6)
        # A later run finds nothing to send.
        self.assertEqual(self.run_worker(), 0)
        self.assertEqual(len(sink.messages()), 6)

    def test_the_state_follows_odoo_own_queue(self):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            invoice = env['account.move'].create({
                'move_type': 'out_invoice', 'partner_id': self.partner_ids[4],
                'invoice_line_ids': [Command.create({'product_id': self.product_id})]})
            self.invoice_ids.append(invoice.id)
            self.assertEqual(invoice.service_sending_status, 'not_sent')
            invoice.action_post()
            invoice._service_queue_sending()
            self.assertEqual(invoice.service_sending_status, 'queued')
            invoice.button_draft()  # Odoo takes it off its queue
            self.assertEqual(invoice.service_sending_status, 'not_sent')
            self.assertFalse(invoice.sending_data)


@tagged('post_install', '-at_install')
class TestLookedAtAgain(CommittedSendingCase):
    """The workers, and Odoo's own sending job, look at each queued invoice again before
    emailing it: one paid since it was queued is not sent as a demand for payment."""

    def pay(self, ids):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            payments = env['account.payment.register'].with_context(
                active_model='account.move', active_ids=ids).create({})._create_payments()
            self.addCleanup(self.remove_payments, payments.ids)
            return env['account.move'].browse(ids).mapped('payment_state')

    def remove_payments(self, ids):
        with self.registry.cursor() as cr:
            payments = self.env_of(cr)['account.payment'].browse(ids).exists()
            payments.move_id.line_ids.remove_move_reconcile()
            payments.action_draft()
            payments.unlink()

    def test_an_invoice_paid_after_it_was_queued_is_not_emailed(self):
        sink = self.start_sink()
        ids, numbers = self.queue_invoices([0, 1])
        [paid_before], [paid_number] = self.queue_invoices([3])
        with self.registry.cursor() as cr:
            self.env_of(cr)['account.move'].browse(paid_before).sending_data = False
        self.pay([paid_before])
        with self.registry.cursor() as cr:
            # Paid first, then queued (a receipt the clerk sends on purpose): it goes.
            self.env_of(cr)['account.move'].browse(paid_before)._service_queue_sending()
        self.assertIn(self.pay([ids[0]])[0], ('paid', 'in_payment'))
        self.assertEqual(self.run_worker(), 3)
        self.assertEqual(self.states([*ids, paid_before], ('service_sending_status',)),
                         [('skipped',), ('sent',), ('sent',)])
        self.assertEqual([self.emailed(sink, number) for number in [*numbers, paid_number]],
                         [0, 1, 1])
        # Odoo's own job ("Send invoices automatically") does not email one paid meanwhile.
        [by_odoo], [by_odoo_number] = self.queue_invoices([2])
        self.pay([by_odoo])
        with self.registry.cursor() as cr:
            self.env_of(cr)['account.move']._cron_account_move_send()
        self.assertEqual(self.run_worker(), 0)
        self.assertEqual(self.emailed(sink, by_odoo_number), 0)
        self.assertEqual(len(sink.messages()), 2)
        with self.registry.cursor() as cr:
            for move in self.env_of(cr)['account.move'].browse([ids[0], by_odoo]):
                self.assertEqual(move.service_sending_status, 'skipped')
                self.assertRegex(str(move.message_ids[0].body), rf"{re.escape(move.name)} was "
                                 r"not emailed: it was queued for sending, then (Paid|In "
                                 r"Payment) before it went\. A paid invoice is not sent as a "
                                 r"demand for payment")
                self.assertFalse(move.sending_data)


@tagged('post_install', '-at_install')
class TestSendingYouCanSee(ServiceInvoicingCommon):
    """Send as the billing clerk sees it, through JSON-RPC: how many invoices were queued, the
    sending status of each (column and filters), Send on an invoice emailed before, and where
    no scheduled action runs, that queued invoices wait."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, login='si_send_clerk', email='clerk@example.com',
                                  groups='service_invoicing.group_service_user')
        cls.manager = new_test_user(cls.env, login='si_send_manager',
                                    email='manager@example.com',
                                    groups='service_invoicing.group_service_manager')

    def posted_invoices(self, count, partner=None):
        invoices = self.env['account.move'].create([{
            'move_type': 'out_invoice', 'partner_id': (partner or self.customer).id,
            'invoice_line_ids': [Command.create({'product_id': self.maintenance.id})],
        } for _index in range(count)])
        invoices.action_post()
        return invoices

    def rpc(self, user, model, method, *args, context=None, **kwargs):
        kwargs['context'] = {'lang': 'en_US', **(context or {})}
        self.env.flush_all()
        self.env.invalidate_all()
        with self.env.cr.savepoint():
            result = call_kw(self.env[model].with_user(user), method, list(args), kwargs)
            self.env.flush_all()
        self.env.invalidate_all()
        return result

    def wizard(self, user, invoices, context=None):
        model = 'account.move.send.wizard' if len(invoices) == 1 \
            else 'account.move.send.batch.wizard'
        context = {'active_model': 'account.move', 'active_ids': invoices.ids, **(context or {})}
        return model, self.rpc(user, model, 'create', {}, context=context), context

    def send(self, user, invoices, context=None):
        """Send (the list's or the form's), then its Send button."""
        model, wizard_id, context = self.wizard(user, invoices, context)
        return self.rpc(user, model, 'action_send_and_print', [wizard_id], context=context)

    def invoice_emails(self, invoice):
        return invoice.message_ids.filtered(
            lambda message: message.message_type == 'comment' and message.attachment_ids)

    def test_send_on_several_invoices_says_how_many_were_queued_and_wakes_the_workers(self):
        workers = self.env['ir.cron'].search([('code', '=', SENDING_CRON_CODE)])
        self.env['ir.cron.trigger'].search([('cron_id', 'in', workers.ids)]).unlink()
        invoices = self.posted_invoices(3)
        for user, batch, expected in ((self.clerk, invoices, "3 invoices queued for sending."),
                                      (self.manager, self.posted_invoices(2),
                                       "2 invoices queued for sending.")):
            with patch(CRON_CONFIG, {'max_cron_threads': 2}):
                action = self.send(user, batch)
            self.assertEqual(action['params']['message'], expected)
            self.assertEqual(action['params']['type'], 'success')
            self.assertEqual(set(batch.mapped('service_sending_status')), {'queued'})
        # The workers run now, not at their next interval (an hour).
        triggers = self.env['ir.cron.trigger'].search([('cron_id', 'in', workers.ids)])
        self.assertEqual(triggers.cron_id, workers)
        self.assertTrue(all(call_at <= fields.Datetime.now()
                            for call_at in triggers.mapped('call_at')))
        # Where no scheduled action runs, the message says the invoices wait.
        action = self.send(self.clerk, self.posted_invoices(2))
        self.assertIn("2 invoices queued for sending. No scheduled actions run on this Odoo "
                      "server", action['params']['message'])
        self.assertEqual(action['params']['type'], 'warning')

    def test_the_sending_status_shows_in_a_column_and_filters(self):
        """One sending status, the workers' own: an invoice being retried reads Retrying
        (Queued before, with a second field for the workers), and Queued for Sending still
        finds it."""
        not_sent, queued, failed, emailed, retried = self.posted_invoices(5)
        (queued | failed | retried)._service_queue_sending()
        failed._service_record_failure(failures.Failure(
            "550 mailbox unavailable", temporary=False, server=True))
        retried._service_record_failure(failures.Failure(
            "451 try again later", temporary=True, server=True))
        self.send(self.clerk, emailed)
        # In Odoo's mail queue until the mail server takes it, as the workers find out.
        self.assertEqual(emailed.service_sending_status, 'sending')
        emailed._service_record_sent()
        self.assertRecordValues(not_sent | queued | failed | emailed | retried, [
            {'service_sending_status': 'not_sent'}, {'service_sending_status': 'queued'},
            {'service_sending_status': 'failed'}, {'service_sending_status': 'sent'},
            {'service_sending_status': 'retrying'}])
        self.assertNotIn('service_send_state', self.env['account.move']._fields)
        self.assertEqual(emailed.service_sent_to, 'billing@cooling.example.com')
        self.assertEqual(emailed.service_sent_on, self.invoice_emails(emailed).date)
        # Recorded by the sending only: a clerk cannot mark an invoice sent through the API.
        for user in (self.clerk, self.manager):
            with self.assertRaisesRegex(UserError, "recorded by Service Invoicing itself"):
                self.rpc(user, 'account.move', 'write', not_sent.ids,
                         {'service_sending_status': 'sent', 'service_sent_to': 'x@example.com'})
        self.assertEqual(not_sent.service_sending_status, 'not_sent')
        invoices = not_sent | queued | failed | emailed | retried
        view = self.rpc(self.clerk, 'account.move', 'get_views',
                        [(False, 'list'), (False, 'search')],
                        context={'default_move_type': 'out_invoice'})['views']
        self.assertIn('name="service_sending_status"', view['list']['arch'])
        search = view['search']['arch']
        for name, expected in (('service_sending_queued', queued | retried),
                               ('service_sending_sent', emailed),
                               ('service_sending_failed', failed),
                               ('service_send_trouble', failed | retried)):
            self.assertIn(f'name="{name}"', search)
            domain = re.search(f'name="{name}"[^>]*domain="([^"]*)"', search).group(1)
            found = self.rpc(self.clerk, 'account.move', 'search', [
                ('id', 'in', invoices.ids), *safe_eval(html.unescape(domain))])
            self.assertEqual(sorted(found), sorted(expected.ids), name)

    def test_send_on_an_invoice_emailed_before_says_when_and_to_whom_and_asks(self):
        invoice, other = self.posted_invoices(2)
        self.send(self.clerk, invoice)
        self.assertEqual(len(self.invoice_emails(invoice)), 1)
        # The Send window says so and offers Send Again instead of Send.
        model, wizard_id, context = self.wizard(self.clerk, invoice)
        wizard = self.env[model].browse(wizard_id).with_context(**context)
        self.assertTrue(wizard.service_emailed)
        self.assertRegex(str(wizard.alerts['service_already_emailed']['message']),
                         rf"{re.escape(invoice.name)} was already emailed on .+ to "
                         r"billing@cooling\.example\.com")
        # Through the API too: Send refuses without the confirmation, and emails nothing.
        for user in (self.clerk, self.manager):
            with self.assertRaisesRegex(UserError, rf"{re.escape(invoice.name)} was already "
                                        r"emailed on .+ to billing@cooling\.example\.com\. "
                                        r"Confirm with Send Again"):
                self.send(user, invoice)
            with self.assertRaisesRegex(UserError, r"was already emailed"):
                self.send(user, invoice | other)
        self.assertEqual(len(self.invoice_emails(invoice)), 1)
        self.assertFalse(other.sending_data)
        # Confirmed: emailed once more (the form), or queued again (the list).
        self.send(self.clerk, invoice, context={'service_confirm_resend': True})
        self.assertEqual(len(self.invoice_emails(invoice)), 2)
        action = self.send(self.manager, invoice | other,
                           context={'service_confirm_resend': True})
        self.assertIn("2 invoices queued for sending.", action['params']['message'])
        self.assertEqual((invoice | other).mapped('service_sending_status'), ['queued'] * 2)
        self.assertTrue(invoice.sending_data.get('service_resend'))

    def test_where_no_scheduled_action_runs_the_send_window_says_queued_invoices_wait(self):
        invoices = self.posted_invoices(2)
        _model, wizard_id, context = self.wizard(self.clerk, invoices)
        wizard = self.env['account.move.send.batch.wizard'].browse(wizard_id)
        self.assertIn("queued invoices wait until the scheduled action",
                      wizard.with_context(**context).alerts['service_sending_waits']['message'])
        with patch(CRON_CONFIG, {'max_cron_threads': 2}):
            wizard.invalidate_recordset(['alerts', 'summary_data'])
            self.assertNotIn('service_sending_waits', wizard.with_context(**context).alerts or {})
        # A queued invoice's form says it too, instead of "being sent in the background".
        self.send(self.clerk, invoices)
        alert = invoices[0].with_user(self.clerk).alerts['account_is_being_sent']
        self.assertIn("queued invoices wait until the scheduled action", alert['message'])

    def test_an_invoice_cancelled_while_queued_says_it_was_not_emailed(self):
        invoice = self.posted_invoices(1)
        self.send(self.clerk, invoice | self.posted_invoices(1))
        self.rpc(self.clerk, 'account.move', 'button_cancel', invoice.ids)
        self.assertFalse(invoice.sending_data)
        self.assertEqual(invoice.service_sending_status, 'not_sent')
        self.assertIn(f"{invoice.name} was reset to draft (or cancelled) while queued for "
                      "sending: it was not emailed.",
                      " ".join(map(str, invoice.message_ids.mapped('body'))))
