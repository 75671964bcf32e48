from odoo import api, fields, models
from odoo.exceptions import UserError


class StockMove(models.Model):
    """Delivery lines as Business Central's posted shipment lines: what was invoiced of them."""

    _inherit = 'stock.move'

    service_invoice_line_ids = fields.One2many(
        'account.move.line', 'service_stock_move_id', string="Invoice Lines", readonly=True)
    service_qty_shipped = fields.Float(
        string="Quantity Shipped", digits='Product Unit', compute='_compute_service_qty',
        store=True, help="Delivered quantity less what came back by returns.")
    service_qty_invoiced = fields.Float(
        string="Quantity Invoiced", digits='Product Unit', compute='_compute_service_qty',
        store=True, help="On posted invoices, less posted credit notes.")
    service_qty_draft = fields.Float(
        string="Quantity on Draft Invoices", digits='Product Unit',
        compute='_compute_service_qty', store=True)
    service_qty_consumed = fields.Float(
        string="Quantity Consumed", digits='Product Unit', copy=False, readonly=True,
        help="Shipped and used up by a Consume posting: never invoiced.")
    service_qty_shipped_not_invoiced = fields.Float(
        string="Qty. Shipped Not Invoiced", digits='Product Unit',
        compute='_compute_service_qty', store=True)
    service_qty_open = fields.Float(
        string="Quantity to Invoice", digits='Product Unit', compute='_compute_service_qty',
        store=True, index='btree_not_null',
        help="Shipped, not invoiced, not consumed and not on a draft invoice yet.")

    @api.depends('state', 'quantity', 'picking_code', 'sale_line_id', 'service_qty_consumed',
                 'returned_move_ids.state', 'returned_move_ids.quantity',
                 'service_invoice_line_ids.parent_state', 'service_invoice_line_ids.quantity',
                 'service_invoice_line_ids.product_uom_id')
    def _compute_service_qty(self):
        for move in self:
            if move.state != 'done' or move.picking_code != 'outgoing' or not move.sale_line_id:
                move.service_qty_shipped = move.service_qty_invoiced = move.service_qty_draft = 0
                move.service_qty_shipped_not_invoiced = move.service_qty_open = 0
                continue
            returned = sum(move.returned_move_ids.filtered(lambda r: r.state == 'done')
                           .mapped('quantity'))
            invoiced = draft = 0.0
            for line in move.service_invoice_line_ids:
                quantity = line.product_uom_id._compute_quantity(line.quantity, move.product_uom)
                sign = -1 if line.move_id.move_type == 'out_refund' else 1
                if line.parent_state == 'posted':
                    invoiced += sign * quantity
                elif line.parent_state == 'draft':
                    draft += sign * quantity
            move.service_qty_shipped = move.quantity - returned
            move.service_qty_invoiced = invoiced
            move.service_qty_draft = draft
            move.service_qty_shipped_not_invoiced = (
                move.service_qty_shipped - invoiced - move.service_qty_consumed)
            move.service_qty_open = move.service_qty_shipped_not_invoiced - draft

    def _service_check_not_over_invoiced(self):
        """Refuse posted invoices beyond what was shipped and not consumed, naming the line."""
        digits = self.env['decimal.precision'].precision_get('Product Unit')
        for move in self:
            available = move.service_qty_shipped - move.service_qty_consumed
            if round(move.service_qty_invoiced - available, digits) > 0:
                raise UserError(self.env._(
                    "%(product)s of delivery %(picking)s (order %(order)s) would be invoiced "
                    "%(invoiced)s times but only %(available)s were shipped and not consumed: you "
                    "cannot invoice what has not been shipped. Lower the quantity on the invoice.",
                    product=move.product_id.display_name, picking=move.picking_id.name,
                    order=move.sale_line_id.order_id.name, invoiced=move.service_qty_invoiced,
                    available=available))

    def _service_check_not_over_credited(self):
        """Refuse posted credit notes that give back more than was invoiced of a delivery."""
        digits = self.env['decimal.precision'].precision_get('Product Unit')
        for move in self:
            if round(move.service_qty_invoiced, digits) < 0:
                raise UserError(self.env._(
                    "%(product)s of delivery %(picking)s (order %(order)s) would be credited "
                    "%(credited)s more than was invoiced: a credit note cannot give back more "
                    "than the posted invoices billed. Lower the quantity on the credit note.",
                    product=move.product_id.display_name, picking=move.picking_id.name,
                    order=move.sale_line_id.order_id.name,
                    credited=-move.service_qty_invoiced))

    def _service_filtered_billable(self):
        """The shipment lines this user may bill: those of order lines they may read (Sales:
        own documents for a salesperson, all for a manager)."""
        readable = self.sale_line_id._filtered_access('read')
        return self.filtered(lambda move: move.sale_line_id in readable)

    def _service_invoiceable_quantities(self):
        """What each of these deliveries can still be invoiced, in its order line's unit.

        Oldest deliveries first, and never more than the order line has shipped and not
        invoiced or consumed (whatever invoiced it: a posting, Odoo's own invoicing, by hand).
        """
        result = {}
        for line in self.sale_line_id:
            cap = max(line.qty_shipped_not_invoiced, 0.0)
            for move in line._service_open_moves():
                available = min(move.product_uom._compute_quantity(
                    move.service_qty_open, line.product_uom_id), cap)
                cap -= available
                if move in self and line.product_uom_id.compare(available, 0.0) > 0:
                    result[move] = available
        return result
