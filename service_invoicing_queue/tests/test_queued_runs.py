from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.service_invoicing.tests.common import ServiceInvoicingCommon
from .common import CHANNEL, run_pending_jobs


@tagged('post_install', '-at_install')
class TestQueuedRuns(ServiceInvoicingCommon):
    """Runs larger than one job's chunk are queue_job jobs on their own channel; the run
    gathers their result when the last one ends, with the invoices one process makes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].set_param('service_invoicing_queue.chunk_size', 2)
        cls.contracts = cls.env['service.contract']
        for _index in range(5):
            cls.contracts |= cls.create_contract()
        # Two contracts combined on one invoice: the same chunk, whatever its size.
        cls.combined = cls.create_contract(partner=cls.customer_2, combine_invoices=True) \
            | cls.create_contract(partner=cls.customer_2, combine_invoices=True)
        cls.contracts |= cls.combined

    def open_wizard(self):
        wizard = Form(self.env['service.contract.invoice.wizard'].with_context(
            active_model='service.contract', active_ids=self.contracts.ids))
        wizard.invoice_to_date = date(2026, 1, 31)
        wizard.posting_date = date(2026, 1, 31)
        return wizard.save()

    def run_jobs(self):
        return self.env['queue.job'].sudo().search([('channel', '=', CHANNEL)])

    def test_create_contract_invoices_queues_chunks_and_gathers_the_result(self):
        action = self.open_wizard().action_create_invoices()
        run = self.env['service.invoicing.run'].browse(action['res_id'])
        self.assertEqual(action['res_model'], 'service.invoicing.run')
        # 7 contracts by 2, the combined pair kept together: 4 chunks and a last job.
        self.assertEqual(len(run.chunk_ids), 4)
        self.assertTrue(any(self.combined <= chunk.contract_ids for chunk in run.chunk_ids))
        jobs = self.run_jobs()
        self.assertEqual(len(jobs), 5)
        self.assertEqual(sorted(jobs.mapped('state')), ['pending'] * 4 + ['wait_dependencies'])
        self.assertFalse(self.contracts.period_ids, "Nothing is billed before a runner runs")
        self.assertEqual(run.state, 'queued')

        run_pending_jobs(self.env)
        self.assertEqual(set(jobs.mapped('state')), {'done'})
        self.assertRecordValues(run, [{
            'state': 'done', 'created_count': 6, 'invoiced_count': 7, 'skipped_count': 0,
            'failed_count': 0}])
        self.assertEqual(run.invoice_ids, self.contracts.period_ids.invoice_id)
        self.assertEqual(len(run.invoice_ids.filtered(
            lambda move: move.invoice_line_ids.service_contract_id == self.combined)), 1)
        self.assert_same_as_standard(run.invoice_ids)

        # Again: every period is billed once, the second run creates nothing.
        again = self.env['service.invoicing.run'].browse(
            self.open_wizard().action_create_invoices()['res_id'])
        run_pending_jobs(self.env)
        self.assertRecordValues(again, [{'state': 'done', 'created_count': 0,
                                         'skipped_count': 7}])
        self.assertEqual(len(self.contracts.period_ids), 7)

    def test_a_job_runs_as_its_user_who_invoices_only_own_contracts(self):
        user = self.env['res.users'].create({
            'name': "Queue Salesperson", 'login': 'queue_salesperson',
            'group_ids': [Command.set([self.env.ref('service_invoicing.group_service_user').id,
                                       self.env.ref('account.group_account_invoice').id])],
        })
        (self.contracts - self.combined).user_id = user
        self.combined.user_id = self.env.user
        wizard = self.env['service.contract.invoice.wizard'].with_user(user).create({
            'invoice_to_date': date(2026, 1, 31), 'posting_date': date(2026, 1, 31)})
        run = self.env['service.invoicing.run'].browse(
            wizard.action_create_invoices()['res_id'])
        self.assertEqual(self.run_jobs().user_id, user)
        run_pending_jobs(self.env)
        self.assertRecordValues(run, [{'state': 'done', 'created_count': 5,
                                       'invoiced_count': 5}])
        self.assertFalse(self.combined.period_ids)

    def test_a_run_of_one_chunk_is_done_at_once_as_without_the_queue(self):
        self.contracts = self.contracts[:2]
        wizard = self.open_wizard()
        wizard.action_create_invoices()
        self.assertFalse(self.run_jobs())
        self.assertEqual(wizard.created_count, 2)

    @freeze_time('2026-01-31')
    def test_the_daily_job_queues_its_run_once(self):
        Contract = self.env['service.contract']
        run = Contract._cron_create_contract_invoices()
        self.assertEqual(run.origin, 'cron')
        self.assertFalse(Contract._cron_create_contract_invoices(),
                         "A run of the daily job still queued is not queued twice")
        run_pending_jobs(self.env)
        self.assertEqual(run.state, 'done')
        self.assertGreaterEqual(run.invoiced_count, 7)
        self.assertEqual(len(self.contracts.period_ids), 7)

    @freeze_time('2026-01-31')
    def test_a_failed_job_does_not_hold_the_next_daily_run(self):
        Contract = self.env['service.contract']
        run = Contract._cron_create_contract_invoices()
        self.env['queue.job'].sudo().search(
            [('uuid', '=', run.chunk_ids[0].job_uuid)]).write({'state': 'failed'})
        again = Contract._cron_create_contract_invoices()
        self.assertTrue(again)
        self.assertNotEqual(again, run)
        run_pending_jobs(self.env)
        self.assertEqual(again.state, 'done')
        self.assertEqual(len(self.contracts.period_ids), 7)
