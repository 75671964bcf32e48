from odoo import fields, models


class ServiceShipment(models.Model):
    _inherit = 'service.shipment'

    picking_ids = fields.Many2many(
        'stock.picking', string="Deliveries", compute='_compute_picking_ids')
    picking_count = fields.Integer(compute='_compute_picking_ids')

    def _compute_picking_ids(self):
        for shipment in self:
            shipment.picking_ids = shipment.line_ids.stock_move_id.picking_id
            shipment.picking_count = len(shipment.picking_ids)

    def action_view_pickings(self):
        """Open the deliveries that shipped the goods of this shipment."""
        action = self.env['ir.actions.act_window']._for_xml_id('stock.action_picking_tree_all')
        action['domain'] = [('id', 'in', self.picking_ids.ids)]
        return action
