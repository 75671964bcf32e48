from collections import defaultdict

from odoo import fields, models

from odoo.addons.service_invoicing.tools.trusted import is_trusted, trusted


class StockMove(models.Model):
    _inherit = 'stock.move'

    service_shipment_line_ids = fields.One2many(
        'service.shipment.line', 'stock_move_id', string="Shipment Lines", readonly=True)

    def _action_done(self, cancel_backorder=False):
        done = super()._action_done(cancel_backorder=cancel_backorder)
        done._service_post_shipment_lines()
        return done

    def _service_post_shipment_lines(self):
        """Every delivery of an order's goods to the customer is a posted shipment: one per
        delivery, or the shipment of the posting that validated it."""
        moves = self.filtered(lambda move: move.state == 'done' and move.sale_line_id
                              and move.sale_line_id.qty_delivered_method == 'stock_move'
                              and move.location_dest_id._is_outgoing()
                              and (not move.origin_returned_move_id or move.to_refund)
                              and not move.service_shipment_line_ids)
        if not moves:
            return
        posting = self.env['service.shipment']
        if is_trusted(self) and self.env.context.get('service_shipment_id'):
            posting = posting.browse(self.env.context['service_shipment_id'])
        groups = defaultdict(lambda: self.env['stock.move'])
        for move in moves:
            groups[move.sale_line_id.order_id, move.picking_id] |= move
        Shipment = self.env['service.shipment']
        for (order, picking), group in groups.items():
            shipment = posting if posting.order_id == order else Shipment._post_shipment(
                order, fields.Date.context_today(self, picking.date_done or None), [])
            trusted(self.env['service.shipment.line'].sudo()).create([{
                'shipment_id': shipment.id,
                'order_line_id': move.sale_line_id.id,
                'stock_move_id': move.id,
                'qty_posted': move.product_uom._compute_quantity(
                    move.quantity, move.sale_line_id.product_uom_id, rounding_method='HALF-UP'),
            } for move in group])
