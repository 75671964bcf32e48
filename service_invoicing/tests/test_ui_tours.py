from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestServiceInvoicingTours(HttpCase):
    """The web client, in a real (headless Chromium) browser."""

    # The first page builds the asset bundles while its other requests wait for the test
    # cursor: on a busy machine that takes longer than Odoo's 20 seconds.
    test_cursor_lock_timeout = 120

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        # The same on a busy machine: the web client may take over a minute to be ready.
        kwargs.setdefault('timeout', 240)
        return super().start_tour(url_path, tour_name, step_delay, **kwargs)

    def test_sign_a_contract_and_invoice_it_in_the_browser(self):
        customer = self.env['res.partner'].create({'name': "Tour Customer"})
        self.env['product.product'].create({
            'name': "Tour Maintenance", 'type': 'service', 'lst_price': 1200.0})
        self.start_tour('/odoo/action-service_invoicing.action_service_contract',
                        'service_invoicing_contract_tour', login='admin')
        contract = self.env['service.contract'].search([('partner_id', '=', customer.id)])
        self.assertRecordValues(contract, [{'state': 'signed', 'change_status': 'locked',
                                            'prepaid': True, 'annual_amount': 1200.0,
                                            'invoice_count': 1}])
        invoice = contract.period_ids.invoice_id
        self.assertEqual(invoice.amount_untaxed, contract.period_ids.amount)
        self.assertEqual(invoice.partner_id, customer)

    def test_get_shipment_lines_in_the_browser(self):
        customer = self.env['res.partner'].create({'name': "Shipment Tour Customer"})
        product = self.env['product.product'].create({
            'name': "Tour Filter", 'type': 'consu', 'lst_price': 40.0,
            'invoice_policy': 'delivery'})
        order = self.env['sale.order'].create({
            'partner_id': customer.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 5.0})],
        })
        order.action_confirm()
        order.order_line._service_post('ship', ship={order.order_line: 5.0})
        self.start_tour('/odoo/action-account.action_move_out_invoice_type',
                        'service_invoicing_get_shipment_lines_tour', login='admin')
        invoice = self.env['account.move'].search([('partner_id', '=', customer.id)])
        shipment_line = order.service_shipment_ids.line_ids
        self.assertRecordValues(invoice.invoice_line_ids, [{
            'quantity': 2.0, 'price_unit': 40.0, 'service_shipment_line_id': shipment_line.id}])
        self.assertEqual(shipment_line.qty_to_invoice, 3.0)
