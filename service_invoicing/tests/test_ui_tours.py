from datetime import date

from odoo import Command
from odoo.tests import new_test_user, tagged

from .tour_common import ServiceTourCase


@tagged('post_install', '-at_install')
class TestServiceInvoicingTours(ServiceTourCase):
    """The web client, in a real (headless Chromium) browser, as each role of the app: a
    service manager, an order clerk and a billing clerk, each a user of that role only."""

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

    @classmethod
    def _service_product(cls, name, price):
        """A service billed on what is posted as shipped, without taxes (the amounts the
        tours read are the untaxed ones)."""
        return cls.env['product.product'].create({
            'name': name, 'type': 'service', 'lst_price': price, 'invoice_policy': 'delivery',
            'taxes_id': [Command.clear()]})

    def test_service_manager_signs_a_contract_and_bills_it_with_a_run(self):
        customer = self.env['res.partner'].create({'name': "Tour Customer"})
        self.env['product.product'].create({
            'name': "Tour Maintenance", 'type': 'service', 'lst_price': 1200.0,
            'taxes_id': [Command.clear()]})
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

    def test_order_clerk_confirms_ships_and_invoices_an_order(self):
        customer = self.env['res.partner'].create({'name': "Clerk Tour Customer"})
        product = self._service_product("Tour Installation", 80.0)
        order = self.env['sale.order'].create({
            'partner_id': customer.id, 'user_id': self.order_clerk.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 5.0})],
        })
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
        orders = self.env['sale.order'].create([{
            'partner_id': customer.id, 'user_id': self.billing_clerk.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty})],
        } for qty in (2.0, 3.0)])
        orders.action_confirm()
        for order in orders:
            line = order.order_line
            line._service_post('ship', ship={line: line.product_uom_qty})
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
        order = self.env['sale.order'].create({
            'partner_id': customer.id, 'user_id': self.billing_clerk.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 5.0})],
        })
        order.action_confirm()
        order.order_line._service_post('ship', ship={order.order_line: 5.0})
        self.start_tour('/odoo/action-account.action_move_out_invoice_type',
                        'service_invoicing_get_shipment_lines_tour',
                        login=self.billing_clerk.login)
        invoice = self.env['account.move'].search([('partner_id', '=', customer.id)])
        shipment_line = order.service_shipment_ids.line_ids
        self.assertRecordValues(invoice.invoice_line_ids, [{
            'quantity': 2.0, 'price_unit': 40.0, 'service_shipment_line_id': shipment_line.id}])
        self.assertEqual(shipment_line.qty_to_invoice, 3.0)
        self.assertEqual(invoice.create_uid, self.billing_clerk)
