"""Posted shipment lines and what was invoiced of them: the one owner of the quantities.

A shipment line knows, in its order line's unit: what it shipped (less returns), what was
consumed (shipped and used up, never charged), what posted invoices billed (less posted credit
notes), what draft invoices hold, what is shipped and not invoiced, and what can still be
invoiced. Order lines sum these figures, so the two always agree.

The rule for drafts, the same everywhere: *shipped not invoiced* counts posted documents only
(Business Central's Qty. Shipped Not Invoiced); *to invoice* also leaves out what draft invoices
hold, so that Get Shipment Lines, Combine Shipments, order posting and Odoo's own Create
Invoice never put one quantity on two drafts. A draft credit note gives nothing back until it
is posted.

Invoice lines that bill an order line without naming a shipment line (Odoo's invoicing of
ordered quantities ahead of shipping, an invoice typed by hand) are shared over the order
line's shipment lines, oldest first, so that what was billed ahead is never billed again.
"""

import math
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.allocation import share_invoiced
from ..tools.formatting import format_quantity
from ..tools.trusted import is_trusted, trusted


class ServiceShipmentLine(models.Model):
    _name = 'service.shipment.line'
    _description = "Posted Service Shipment Line"
    _order = 'date, id'
    _check_company_auto = True
    _rec_names_search = ['shipment_id', 'product_id', 'order_id']

    shipment_id = fields.Many2one(
        'service.shipment', required=True, readonly=True, index=True,
        ondelete='cascade')
    order_line_id = fields.Many2one(
        'sale.order.line', required=True, readonly=True, index=True,
        ondelete='restrict')
    order_id = fields.Many2one(related='order_line_id.order_id', string="Order", store=True,
                               index=True)
    partner_id = fields.Many2one(related='shipment_id.partner_id', string="Customer",
                                 store=True)
    commercial_partner_id = fields.Many2one(
        related='shipment_id.partner_invoice_id.commercial_partner_id', store=True, index=True,
        string="Bill-to Customer")
    company_id = fields.Many2one(related='shipment_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='order_line_id.currency_id', store=True)
    date = fields.Date(related='shipment_id.date', string="Posting Date", store=True,
                       index=True)
    product_id = fields.Many2one(related='order_line_id.product_id', store=True, index=True)
    product_uom_id = fields.Many2one(related='order_line_id.product_uom_id', string="Unit")
    name = fields.Text(related='order_line_id.name', string="Description")

    qty_posted = fields.Float(
        string="Quantity Posted", digits='Product Unit', readonly=True,
        help="What the posting shipped.")
    qty_returned = fields.Float(
        string="Quantity Returned", digits='Product Unit', compute='_compute_qty_returned',
        store=True)
    qty_shipped = fields.Float(
        string="Quantity Shipped", digits='Product Unit', compute='_compute_qty_shipped',
        store=True, help="Posted less returned.")
    qty_consumed = fields.Float(
        string="Quantity Consumed", digits='Product Unit', readonly=True,
        help="Shipped and used up by a Consume posting: never invoiced.")
    qty_invoiced = fields.Float(
        string="Quantity Invoiced", digits='Product Unit', compute='_compute_invoiced',
        store=True, help="On posted invoices, less posted credit notes.")
    qty_in_draft = fields.Float(
        string="Qty. in Draft Invoices", digits='Product Unit',
        compute='_compute_invoiced', store=True)
    qty_shipped_not_invoiced = fields.Float(
        string="Qty. Shipped Not Invoiced", digits='Product Unit', compute='_compute_invoiced',
        store=True, help="Shipped, not consumed, not on a posted invoice.")
    qty_to_invoice = fields.Float(
        string="Qty. Left to Invoice", digits='Product Unit', compute='_compute_invoiced',
        store=True, index='btree_not_null',
        help="Shipped not invoiced, and not on a draft invoice either: what can be invoiced.")
    invoice_line_ids = fields.One2many(
        'account.move.line', 'service_shipment_line_id', string="Invoice Lines", readonly=True)

    def _compute_display_name(self):
        for line in self:
            line.display_name = f'{line.shipment_id.name} - {line.product_id.display_name}'

    @api.depends('qty_posted')
    def _compute_qty_returned(self):
        # Services are not returned; the stock bridge counts returned goods.
        self.qty_returned = 0.0

    @api.depends('qty_posted', 'qty_returned')
    def _compute_qty_shipped(self):
        for line in self:
            line.qty_shipped = line.qty_posted - line.qty_returned

    @api.depends(
        'qty_shipped', 'qty_consumed', 'order_line_id.product_uom_id',
        'order_line_id.invoice_lines.parent_state', 'order_line_id.invoice_lines.quantity',
        'order_line_id.invoice_lines.product_uom_id',
        'order_line_id.invoice_lines.service_shipment_line_id',
        'order_line_id.shipment_line_ids.qty_shipped',
        'order_line_id.shipment_line_ids.qty_consumed')
    def _compute_invoiced(self):
        figures = {}
        # In a form's onchange these are new records: the figures are those of the records
        # they stand for.
        for order_line in self.order_line_id:
            figures.update(self._invoiced_per_shipment_line(order_line._origin or order_line))
        for line in self:
            invoiced, in_draft = figures.get(line._origin or line, (0.0, 0.0))
            not_invoiced = line.qty_shipped - line.qty_consumed - invoiced
            line.update({
                'qty_invoiced': invoiced,
                'qty_in_draft': in_draft,
                'qty_shipped_not_invoiced': not_invoiced,
                'qty_to_invoice': not_invoiced - in_draft,
            })

    billing_item_ids = fields.One2many(
        'service.billing.item', 'shipment_line_id', string="Backlog Item", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_posted_by_the_product()
        lines = super().create(vals_list)
        lines._create_billing_items()
        return lines

    def _create_billing_items(self):
        """Each shipment line is an item of the billing backlog, ready or not by its
        company's setting."""
        trusted(self.env['service.billing.item'].sudo()).create([{
            'source_type': 'shipment_line',
            'shipment_line_id': line.id,
            'order_id': line.order_id.id,
            'partner_id': line.commercial_partner_id.id,
            'partner_invoice_id': line.shipment_id.partner_invoice_id.id,
            'company_id': line.company_id.id,
            'currency_id': line.currency_id.id,
            'user_id': line.order_id.user_id.id,
            'product_id': line.product_id.id,
            'product_uom_id': line.product_uom_id.id,
            'name': line.order_line_id.name,
            'date': line.date,
            'price_unit': line.order_line_id.price_unit,
            'ready': line.company_id.service_backlog_shipment_ready,
        } for line in self])

    def write(self, vals):
        self._check_posted_by_the_product()
        return super().write(vals)

    @api.model
    def _invoiced_per_shipment_line(self, order_line):
        """{shipment line: (invoiced, on drafts)} of ``order_line``'s shipment lines.

        Invoice lines naming a shipment line count whole for it; those of the order line that
        name none are shared over its shipment lines oldest first, never beyond what each has
        left. Net credit notes without a shipment line take back from the newest first. Draft
        credit notes give nothing back until they are posted. The app's one allocation
        (``tools/allocation.share_invoiced``, as the Projects bridge shares time and
        milestones).
        """
        uom = order_line.product_uom_id
        lines = order_line.shipment_line_ids.sorted(lambda line: (line.date, line.id))
        invoice_lines = []
        for invoice_line in order_line.invoice_lines:
            move_type, state = invoice_line.move_id.move_type, invoice_line.parent_state
            if move_type not in ('out_invoice', 'out_refund') or state not in ('posted', 'draft'):
                continue
            quantity = invoice_line.product_uom_id._compute_quantity(
                invoice_line.quantity, uom or invoice_line.product_uom_id)
            invoice_lines.append((state, move_type, quantity, 0.0,
                                  invoice_line.service_shipment_line_id))
        shared = share_invoiced(
            [(line, line.qty_shipped - line.qty_consumed) for line in lines], invoice_lines,
            uom.compare if uom else (lambda value1, value2: (value1 > value2) - (value1 < value2)),
            cap_linked=False)
        return {line: (uom.round(posted) if uom else posted, uom.round(in_draft) if uom
                       else in_draft)
                for line, (posted, in_draft, *_amounts) in shared.items()}

    def _check_posted_by_the_product(self):
        if not is_trusted(self):
            raise UserError(self.env._(
                "Posted shipment lines (%(shipments)s, order %(orders)s) are made by posting a "
                "service order and change only through postings and invoices.",
                shipments=', '.join(self.shipment_id.mapped('name')) or self.env._("new"),
                orders=', '.join(self.order_id.mapped('name')) or self.env._("new")))

    def _check_not_over_invoiced(self):
        """The one owner of "shipped >= invoiced + consumed >= 0": no shipment line is
        invoiced beyond what it shipped and did not consume, consumed below nothing, nor
        credited beyond what was invoiced. Refused at posting and at every write-off, naming
        the line."""
        for line in self:
            if line.product_uom_id.compare(line.qty_consumed, 0.0) < 0:
                raise UserError(self.env._(
                    "%(product)s of shipment %(shipment)s (order %(order)s) would show "
                    "%(consumed)s consumed: a consumed quantity is never negative.",
                    product=line.product_id.display_name, shipment=line.shipment_id.name,
                    order=line.order_id.name,
                    consumed=format_quantity(self.env, line.qty_consumed)))
            available = line.qty_shipped - line.qty_consumed
            if line.product_uom_id.compare(line.qty_invoiced, available) > 0:
                raise UserError(self.env._(
                    "%(product)s of shipment %(shipment)s (order %(order)s) would be invoiced "
                    "%(invoiced)s times but only %(available)s were shipped and not consumed: "
                    "you cannot invoice what has not been shipped. Lower the quantity on the "
                    "invoice.", product=line.product_id.display_name,
                    shipment=line.shipment_id.name, order=line.order_id.name,
                    invoiced=format_quantity(self.env, line.qty_invoiced),
                    available=format_quantity(self.env, available)))
            if line.product_uom_id.compare(line.qty_invoiced, 0.0) < 0:
                raise UserError(self.env._(
                    "%(product)s of shipment %(shipment)s (order %(order)s) would be credited "
                    "%(credited)s more than was invoiced: a credit note cannot give back more "
                    "than the posted invoices billed. Lower the quantity on the credit note.",
                    product=line.product_id.display_name, shipment=line.shipment_id.name,
                    order=line.order_id.name,
                    credited=format_quantity(self.env, -line.qty_invoiced)))

    def _check_not_over_held_by_drafts(self):
        """Draft invoices never hold more of a shipment line than it has left to invoice
        (shipped, not consumed, not invoiced): a quantity is on one open invoice at most."""
        for line in self:
            if line.product_uom_id.compare(line.qty_to_invoice, 0.0) < 0 \
                    and line.product_uom_id.compare(line.qty_in_draft, 0.0) > 0:
                raise UserError(self.env._(
                    "Draft invoices would hold %(in_draft)s of %(product)s of shipment "
                    "%(shipment)s (order %(order)s), but only %(left)s are left to invoice "
                    "(shipped, not consumed, not invoiced): lower the quantity on the draft.",
                    in_draft=format_quantity(self.env, line.qty_in_draft),
                    product=line.product_id.display_name, shipment=line.shipment_id.name,
                    order=line.order_id.name,
                    left=format_quantity(self.env, line.qty_shipped_not_invoiced)))

    def _invoice_status(self):
        """Invoicing status of these lines together (a shipment, a delivery)."""
        billable = sum(self.mapped('qty_shipped')) - sum(self.mapped('qty_consumed'))
        invoiced = sum(self.mapped('qty_invoiced'))
        if billable <= 0:
            return 'nothing'
        if invoiced <= 0:
            return 'to_invoice'
        return 'partial' if invoiced < billable else 'invoiced'

    def _allocate(self, quantity, field_name='qty_to_invoice'):
        """Share ``quantity`` (the order line's unit) over these lines' ``field_name``,
        oldest first: [(shipment line, quantity)], the part no line covers last with an
        empty shipment line."""
        allocation = []
        rest = quantity
        for line in self.sorted(lambda line: (line.date, line.id)):
            if line.product_uom_id.compare(rest, 0.0) <= 0:
                break
            taken = min(max(line[field_name], 0.0), rest)
            if line.product_uom_id.compare(taken, 0.0) > 0:
                allocation.append((line, taken))
                rest -= taken
        uom = self[:1].product_uom_id
        if rest > 0 and (not uom or uom.compare(rest, 0.0) > 0):
            allocation.append((self.browse(), rest))
        return allocation

    @api.model
    def _check_quantities_for_draft(self, items):
        """Refuse [(shipment line, quantity)] that would put on a draft invoice more of a
        shipment line, in all, than it has left to invoice (``qty_to_invoice``), or a
        negative quantity or one that is not a number: the one bound of every way shipment
        lines go onto a draft (Get Shipment Lines, the proformas)."""
        asked = defaultdict(list)
        for line, quantity in items:
            asked[line].append(quantity)
        for line, quantities in asked.items():
            uom = line.product_uom_id
            left = max(line.qty_to_invoice, 0.0)
            wrong = [quantity for quantity in quantities
                     if not math.isfinite(quantity) or uom.compare(quantity, 0.0) < 0]
            total = sum(quantities)
            if wrong:
                shown = format_quantity(self.env, wrong[0])
            elif not math.isfinite(total) or uom.compare(total, left) > 0:
                shown = format_quantity(self.env, total)
                if len(quantities) > 1:
                    shown += " ({})".format(' + '.join(
                        format_quantity(self.env, quantity) for quantity in quantities))
            else:
                continue
            raise UserError(self.env._(
                "%(product)s of shipment %(shipment)s: you can invoice between 0 and %(left)s, "
                "not %(asked)s. Order %(order)s has %(left)s of it shipped and on no invoice "
                "yet: lower the quantity.", product=line.product_id.display_name,
                shipment=line.shipment_id.name, left=format_quantity(self.env, left),
                asked=shown, order=line.order_id.name))
