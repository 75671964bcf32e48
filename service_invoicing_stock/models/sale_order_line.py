from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.service_invoicing.tools.formatting import format_quantity
from odoo.addons.service_invoicing.tools.trusted import trusted


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    @api.model
    def _service_postable_methods(self):
        # Goods are shipped by posting too: through their Odoo deliveries.
        return (*super()._service_postable_methods(), 'stock_move')

    def _service_ship_lines(self, shipment, shipped):
        """Goods: validate their deliveries for exactly the posted quantities (a backorder
        keeps the rest); the done delivery lines join ``shipment``."""
        result = super()._service_ship_lines(shipment, shipped)
        goods = [(line, quantity) for line, quantity in shipped
                 if line.qty_delivered_method == 'stock_move']
        if goods:
            self._service_validate_deliveries(shipment, goods)
        return result

    def _service_validate_deliveries(self, shipment, goods):
        pickings = self.env['stock.picking']
        shipped_moves = self.env['stock.move']
        for line, quantity in goods:
            rest = quantity
            moves = line.move_ids.filtered(
                lambda move: move.picking_code == 'outgoing'
                and move.state not in ('done', 'cancel', 'draft')
            ).sorted(lambda move: (move.date, move.id))
            for move in moves:
                if line.product_uom_id.compare(rest, 0.0) <= 0:
                    break
                if move.state == 'waiting':
                    raise UserError(self.env._(
                        "Delivery %(picking)s of order %(order)s waits for an earlier operation: "
                        "finish it before shipping %(product)s.", picking=move.picking_id.name,
                        order=line.order_id.name, product=line.product_id.display_name))
                demand = move.product_uom._compute_quantity(
                    move.product_uom_qty, line.product_uom_id)
                taken = min(demand, rest)
                move.quantity = line.product_uom_id._compute_quantity(taken, move.product_uom)
                move.picked = True
                shipped_moves |= move
                rest -= taken
            if line.product_uom_id.compare(rest, 0.0) > 0:
                raise UserError(self.env._(
                    "Order %(order)s has no delivery waiting for %(qty)s %(product)s.",
                    order=line.order_id.name, qty=format_quantity(self.env, rest),
                    product=line.product_id.display_name))
            pickings |= moves.picking_id
        pickings = pickings.filtered(lambda picking: picking.move_ids & shipped_moves)
        for move in pickings.move_ids - shipped_moves:
            # Lines not shipped by this posting stay for the backorder.
            if move.state not in ('done', 'cancel'):
                move.quantity = 0.0
                move.picked = False
        trusted(pickings.with_context(cancel_backorder=False,
                                      service_shipment_id=shipment.id))._action_done()
