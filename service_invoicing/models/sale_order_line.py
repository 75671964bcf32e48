from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrderLine(models.Model):
    """Order lines as Business Central's service lines: shipped, invoiced, consumed."""

    _inherit = 'sale.order.line'

    qty_delivered_method = fields.Selection(
        selection_add=[('service_posting', "Service Posting")],
        ondelete={'service_posting': 'set manual'})
    qty_service_shipped = fields.Float(
        string="Service Quantity Shipped", digits='Product Unit', copy=False, readonly=True,
        help="Services are shipped by posting the order: this is what the postings shipped.")
    qty_consumed = fields.Float(
        string="Quantity Consumed", digits='Product Unit', copy=False, readonly=True,
        help="Shipped and used up by a Consume posting: never charged.")
    qty_shipped_not_invoiced = fields.Float(
        string="Qty. Shipped Not Invoiced", digits='Product Unit',
        compute='_compute_qty_shipped_not_invoiced', store=True)
    service_qty_to_ship = fields.Float(
        string="Qty. to Ship", digits='Product Unit', compute='_compute_service_qty_to_post')
    service_qty_to_invoice = fields.Float(
        string="Qty. to Invoice", digits='Product Unit', compute='_compute_service_qty_to_post',
        help="What can be invoiced now: shipped, not invoiced and not consumed.")
    service_qty_to_consume = fields.Float(
        string="Qty. to Consume", digits='Product Unit', compute='_compute_service_qty_to_post')

    @api.depends('qty_delivered', 'qty_invoiced', 'qty_consumed', 'state')
    def _compute_qty_shipped_not_invoiced(self):
        for line in self:
            line.qty_shipped_not_invoiced = (
                line.qty_delivered - line.qty_invoiced - line.qty_consumed
            ) if line.state == 'sale' and not line.display_type else 0.0

    @api.depends('product_uom_qty', 'qty_delivered', 'qty_shipped_not_invoiced', 'state')
    def _compute_service_qty_to_post(self):
        for line in self:
            postable = line.state == 'sale' and line._service_is_postable()
            line.service_qty_to_ship = max(line.product_uom_qty - line.qty_delivered, 0.0) \
                if postable else 0.0
            line.service_qty_to_invoice = line.service_qty_to_consume = max(
                line.qty_shipped_not_invoiced, 0.0) if postable else 0.0

    def _compute_qty_delivered_method(self):
        super()._compute_qty_delivered_method()
        for line in self:
            if line.qty_delivered_method == 'manual' and line.product_id.type == 'service':
                line.qty_delivered_method = 'service_posting'

    @api.depends('qty_service_shipped')
    def _compute_qty_delivered(self):
        super()._compute_qty_delivered()
        for line in self:
            if line.qty_delivered_method == 'service_posting':
                line.qty_delivered = line.qty_service_shipped

    @api.depends('qty_consumed')
    def _compute_qty_to_invoice(self):
        super()._compute_qty_to_invoice()
        for line in self:
            if line.qty_consumed and line.state == 'sale':
                # Consumed quantities are used up on the customer's site and never charged.
                line.qty_to_invoice -= line.qty_consumed

    def _prepare_invoice_lines_vals_list(self, **optional_values):
        """Odoo's own invoicing also says which deliveries it invoices: one line per delivery."""
        vals_list = super()._prepare_invoice_lines_vals_list(**optional_values)
        if len(vals_list) != 1 or self.qty_delivered_method != 'stock_move' \
                or self.is_downpayment or 'service_stock_move_id' in optional_values:
            return vals_list
        vals = vals_list[0]
        quantity = vals.get('quantity', 0.0)
        if quantity <= 0 or vals.get('display_type', 'product') != 'product':
            return vals_list
        split = []
        for move, move_quantity in self._service_allocate_to_moves(quantity):
            split.append({**vals, 'quantity': move_quantity,
                          'service_stock_move_id': move.id if move else False})
        return split

    def _service_check_not_over_invoiced(self):
        """Posted invoices bill no more of a service shipped by posting than was shipped and
        not consumed: you cannot invoice what has not been shipped (delivered quantities)."""
        for line in self.filtered(lambda line: line.qty_delivered_method == 'service_posting'
                                  and line.product_id.invoice_policy == 'delivery'
                                  and not line.is_downpayment):
            available = line.qty_delivered - line.qty_consumed
            if line.product_uom_id.compare(line.qty_invoiced_posted, available) > 0:
                raise UserError(self.env._(
                    "%(product)s of order %(order)s would be invoiced %(invoiced)s times but only "
                    "%(available)s were shipped and not consumed: you cannot invoice what has "
                    "not been shipped. Lower the quantity on the invoice.",
                    product=line.product_id.display_name, order=line.order_id.name,
                    invoiced=line.qty_invoiced_posted, available=available))

    def _service_check_not_over_credited(self):
        """Posted credit notes give back no more of an order line than its posted invoices
        billed."""
        for line in self.filtered(lambda line: not line.is_downpayment
                                  and not line.display_type):
            if line.product_uom_id.compare(line.qty_invoiced_posted, 0.0) < 0:
                raise UserError(self.env._(
                    "%(product)s of order %(order)s would be credited %(credited)s more than its "
                    "posted invoices billed: a credit note cannot give back more than was "
                    "invoiced. Lower the quantity on the credit note.",
                    product=line.product_id.display_name, order=line.order_id.name,
                    credited=-line.qty_invoiced_posted))

    def _service_is_postable(self):
        self.ensure_one()
        return not self.display_type and not self.is_downpayment \
            and self.qty_delivered_method in ('stock_move', 'service_posting')

    def _service_open_moves(self):
        """Done deliveries of the line that still have something to invoice, oldest first."""
        self.ensure_one()
        return self.move_ids.filtered(
            lambda move: move.state == 'done' and move.picking_code == 'outgoing'
            and move.product_uom.compare(move.service_qty_open, 0.0) > 0
        ).sorted(lambda move: (move.date, move.id))

    def _service_allocate_to_moves(self, quantity):
        """Share ``quantity`` (in the line's unit) over the open deliveries, oldest first.

        Returns [(stock.move or False, quantity in the line's unit)]; what no delivery covers
        comes last with no move (invoicing ordered quantities, Odoo's "order" policy).
        """
        self.ensure_one()
        allocation = []
        rest = quantity
        for move in self._service_open_moves():
            if self.product_uom_id.compare(rest, 0.0) <= 0:
                break
            available = move.product_uom._compute_quantity(
                move.service_qty_open, self.product_uom_id)
            taken = min(available, rest)
            allocation.append((move, taken))
            rest -= taken
        if self.product_uom_id.compare(rest, 0.0) > 0:
            allocation.append((self.env['stock.move'], rest))
        return allocation
