from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.service_invoicing.tests.common import ServiceOrderCommon


@tagged('post_install', '-at_install')
class TestShipmentsThroughDeliveries(ServiceOrderCommon):
    """With Inventory, goods are shipped by their Odoo deliveries: a posting validates them,
    and every delivery to the customer (from a posting or validated in Inventory) is a posted
    shipment whose lines link the stock moves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env['stock.warehouse'].search(
            [('company_id', '=', cls.env.company.id)], limit=1)
        cls.spare_part = cls._create_product(
            name="Compressor valve", is_storable=True, lst_price=50.0,
            invoice_policy='delivery')
        cls.env['stock.quant']._update_available_quantity(
            cls.spare_part, cls.warehouse.lot_stock_id, 100.0)

    def test_ship_validates_the_delivery_for_exactly_the_posted_quantities(self):
        order = self.create_order([(self.spare_part, 10.0), (self.labour, 5.0)])
        part = self.line_of(order, self.spare_part)
        self.assertEqual(part.qty_delivered_method, 'stock_move')
        self.post(order, 'ship', ship={self.spare_part: 4.0, self.labour: 2.0})
        done = order.picking_ids.filtered(lambda picking: picking.state == 'done')
        backorder = order.picking_ids - done
        self.assertEqual(done.move_ids.quantity, 4.0)
        self.assertEqual(backorder.move_ids.product_uom_qty, 6.0)
        # One posted shipment for the posting: the service and the delivered goods.
        shipment = order.service_shipment_ids
        self.assertEqual(len(shipment), 1)
        self.assertRecordValues(shipment.line_ids.sorted('id'), [
            {'product_id': self.labour.id, 'qty_shipped': 2.0, 'stock_move_id': False},
            {'product_id': self.spare_part.id, 'qty_shipped': 4.0,
             'stock_move_id': done.move_ids.id}])
        self.assertEqual(shipment.picking_ids, done)
        self.assertEqual(done.service_invoice_status, 'to_invoice')
        invoice = self.post(order, 'invoice', invoice={self.spare_part: 3.0},
                            post_invoice=True)
        self.assertEqual(invoice.invoice_line_ids.service_shipment_line_id.stock_move_id,
                         done.move_ids)
        self.assertEqual(done.service_invoice_status, 'partial')
        self.assertEqual(done.service_invoice_ids, invoice)
        action = done.action_view_service_invoices()
        self.assertEqual((action['views'], action['res_id']), ([(False, 'form')], invoice.id),
                         "one invoice: its form")
        self.post(order, 'ship', ship={self.spare_part: 6.0})
        self.assertEqual(order.picking_ids.mapped('state'), ['done', 'done'])
        self.assertRecordValues(part, [{'qty_delivered': 10.0,
                                        'service_qty_shipped_not_invoiced': 7.0}])

    def test_a_delivery_validated_in_inventory_is_a_posted_shipment(self):
        order = self.create_order([(self.spare_part, 5.0)])
        picking = order.picking_ids
        picking.move_ids.quantity = 5.0
        picking.button_validate()
        self.assertEqual(picking.state, 'done')
        line = order.service_shipment_ids.line_ids
        self.assertRecordValues(line, [{'stock_move_id': picking.move_ids.id,
                                        'qty_shipped': 5.0, 'qty_to_invoice': 5.0}])
        # Odoo's own Create Invoice bills it, linked to the shipment line.
        invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.service_shipment_line_id, line)
        invoice.action_post()
        self.assertRecordValues(line, [{'qty_invoiced': 5.0, 'qty_to_invoice': 0.0}])
        self.assertEqual(picking.service_invoice_status, 'invoiced')

    def test_returns_give_the_quantity_back(self):
        order = self.create_order([(self.spare_part, 4.0)])
        self.post(order, 'ship', ship={self.spare_part: 4.0})
        picking = order.picking_ids
        wizard = Form(self.env['stock.return.picking'].with_context(
            active_id=picking.id, active_model='stock.picking')).save()
        wizard.product_return_moves.quantity = 3.0
        return_picking = wizard._create_return()
        return_picking.move_ids.quantity = 3.0
        return_picking.move_ids.picked = True
        return_picking._action_done()
        line = order.service_shipment_ids.line_ids
        self.assertRecordValues(line, [{'qty_returned': 3.0, 'qty_shipped': 1.0,
                                        'qty_to_invoice': 1.0}])
        self.assertEqual(self.line_of(order, self.spare_part).qty_delivered, 1.0)
        with self.assertRaisesRegex(UserError, "cannot invoice what has not been shipped"):
            self.post(order, 'invoice', invoice={self.spare_part: 2.0})
        self.assertEqual(len(self.post(order, 'invoice', invoice={self.spare_part: 1.0})), 1)

    def test_a_waiting_delivery_is_refused_and_nothing_is_shipped(self):
        order = self.create_order([(self.spare_part, 2.0)])
        order.picking_ids.move_ids.state = 'waiting'
        with self.assert_refused(UserError, "waits for an earlier operation"):
            self.post(order, 'ship', ship={self.spare_part: 2.0})
        self.assertFalse(order.service_shipment_ids)
