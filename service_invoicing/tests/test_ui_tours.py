from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestServiceInvoicingTours(HttpCase):
    """The web client, in a real (headless Chromium) browser."""

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
