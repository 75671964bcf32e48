from odoo import api, fields, models


class ServiceShipmentLine(models.Model):
    _inherit = 'service.shipment.line'

    stock_move_id = fields.Many2one(
        'stock.move', readonly=True, index='btree_not_null',
        help="The delivery line that shipped these goods.")
    picking_id = fields.Many2one(related='stock_move_id.picking_id', string="Delivery")

    @api.depends('stock_move_id.returned_move_ids.state',
                 'stock_move_id.returned_move_ids.quantity',
                 'stock_move_id.returned_move_ids.to_refund')
    def _compute_qty_returned(self):
        # What came back by returns that Odoo deducts from the delivered quantity.
        for line in self:
            returns = line.stock_move_id.returned_move_ids.filtered(
                lambda move: move.state == 'done' and move.to_refund)
            line.qty_returned = sum(
                move.product_uom._compute_quantity(
                    move.quantity, line.product_uom_id, rounding_method='HALF-UP')
                for move in returns)
