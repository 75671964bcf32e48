from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..const import POSTED_QUANTITIES, POSTING_OPTIONS
from ..tools.actions import records_action
from ..tools.report_source import ReportSource


class ServiceOrderPostWizard(models.TransientModel):
    """Post one or several service orders: Ship, Invoice, Ship and Invoice or Consume."""

    _name = 'service.order.post.wizard'
    _description = "Post Service Orders"

    order_ids = fields.Many2many('sale.order', string="Orders", required=True)
    option = fields.Selection(POSTING_OPTIONS, required=True, default='ship_invoice')
    line_ids = fields.One2many('service.order.post.wizard.line', 'wizard_id', string="Lines")
    invoice_date = fields.Date(default=fields.Date.context_today)
    post_invoice = fields.Boolean(string="Post the invoice")
    send_invoice = fields.Boolean(string="Send by email")
    deduct_down_payments = fields.Boolean(
        string="Deduct down payments", default=True,
        help="The down payments of the orders are deducted from the invoice, as Odoo's Create "
             "Invoice deducts them; one that is more than the invoice bills waits for a later "
             "one (said on the order).")
    invoice_ids = fields.Many2many('account.move', string="Invoices", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'sale.order':
            values['order_ids'] = [fields.Command.set(self.env.context.get('active_ids', []))]
        return values

    @api.onchange('order_ids', 'option')
    def _onchange_fill_lines(self):
        """Ship, Invoice and Ship and Invoice propose everything the option can post (always a
        valid posting); Consume proposes nothing: what it consumes is written off, never
        invoiced, so each quantity is typed (as Business Central's Qty. to Consume)."""
        posted = POSTED_QUANTITIES[self.option or 'ship']
        lines = self.order_ids.order_line.filtered(lambda line: line._service_is_postable())
        commands = [fields.Command.clear()]
        for line in lines:
            to_ship = line.service_qty_to_ship if 'ship' in posted and self.option != 'consume' \
                else 0.0
            if self.option == 'ship_invoice':
                # Ship and Invoice invoices what it ships; earlier shipments: Invoice.
                to_invoice = to_ship
            else:
                to_invoice = line.service_qty_to_invoice if 'invoice' in posted else 0.0
            commands.append(fields.Command.create({
                'sale_line_id': line.id, 'qty_to_ship': to_ship,
                'qty_to_invoice': to_invoice, 'qty_to_consume': 0.0,
            }))
        self.line_ids = commands

    @api.onchange('send_invoice')
    def _onchange_send_invoice(self):
        if self.send_invoice:
            self.post_invoice = True

    def action_post(self):
        """Post the chosen quantities; opens the invoice when one was made."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("There is nothing to post on these orders."))
        lines = self.line_ids.sale_line_id
        quantities = self._quantities()
        invoices = lines._service_post(
            self.option, **quantities, post_invoice=self.post_invoice, send=self.send_invoice,
            invoice_date=self.invoice_date, deduct_down_payments=self.deduct_down_payments)
        self.invoice_ids = invoices
        if not invoices:
            return {'type': 'ir.actions.act_window_close'}
        return records_action(invoices, 'account.action_move_out_invoice_type')

    def action_test_report(self):
        """Test Report: what Post would invoice with these quantities and option, and every
        problem (the posting's own refusals included); writes nothing."""
        self.ensure_one()
        return self.env['service.test.report']._open_for('order_posting', self)

    def _quantities(self):
        """{'ship'|'invoice'|'consume': {order line: quantity}}, as Post posts them."""
        return {kind: {line.sale_line_id: line[f'qty_to_{kind}'] for line in self.line_ids}
                for kind in ('ship', 'invoice', 'consume')}

    def _service_test_report_source(self):
        """What Post would do: the posting's refusals, line by line, and the invoices."""
        self.ensure_one()
        option = dict(self._fields['option']._description_selection(self.env)).get(
            self.option, '')
        source = ReportSource(
            options=self.env._(
                "%(option)s, invoice date %(date)s.", option=option,
                date=format_date(self.env, self.invoice_date) if self.invoice_date
                else self.env._("today")),
            post=self.post_invoice or self.send_invoice, send=self.send_invoice)
        if not self.line_ids:
            source.problems.append(('error', 'quantity', self.env._(
                "There is nothing to post on these orders.")))
            return source
        quantities = self._quantities()
        lines = self.line_ids.sale_line_id
        given = lines.filtered(lambda line: any(quantities[kind][line] for kind in quantities))
        # Each line on its own, so that the report lists every refusal, not the first one.
        for checked in given or [lines]:
            try:
                checked._service_check_posting(self.option, *(
                    {line: quantities[kind][line] for line in checked}
                    for kind in ('ship', 'invoice', 'consume')))
            except UserError as error:
                source.problems.append(('error', 'quantity', error.args[0]))
        if 'invoice' in POSTED_QUANTITIES.get(self.option, ()):
            notes = []
            source.vals_list = self._invoice_vals_to_post(quantities['invoice'], notes)
            source.problems += [('warning', 'down_payment', note) for note in notes]
        return source

    def _invoice_vals_to_post(self, quantities, notes=None):
        """The values of the invoices Post would create for ``quantities`` of order lines, as
        ``sale.order.line._service_create_invoices`` builds them: shipment lines oldest first,
        less the down payments that fit (those that do not are said in ``notes``). Ship and
        Invoice bills what it is about to ship, which has no shipment line yet: its invoice
        lines come from the order lines, one per line."""
        ShipmentLine = self.env['service.shipment.line']
        items = []
        for line, quantity in quantities.items():
            if line.product_uom_id.compare(quantity, 0.0) <= 0:
                continue
            if self.option == 'ship_invoice':
                items.append((line, quantity))
            else:
                items += [item for item in line.shipment_line_ids._allocate(quantity) if item[0]]
        if self.option != 'ship_invoice':
            return ShipmentLine._prepare_invoices_vals(
                items, self.invoice_date, deduct_down_payments=self.deduct_down_payments,
                notes=notes)
        groups = defaultdict(list)
        for line, quantity in items:
            groups[line.order_id._service_invoice_grouping_key()].append((line, quantity))
        vals_list = []
        for group in groups.values():
            orders = self.env['sale.order'].union(*(line.order_id for line, _q in group))
            vals = orders[0]._prepare_invoice()
            vals['invoice_origin'] = ', '.join(orders.mapped('name'))
            if self.invoice_date:
                vals['invoice_date'] = self.invoice_date
            vals['invoice_line_ids'] += [
                fields.Command.create(line._prepare_invoice_line(quantity=quantity))
                for line, quantity in group]
            if self.deduct_down_payments:
                vals['invoice_line_ids'] += orders._service_down_payment_deductions(vals, notes)
            vals_list.append(vals)
        return vals_list


class ServiceOrderPostWizardLine(models.TransientModel):
    _name = 'service.order.post.wizard.line'
    _description = "Post Service Orders - Line"

    wizard_id = fields.Many2one('service.order.post.wizard', required=True, ondelete='cascade')
    sale_line_id = fields.Many2one('sale.order.line', string="Order Line", required=True)
    order_id = fields.Many2one(related='sale_line_id.order_id')
    product_id = fields.Many2one(related='sale_line_id.product_id')
    product_uom_id = fields.Many2one(related='sale_line_id.product_uom_id')
    quantity = fields.Float(related='sale_line_id.product_uom_qty', string="Quantity")
    qty_delivered = fields.Float(related='sale_line_id.qty_delivered', string="Quantity Shipped")
    qty_invoiced = fields.Float(related='sale_line_id.qty_invoiced', string="Quantity Invoiced")
    qty_consumed = fields.Float(related='sale_line_id.service_qty_consumed')
    qty_to_ship = fields.Float(string="Qty. to Ship", digits='Product Unit')
    qty_to_invoice = fields.Float(string="Qty. to Invoice", digits='Product Unit')
    qty_to_consume = fields.Float(
        string="Qty. to Consume", digits='Product Unit',
        help="Written off: shipped (what is not shipped yet is shipped now) and never "
             "invoiced.")

    @api.onchange('qty_to_ship')
    def _onchange_qty_to_ship(self):
        # Ship and Invoice invoices exactly what it ships.
        if self.wizard_id.option == 'ship_invoice':
            self.qty_to_invoice = self.qty_to_ship

    @api.onchange('qty_to_consume')
    def _onchange_qty_to_consume(self):
        # What is consumed is shipped first: what shipped and not invoiced does not cover.
        if self.wizard_id.option == 'consume':
            self.qty_to_ship = min(
                max(self.qty_to_consume - self.sale_line_id.service_qty_to_invoice, 0.0),
                self.sale_line_id.service_qty_to_ship)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_quantities_are_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_quantities_are_numbers(vals)
        return super().write(vals)

    def _check_quantities_are_numbers(self, vals):
        self.env.company._service_check_finite_vals(
            self.env._("Post, a quantity to post"), vals,
            ('qty_to_ship', 'qty_to_invoice', 'qty_to_consume'))
