from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.queue_job.job import Job
from odoo.addons.service_invoicing.tests.common import ServiceOrderCommon
from .common import CHANNEL, run_pending_jobs


@tagged('post_install', '-at_install')
class TestQueuedCombineShipments(ServiceOrderCommon):
    """Combine Shipments of more shipment lines than one job's chunk: jobs of customers on
    the run channel, each invoicing its customers' lines as one process does; the run
    gathers their result when the last one ends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].set_param('service_invoicing_queue.chunk_size', 2)
        Partner = cls.env['res.partner']
        cls.customer_3 = Partner.create({'name': "Venting SA"})
        cls.customer_4 = Partner.create({'name': "Pumps GmbH"})
        other_terms = cls.env.ref('account.account_payment_term_30days')
        cls.orders = (
            # Two orders of one customer on one invoice, a third on other terms: their
            # lines stay in one job.
            cls.create_order([(cls.filter_kit, 10.0), (cls.labour, 2.0)])
            | cls.create_order([(cls.filter_kit, 3.0)])
            | cls.create_order([(cls.labour, 5.0)], payment_term_id=other_terms.id)
            | cls.create_order([(cls.labour, 4.0)], partner=cls.customer_2)
            | cls.create_order([(cls.filter_kit, 7.0)], partner=cls.customer_3)
            | cls.create_order([(cls.filter_kit, 2.0), (cls.labour, 3.0)],
                               partner=cls.customer_4))
        for order in cls.orders:
            for line in order.order_line:
                # Shipped in two parts: two shipment lines per order line.
                order.order_line._service_post('ship', ship={line: line.product_uom_qty - 1})
                order.order_line._service_post('ship', ship={line: 1.0})
        cls.shipped = cls.orders.service_shipment_ids.line_ids

    def open_wizard(self):
        form = Form(self.env['service.shipment.combine.wizard'])
        form.date_to = date(2100, 1, 1)
        form.posting_date = date(2026, 1, 31)
        return form.save()

    def invoice_contents(self, invoices):
        """What a user sees of each invoice: customer, terms, lines and totals."""
        return sorted(
            (move.partner_id.id, move.invoice_payment_term_id.id, move.invoice_origin,
             move.date, move.amount_untaxed, move.amount_tax, move.amount_total,
             tuple(sorted((line.service_shipment_line_id.id, line.quantity, line.price_unit,
                           line.price_subtotal) for line in move.invoice_line_ids)))
            for move in invoices)

    def one_process_contents(self):
        """The invoices Combine Shipments makes in one process, then undone."""
        savepoint = self.env.cr.savepoint()
        try:
            invoices, failed, _left = self.env['service.shipment.line']._combine_shipments(
                date(2100, 1, 1), posting_date=date(2026, 1, 31),
                document_date=date(2026, 1, 31))
            self.assertFalse(failed)
            contents = self.invoice_contents(invoices)
            self.env.flush_all()
        finally:
            savepoint.close(rollback=True)
        self.env.invalidate_all()
        self.assertTrue(self.shipped.filtered('qty_to_invoice'))
        return contents

    def test_combine_shipments_queues_customer_chunks_and_gathers_the_result(self):
        expected = self.one_process_contents()
        self.assertEqual(len(expected), 5)
        action = self.open_wizard().action_create()
        self.assertEqual(action['res_model'], 'service.invoicing.run')
        run = self.env['service.invoicing.run'].browse(action['res_id'])
        self.assertEqual(run.origin, 'combine')
        # A customer's lines (its two invoices) in one job; the run in several jobs.
        self.assertGreater(len(run.chunk_ids), 2)
        partners = run.chunk_ids.partner_ids
        self.assertEqual(len(partners), 4)
        self.assertEqual(sum(len(chunk.partner_ids) for chunk in run.chunk_ids), 4)
        jobs = self.env['queue.job'].sudo().search([('channel', '=', CHANNEL)])
        self.assertEqual(len(jobs), len(run.chunk_ids) + 1)
        self.assertFalse(self.shipped.invoice_line_ids, "Nothing is invoiced before a runner")

        run_pending_jobs(self.env)
        self.assertEqual(set(jobs.mapped('state')), {'done'})
        self.assertRecordValues(run, [{'state': 'done', 'created_count': 5,
                                       'invoiced_count': 4, 'failed_count': 0}])
        self.assertEqual(run.invoice_ids, self.shipped.invoice_line_ids.move_id)
        # The same invoices as one process, every shipped quantity billed once.
        self.assertEqual(self.invoice_contents(run.invoice_ids), expected)
        for line in self.shipped:
            self.assertEqual(sum(line.invoice_line_ids.mapped('quantity')), line.qty_shipped)
        self.assertFalse(self.shipped.filtered('qty_to_invoice'))
        self.assert_same_as_standard(run.invoice_ids)

        # A chunk's job run again (queue_job after a killed runner) invoices nothing more.
        job = Job.load(self.env, run.chunk_ids[0].job_uuid)
        job.perform()
        self.assertFalse(run.chunk_ids[0].invoice_ids)
        self.assertEqual(self.shipped.invoice_line_ids.move_id, run.invoice_ids)
        # And Combine Shipments again finds nothing left.
        with self.assertRaisesRegex(UserError, "left to invoice"):
            self.open_wizard().action_create()

    def test_two_invoice_addresses_of_one_customer_stay_in_one_job(self):
        """Orders billed to a contact of Venting SA: two invoices of one bill-to customer,
        whom a job selects its lines by, made by one job as in one process."""
        accounts = self.env['res.partner'].create(
            {'name': "Venting Accounts", 'type': 'invoice', 'parent_id': self.customer_3.id})
        self.orders.filtered(lambda order: order.partner_id == self.customer_4) \
            .partner_invoice_id = accounts
        expected = self.one_process_contents()
        self.assertEqual(len(expected), 5)
        run = self.env['service.invoicing.run'].browse(
            self.open_wizard().action_create()['res_id'])
        self.assertEqual(len(run.chunk_ids.filtered(
            lambda chunk: self.customer_3 in chunk.partner_ids)), 1)
        run_pending_jobs(self.env)
        self.assertEqual(run.created_count, 5)
        self.assertEqual(self.invoice_contents(run.invoice_ids), expected)
        self.assertEqual(len(run.invoice_ids.filtered(
            lambda move: move.commercial_partner_id == self.customer_3)), 2)

    def test_few_shipment_lines_are_combined_at_once_as_without_the_queue(self):
        self.env['ir.config_parameter'].set_param('service_invoicing_queue.chunk_size', 100)
        wizard = self.open_wizard()
        wizard.action_create()
        self.assertFalse(wizard.run_id)
        self.assertFalse(self.env['queue.job'].sudo().search([('channel', '=', CHANNEL)]))
        self.assertEqual(len(wizard.invoice_ids), 5)

    def test_the_daily_job_queues_its_run_once_and_gathers_it(self):
        ShipmentLine = self.env['service.shipment.line']
        with freeze_time('2100-01-01'):
            run = ShipmentLine._cron_combine_shipments()
            self.assertEqual(run.origin, 'combine_cron')
            self.assertFalse(ShipmentLine._cron_combine_shipments(),
                             "A run of the daily job still queued is not queued twice")
        run_pending_jobs(self.env)
        self.assertRecordValues(run, [{'state': 'done', 'created_count': 5,
                                       'invoiced_count': 4, 'failed_count': 0}])
        self.assertEqual(set(run.invoice_ids.mapped('state')), {'draft'})
        self.assertFalse(self.shipped.filtered('qty_to_invoice'))

    def test_a_salesperson_run_invoices_own_orders_and_says_what_it_left(self):
        user = self.env['res.users'].create({
            'name': "Combine Salesperson", 'login': 'combine_salesperson',
            'group_ids': [Command.set([self.env.ref('service_invoicing.group_service_user').id,
                                       self.env.ref('sales_team.group_sale_salesman').id,
                                       self.env.ref('account.group_account_invoice').id])],
        })
        others = self.orders.filtered(lambda order: order.partner_id == self.customer_4)
        (self.orders - others).user_id = user
        form = Form(self.env['service.shipment.combine.wizard'].with_user(user))
        form.date_to = date(2100, 1, 1)
        run = self.env['service.invoicing.run'].browse(form.save().action_create()['res_id'])
        jobs = self.env['queue.job'].sudo().search([('channel', '=', CHANNEL)])
        self.assertEqual(jobs.user_id, user)
        self.assertNotIn(self.customer_4, run.chunk_ids.partner_ids)
        run_pending_jobs(self.env)
        self.assertRecordValues(run, [{'state': 'done', 'created_count': 4,
                                       'invoiced_count': 3, 'left_count': 4}])
        self.assertIn("4 shipment lines of orders of other salespersons were left out",
                      run.result_message)
        self.assertFalse(others.service_shipment_ids.line_ids.invoice_line_ids)
