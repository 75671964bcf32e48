from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import SERVICE_ORDER_LINE_POSTED_FIELDS
from ..tools.formatting import format_quantity


class SaleOrderLine(models.Model):
    """Order lines as Business Central's service lines: shipped, invoiced, consumed.

    Shipped is Odoo's ``qty_delivered``; the figures this addon adds are named
    ``service_qty_*`` after Business Central's fields, and they are the sums of the order line's
    pieces: its posted shipment lines (``service.shipment.line``), which own them, or its
    timesheets and milestones in the backlog (the Projects bridge). Invoiced is Odoo's
    ``qty_invoiced_posted`` (posted invoices less posted credit notes); what draft invoices
    hold is apart (``service_qty_in_draft``), not in Invoiced. The names follow
    docs/glossary.md."""

    _inherit = 'sale.order.line'

    qty_delivered_method = fields.Selection(
        selection_add=[('service_posting', "Service Posting")],
        ondelete={'service_posting': 'set manual'})
    shipment_line_ids = fields.One2many(
        'service.shipment.line', 'order_line_id', string="Shipment Lines", readonly=True)
    service_qty_consumed = fields.Float(
        string="Quantity Consumed", digits='Product Unit', compute='_compute_service_qty',
        store=True, help="Shipped and used up by a Consume posting: never charged.")
    service_qty_shipped_not_invoiced = fields.Float(
        string="Qty. Shipped Not Invoiced", digits='Product Unit',
        compute='_compute_service_qty', store=True,
        help="Shipped, not consumed and not on a posted invoice: what draft invoices hold "
             "is still shipped not invoiced (In Draft Invoices tells how much).")
    service_qty_in_draft = fields.Float(
        string="Qty. in Draft Invoices", digits='Product Unit',
        compute='_compute_service_qty_in_draft', store=True,
        help="On draft invoices, not posted yet: not in Invoiced. A draft credit note gives "
             "nothing back until it is posted.")
    service_qty_to_ship = fields.Float(
        string="Qty. to Ship", digits='Product Unit', compute='_compute_service_qty_to_post')
    service_qty_to_invoice = fields.Float(
        string="Qty. Left to Invoice", digits='Product Unit',
        compute='_compute_service_qty_to_post',
        help="What can be invoiced now: shipped, not invoiced, not consumed and not on a "
             "draft invoice.")
    service_qty_to_consume = fields.Float(
        string="Qty. to Consume", digits='Product Unit', compute='_compute_service_qty_to_post')

    @api.depends('shipment_line_ids.qty_consumed',
                 'shipment_line_ids.qty_shipped_not_invoiced')
    def _compute_service_qty(self):
        for line in self:
            shipment_lines = line.shipment_line_ids
            line.service_qty_consumed = sum(shipment_lines.mapped('qty_consumed'))
            line.service_qty_shipped_not_invoiced = sum(
                shipment_lines.mapped('qty_shipped_not_invoiced'))

    @api.depends('invoice_lines.parent_state', 'invoice_lines.quantity',
                 'invoice_lines.product_uom_id', 'invoice_lines.move_id.move_type')
    def _compute_service_qty_in_draft(self):
        for line in self:
            line.service_qty_in_draft = sum(
                invoice_line.product_uom_id._compute_quantity(
                    invoice_line.quantity, line.product_uom_id or invoice_line.product_uom_id)
                if invoice_line.product_uom_id else invoice_line.quantity
                for invoice_line in line.invoice_lines
                if invoice_line.parent_state == 'draft'
                and invoice_line.move_id.move_type == 'out_invoice')

    @api.depends('product_uom_qty', 'qty_delivered', 'shipment_line_ids.qty_to_invoice',
                 'state')
    def _compute_service_qty_to_post(self):
        for line in self:
            postable = line.state == 'sale' and line._service_is_postable()
            to_invoice = sum(max(quantity, 0.0) for quantity
                             in line.shipment_line_ids.mapped('qty_to_invoice'))
            line.service_qty_to_ship = max(line.product_uom_qty - line.qty_delivered, 0.0) \
                if postable else 0.0
            line.service_qty_to_invoice = line.service_qty_to_consume = \
                to_invoice if postable else 0.0

    def _compute_qty_delivered_method(self):
        result = super()._compute_qty_delivered_method()
        for line in self:
            # Everything Odoo does not deliver itself (services; goods without Inventory) is
            # shipped by posting the order.
            if line.qty_delivered_method == 'manual' and not line.is_expense \
                    and line.product_id.type in ('service', 'consu'):
                line.qty_delivered_method = 'service_posting'
        return result

    @api.depends('shipment_line_ids.qty_shipped')
    def _compute_qty_delivered(self):
        result = super()._compute_qty_delivered()
        for line in self:
            if line.qty_delivered_method == 'service_posting':
                line.qty_delivered = sum(line.shipment_line_ids.mapped('qty_shipped'))
        return result

    @api.depends('service_qty_consumed')
    def _compute_qty_to_invoice(self):
        result = super()._compute_qty_to_invoice()
        for line in self:
            if line.service_qty_consumed and line.state == 'sale':
                # Consumed quantities are used up on the customer's site and never charged.
                line.qty_to_invoice -= line.service_qty_consumed
        return result

    def write(self, vals):
        self._service_check_posted_quantities_untouched(vals)
        return super().write(vals)

    def _prepare_invoice_lines_vals_list(self, **optional_values):
        """Odoo's own invoicing also says which shipment lines it invoices: one invoice line
        per shipment line, oldest first; what no shipment line covers (invoicing ordered
        quantities ahead of shipping) stays one line without shipment."""
        vals_list = super()._prepare_invoice_lines_vals_list(**optional_values)
        if len(vals_list) != 1 or not self._service_is_postable() \
                or 'service_shipment_line_id' in optional_values:
            return vals_list
        vals = vals_list[0]
        quantity = vals.get('quantity', 0.0)
        if quantity <= 0 or vals.get('display_type', 'product') != 'product':
            return vals_list
        return [{**vals, 'quantity': line_quantity, 'service_shipment_line_id': shipment_line.id}
                for shipment_line, line_quantity in self.shipment_line_ids._allocate(quantity)]

    def action_open_order(self):
        """Open the order of this line."""
        self.ensure_one()
        return self.order_id.get_formview_action()

    def _service_check_posted_quantities_untouched(self, vals):
        """What was shipped and consumed comes from the postings' shipment lines: never
        written by hand, through any client."""
        written = SERVICE_ORDER_LINE_POSTED_FIELDS.intersection(vals)
        if 'qty_delivered' in vals and any(
                line.qty_delivered_method == 'service_posting' for line in self):
            written.add('qty_delivered')
        if written:
            raise UserError(self.env._(
                "%(fields)s of order %(order)s come from its posted shipments: post the order "
                "(Ship, Consume) instead of typing them.", fields=', '.join(sorted(
                    self._fields[name].get_description(self.env)['string'] for name in written)),
                order=self.order_id[:1].name))

    def _service_is_postable(self):
        self.ensure_one()
        return not self.display_type and not self.is_downpayment \
            and self.qty_delivered_method in self._service_postable_methods()

    @api.model
    def _service_postable_methods(self):
        """The delivery methods of lines that a posting ships (the stock bridge adds Odoo's
        deliveries)."""
        return ('service_posting',)

    def _service_check_billed_quantities(self, invoiced=False, credited=False):
        """Invoice only what was shipped, credit only what was invoiced: checked when invoices
        (``invoiced``) or credit notes (``credited``) of these lines are posted, for the order
        lines and for each of their shipment lines."""
        for line in self.filtered(lambda line: not line.is_downpayment
                                  and not line.display_type):
            uom = line.product_uom_id
            if invoiced and line._service_is_postable() \
                    and line.product_id.invoice_policy == 'delivery':
                available = line.qty_delivered - line.service_qty_consumed
                if uom.compare(line.qty_invoiced_posted, available) > 0:
                    raise UserError(self.env._(
                        "%(product)s of order %(order)s would be invoiced %(invoiced)s times but "
                        "only %(available)s were shipped and not consumed: you cannot invoice "
                        "what has not been shipped. Lower the quantity on the invoice.",
                        product=line.product_id.display_name, order=line.order_id.name,
                        invoiced=format_quantity(self.env, line.qty_invoiced_posted),
                        available=format_quantity(self.env, available)))
            if credited and uom.compare(line.qty_invoiced_posted, 0.0) < 0:
                raise UserError(self.env._(
                    "%(product)s of order %(order)s would be credited %(credited)s more than its "
                    "posted invoices billed: a credit note cannot give back more than was "
                    "invoiced. Lower the quantity on the credit note.",
                    product=line.product_id.display_name, order=line.order_id.name,
                    credited=format_quantity(self.env, -line.qty_invoiced_posted)))
        self.shipment_line_ids._check_not_over_invoiced()
