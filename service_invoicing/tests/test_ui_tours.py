from datetime import date, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from .common import build_contract, build_order, post_order
from .tour_common import ServiceTourCase


@tagged('post_install', '-at_install')
class TestServiceInvoicingTours(ServiceTourCase):
    """The web client, in a real (headless Chromium) browser, as each role of the app: a
    service manager, an order clerk, a billing clerk and an administrator, each a user of that
    role only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Logins of 8 characters or more: start_tour logs in with the login as password.
        cls.service_manager = new_test_user(
            cls.env, login='tour_service_manager', name="Sam Service Manager",
            groups='base.group_user,service_invoicing.group_service_manager')
        cls.order_clerk = new_test_user(
            cls.env, login='tour_order_clerk', name="Olga Order Clerk",
            groups='base.group_user,service_invoicing.group_service_user,'
                   'sales_team.group_sale_salesman')
        cls.billing_clerk = new_test_user(
            cls.env, login='tour_billing_clerk', name="Bill Billing Clerk",
            groups='base.group_user,service_invoicing.group_service_user')
        # Who sees Settings: an administrator, who manages Service Invoicing too.
        cls.administrator = new_test_user(
            cls.env, login='tour_administrator', name="Ada Administrator",
            groups='base.group_user,base.group_system,service_invoicing.group_service_manager')

    @classmethod
    def _service_product(cls, name, price):
        """A service billed on what is posted as shipped, without taxes (the amounts the
        tours read are the untaxed ones)."""
        return cls.env['product.product'].create({
            'name': name, 'type': 'service', 'lst_price': price, 'invoice_policy': 'delivery',
            'taxes_id': [Command.clear()]})

    def _shipped_orders(self, customer, salesperson, lines):
        """Confirmed orders of ``customer``, one per (product, quantity), shipped in full."""
        orders = self.env['sale.order']
        for product, quantity in lines:
            order = build_order(self.env, customer, [(product, quantity)],
                                user_id=salesperson.id)
            post_order(order, 'ship', ship={product: quantity})
            orders |= order
        return orders

    def test_service_manager_signs_a_contract_and_bills_it_with_a_run(self):
        customer = self.env['res.partner'].create({'name': "Tour Customer"})
        self.env['product.product'].create({
            'name': "Tour Maintenance", 'type': 'service', 'lst_price': 1200.0,
            'taxes_id': [Command.clear()]})
        # What the Reporting menu and the contracts show besides: a contract that expired at
        # the end of last month, its four quarters billed and posted (Billed Revenue), and a
        # monthly one of 200.00 a month from this month (its first month waits in the
        # backlog: Backlog Aging; the next ones: Contract Billing Forecast).
        upkeep = self._service_product("Tour Upkeep", 1200.0)
        this_month = date.today().replace(day=1)
        expired = build_contract(
            self.env, self.env['res.partner'].create({'name': "Lapsed Facilities"}),
            [(upkeep, 1.0, 1200.0)], date_start=this_month - relativedelta(years=1),
            date_end=this_month - timedelta(days=1), invoice_period='quarter', prepaid=True)
        expired._create_contract_invoices(date.today(), date.today(), post=True)
        self.assertEqual(expired.billed_to_date, 1200.0)
        build_contract(
            self.env, self.env['res.partner'].create({'name': "Ongoing Works"}),
            [(upkeep, 1.0, 2400.0)], date_start=this_month, invoice_period='month',
            prepaid=True)
        self.start_tour('/odoo/action-service_invoicing.action_service_contract',
                        'service_invoicing_contract_tour', login=self.service_manager.login)
        contract = self.env['service.contract'].search([('partner_id', '=', customer.id)])
        self.assertRecordValues(contract, [{
            'state': 'signed', 'change_status': 'locked', 'prepaid': True,
            'invoice_period': 'year', 'date_start': date.today().replace(day=1),
            'annual_amount': 1200.0, 'invoice_count': 1}])
        invoice = contract.period_ids.invoice_id
        self.assertRecordValues(invoice, [{
            'partner_id': customer.id, 'state': 'draft', 'move_type': 'out_invoice',
            'amount_untaxed': contract.period_ids.amount, 'amount_total': 1200.0,
            'invoice_user_id': self.service_manager.id}])
        self.assertEqual(contract.create_uid, self.service_manager)
        # The forecast the manager read is theirs, made when they opened it.
        forecast = self.env['service.contract.forecast'].search(
            [('create_uid', '=', self.service_manager.id)])
        self.assertIn(200.0, forecast.mapped('amount'))

    def test_order_clerk_confirms_ships_and_invoices_an_order(self):
        customer = self.env['res.partner'].create({'name': "Clerk Tour Customer"})
        product = self._service_product("Tour Installation", 80.0)
        order = build_order(self.env, customer, [(product, 5.0)], confirm=False,
                            user_id=self.order_clerk.id)
        self.start_tour('/odoo/action-service_invoicing.action_service_orders',
                        'service_invoicing_order_clerk_tour', login=self.order_clerk.login)
        self.assertEqual(order.state, 'sale')
        shipment = order.service_shipment_ids
        self.assertRecordValues(shipment.line_ids, [{
            'product_id': product.id, 'qty_shipped': 5.0, 'qty_to_invoice': 0.0}])
        self.assertEqual(shipment.create_uid, self.order_clerk)
        invoice = order.invoice_ids
        self.assertRecordValues(invoice.invoice_line_ids, [{
            'quantity': 5.0, 'price_unit': 80.0, 'service_shipment_line_id': shipment.line_ids.id}])
        # The whole order is invoiced: the invoice bills what Odoo's order says it is worth.
        self.assertRecordValues(invoice, [{
            'state': 'draft', 'amount_untaxed': order.amount_untaxed,
            'amount_total': order.amount_total}])
        self.assertRecordValues(order.order_line, [{'qty_delivered': 5.0, 'qty_invoiced': 5.0}])

    def test_billing_clerk_combines_shipments_and_registers_the_payment(self):
        customer = self.env['res.partner'].create({'name': "Billing Tour Customer"})
        product = self._service_product("Tour Inspection", 150.0)
        orders = self._shipped_orders(customer, self.billing_clerk, [(product, 2.0),
                                                                     (product, 3.0)])
        self.start_tour('/odoo/action-service_invoicing.action_service_invoices',
                        'service_invoicing_billing_clerk_tour', login=self.billing_clerk.login)
        invoice = orders.invoice_ids
        self.assertEqual(len(invoice), 1, "One invoice combines both orders' shipments")
        self.assertRecordValues(invoice, [{
            'partner_id': customer.id, 'state': 'posted', 'payment_state': 'paid',
            'amount_untaxed': sum(orders.mapped('amount_untaxed')),
            'amount_total': sum(orders.mapped('amount_total')), 'amount_residual': 0.0}])
        self.assertEqual(sorted(invoice.invoice_line_ids.mapped('quantity')), [2.0, 3.0])
        self.assertEqual(invoice.matched_payment_ids.create_uid, self.billing_clerk)
        self.assertEqual(orders.order_line.shipment_line_ids.mapped('qty_to_invoice'), [0.0, 0.0])

    def test_billing_clerk_gets_shipment_lines_on_an_invoice(self):
        customer = self.env['res.partner'].create({'name': "Shipment Tour Customer"})
        product = self.env['product.product'].create({
            'name': "Tour Filter", 'type': 'consu', 'lst_price': 40.0,
            'invoice_policy': 'delivery'})
        order = self._shipped_orders(customer, self.billing_clerk, [(product, 5.0)])
        self.start_tour('/odoo/action-account.action_move_out_invoice_type',
                        'service_invoicing_get_shipment_lines_tour',
                        login=self.billing_clerk.login)
        invoice = self.env['account.move'].search([('partner_id', '=', customer.id)])
        shipment_line = order.service_shipment_ids.line_ids
        self.assertRecordValues(invoice.invoice_line_ids, [{
            'quantity': 2.0, 'price_unit': 40.0, 'service_shipment_line_id': shipment_line.id}])
        self.assertEqual(shipment_line.qty_to_invoice, 3.0)
        self.assertEqual(invoice.create_uid, self.billing_clerk)

    def test_billing_clerk_makes_a_proforma_recalculates_and_confirms_it(self):
        customer = self.env['res.partner'].create({'name': "Proforma Client"})
        repair = self._service_product("Tour Repair", 80.0)
        callout = self._service_product("Tour Callout", 120.0)
        repair_order, callout_order = self._shipped_orders(
            customer, self.billing_clerk, [(repair, 6.0), (callout, 1.0)])
        self.start_tour('/odoo/action-service_invoicing.action_service_invoices',
                        'service_invoicing_proforma_tour', login=self.billing_clerk.login)
        invoice = repair_order.invoice_ids
        self.assertRecordValues(invoice, [{
            'partner_id': customer.id, 'state': 'posted', 'service_proforma': True,
            'amount_untaxed': 4 * 80.0 + 120.0}])
        self.assertEqual(callout_order.invoice_ids, invoice, "Recalculate added the callout")
        self.assertEqual(invoice.create_uid, self.billing_clerk)
        # The 2 hours the clerk left off stay ready in the backlog.
        items = self.env['service.billing.item'].search(
            [('order_id', 'in', (repair_order | callout_order).ids)])
        self.assertRecordValues(items.sorted(lambda item: item.product_id.name), [
            {'product_id': callout.id, 'billing_status': 'invoice_posted', 'qty_to_invoice': 0.0},
            {'product_id': repair.id, 'billing_status': 'ready', 'qty_to_invoice': 2.0},
        ])

    def test_billing_clerk_sends_invoices_and_registers_a_payment(self):
        customer = self.env['res.partner'].create(
            {'name': "Sending Client", 'email': 'ap@sending-client.example.com'})
        support = self._service_product("Tour Support", 100.0)
        invoices = self.env['account.move'].create([{
            'move_type': 'out_invoice', 'partner_id': customer.id,
            'invoice_line_ids': [Command.create(
                {'product_id': support.id, 'quantity': quantity})],
        } for quantity in (1.0, 2.0, 3.0)])
        invoices.action_post()
        first, second, emailed = invoices
        # The third was emailed already, by the clerk's Send: Sending while its email waits
        # in Odoo's mail queue, Sent once the sending workers found the mail server took it.
        self.env['account.move.send.wizard'].with_user(self.billing_clerk).with_context(
            active_model='account.move', active_ids=emailed.ids,
        ).create({}).action_send_and_print()
        self.assertEqual(emailed.service_sending_status, 'sending')
        emailed._service_record_sent(attempted=False)
        self.assertEqual(emailed.service_sending_status, 'sent')
        # This server runs no scheduled action (as the tests' configuration): queued
        # invoices wait, and the Send window and the invoice say so.
        with patch.dict(config.options, {'max_cron_threads': 0}):
            self.start_tour('/odoo/action-service_invoicing.action_service_invoices',
                            'service_invoicing_sending_tour', login=self.billing_clerk.login)
        self.assertEqual((first | second).mapped('service_sending_status'), ['queued'] * 2)
        self.assertEqual([move.sending_data.get('author_user_id') for move in first | second],
                         [self.billing_clerk.id] * 2)
        # Asked before emailing it again, the clerk did not: one invoice email.
        self.assertEqual(len(emailed.message_ids.filtered(
            lambda message: message.message_type == 'comment' and message.attachment_ids)), 1)
        self.assertRecordValues(emailed, [{
            'service_sending_status': 'sent', 'payment_state': 'paid', 'amount_residual': 0.0}])
        self.assertEqual(emailed.matched_payment_ids.create_uid, self.billing_clerk)

    def test_administrator_reads_the_pdf_renderer_warning_in_settings(self):
        if not self.env['ir.actions.report']._service_headers_in_body():
            self.skipTest("This server's wkhtmltopdf prints separate headers and footers: "
                          "Settings has no warning to show")
        self.start_tour('/odoo/action-service_invoicing.action_service_contract',
                        'service_invoicing_settings_tour', login=self.administrator.login)
