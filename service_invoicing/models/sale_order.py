from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import formatLang

from ..tools.actions import records_action


class OrdersNote(str):
    """A message about some orders (their down payments kept for a later invoice): a string
    wherever it is shown, and the ``orders`` it is about for whoever files it on them."""

    def __new__(cls, text, orders):
        note = super().__new__(cls, text)
        note.orders = orders
        return note


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False,
        check_company=True, domain="[('state', '!=', 'cancelled')]",
        help="The service contract this order serves: a contract invoiced after service waits "
             "for a shipped order.")
    service_shipment_ids = fields.One2many(
        'service.shipment', 'order_id', string="Posted Shipments", readonly=True)
    service_shipment_count = fields.Integer(compute='_compute_service_shipment_count')
    service_backlog_amount = fields.Monetary(
        string="In the Backlog", compute='_compute_service_backlog',
        help="Shipped and not invoiced yet, untaxed.")
    service_backlog_count = fields.Integer(compute='_compute_service_backlog')

    @api.depends('service_shipment_ids')
    def _compute_service_shipment_count(self):
        for order in self:
            order.service_shipment_count = len(order.service_shipment_ids)

    def _compute_service_backlog(self):
        groups = {order: (count, amount) for order, count, amount in
                  self.env['service.billing.item']._read_group(
                      [('order_id', 'in', self.ids),
                       ('billing_status', 'in', ('ready', 'not_ready'))],
                      ['order_id'], ['__count', 'amount:sum'])}
        for order in self:
            order.service_backlog_count, order.service_backlog_amount = \
                groups.get(order, (0, 0.0))

    def action_view_service_billing_items(self):
        """Open the order's shipment lines in the billing backlog."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_billing_item')
        action['domain'] = [('order_id', 'in', self.ids)]
        action['context'] = {'search_default_waiting': 1}
        return action

    def action_view_service_shipments(self):
        """Open the posted shipments of this order."""
        return records_action(self.service_shipment_ids,
                              'service_invoicing.action_service_shipment')

    def action_service_post(self):
        """Post: open the posting wizard (Ship, Invoice, Ship and Invoice, Consume)."""
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Post Service Order"),
            'res_model': 'service.order.post.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_model': 'sale.order', 'active_ids': self.ids},
        }

    def _service_invoice_grouping_key(self):
        """Orders with the same key can share one (combined) invoice."""
        self.ensure_one()
        return (self.partner_invoice_id.id, self.company_id.id, self.currency_id.id,
                self.journal_id.id, self.fiscal_position_id.id, self.payment_term_id.id)

    def _service_down_payment_deductions(self, invoice_vals, notes=None):
        """The lines deducting the down payments of these orders (those one invoice bills)
        from ``invoice_vals``, as Odoo's Create Invoice deducts them (Deduct down payments,
        its default): per order, a "Down Payments" section, then each down payment invoiced
        and not yet deducted (Odoo's ``_get_invoiceable_lines(final=True)``) at -1 with its
        tax data reversed, after the invoice's lines.

        Odoo turns an invoice that a deduction takes below zero into a credit note; the
        batches bill progress, so they keep the down payments for a later invoice instead and
        say so in ``notes``: an order's down payments are deducted whole or not at all, as
        Odoo deducts them."""
        down_payments = {order: order._get_invoiceable_lines(final=True).filtered(
            'is_downpayment') for order in self
            if any(line.is_downpayment for line in order.order_line)}
        down_payments = {order: lines for order, lines in down_payments.items() if lines}
        if not down_payments:
            return []
        AccountTax = self.env['account.tax']
        sequence = max((command[2].get('sequence', 0) for command in
                        invoice_vals.get('invoice_line_ids', [])
                        if command[0] == Command.CREATE), default=0)
        commands = []
        for order, lines in down_payments.items():
            order = order.with_context(lang=order.partner_invoice_id.lang)
            sequence += 1
            commands.append(Command.create(
                order._prepare_down_payment_section_line(sequence=sequence)))
            for line in lines:
                sequence += 1
                commands += [Command.create(line_vals) for line_vals in
                             line._prepare_invoice_lines_vals_list(
                                 sequence=sequence, quantity=-1.0,
                                 extra_tax_data=AccountTax
                                 ._reverse_quantity_base_line_extra_tax_data(
                                     line.extra_tax_data))]
        # Odoo's own computation of the invoice with the deductions, in memory: its totals
        # are its tax totals (the tax and payment term items are made when it is created).
        invoice = self.env['account.move'].with_context(default_move_type='out_invoice').new(
            self.env['service.test.report']._without_links(
                {**invoice_vals,
                 'invoice_line_ids': invoice_vals.get('invoice_line_ids', []) + commands}))
        fits = invoice.currency_id.compare_amounts(
            (invoice.tax_totals or {}).get('total_amount_currency', 0.0), 0.0) >= 0
        billed = sum(line.price_subtotal for line in invoice.invoice_line_ids
                     if line.display_type == 'product' and not line.is_downpayment)
        currency = invoice.currency_id
        customer = invoice.partner_id.display_name
        # Nothing of the invoice in memory stays in the cache for what runs next.
        self.env.invalidate_all()
        if fits:
            return commands
        if notes is not None:
            waiting = self.browse([order.id for order in down_payments])
            notes.append(OrdersNote(self.env._(
                "The down payments of %(orders)s are not deducted: they are more than the "
                "invoice of %(customer)s bills (%(billed)s untaxed). Deduct them from a later "
                "invoice, or with Odoo's Create Invoice.",
                orders=', '.join(waiting.mapped('name')), customer=customer,
                billed=formatLang(self.env, billed, currency_obj=currency)), waiting))
        return []

