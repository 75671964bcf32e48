from odoo import Command
from odoo.tests import new_test_user, tagged

from .tour_common import ServiceTourCase


@tagged('post_install', '-at_install')
class TestTestReportInTheBrowser(ServiceTourCase):

    def test_closing_a_test_report_by_its_x_returns_to_the_wizard_as_it_was(self):
        clerk = new_test_user(
            self.env, login='tour_report_closer', name="Rita Report Closer",
            groups='base.group_user,service_invoicing.group_service_user')
        product = self.env['product.product'].create({
            'name': "Close Tour Repair", 'type': 'service', 'lst_price': 80.0,
            'invoice_policy': 'delivery'})
        order = self.env['sale.order'].create({
            'partner_id': self.env['res.partner'].create({'name': "Close Tour Customer"}).id,
            'user_id': clerk.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 5.0})],
        })
        order.action_confirm()
        self.start_tour('/odoo/action-service_invoicing.action_service_orders',
                        'service_invoicing_test_report_close_tour', login=clerk.login)
        # Nothing was posted: the report and its closing create nothing.
        self.assertFalse(order.service_shipment_ids)
        wizard = self.env['service.order.post.wizard'].search(
            [('create_uid', '=', clerk.id)], order='id desc', limit=1)
        self.assertEqual(wizard.line_ids.qty_to_ship, 2.0)
