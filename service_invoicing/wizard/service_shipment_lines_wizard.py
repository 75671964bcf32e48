import math

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain


class ServiceShipmentLinesWizard(models.TransientModel):
    """Get Shipment Lines: shipped, not invoiced shipment lines of the invoice's customer."""

    _name = 'service.shipment.lines.wizard'
    _description = "Get Shipment Lines"

    invoice_id = fields.Many2one('account.move', required=True, readonly=True)
    partner_id = fields.Many2one(related='invoice_id.commercial_partner_id', string="Customer")
    order_ids = fields.Many2many('sale.order', string="Orders")
    shipment_ids = fields.Many2many('service.shipment', string="Shipments")
    product_ids = fields.Many2many('product.product', string="Products")
    date_from = fields.Date()
    date_to = fields.Date()
    line_ids = fields.One2many('service.shipment.lines.wizard.line', 'wizard_id',
                               string="Shipment Lines")

    @api.onchange('invoice_id', 'order_ids', 'shipment_ids', 'product_ids', 'date_from',
                  'date_to')
    def _onchange_filters(self):
        found = self.env['service.shipment.line'].search(self._shipment_domain(),
                                                         order='date, id')
        self.line_ids = [Command.clear()] + [
            Command.create({'shipment_line_id': line.id, 'qty_available': line.qty_to_invoice,
                            'qty_to_invoice': line.qty_to_invoice})
            for line in found._filtered_billable()
        ]

    def action_confirm(self):
        """Insert the chosen shipment lines into the invoice."""
        self.ensure_one()
        invoice = self.invoice_id
        invoice._service_check_draft_customer_invoice()
        chosen = self.line_ids.filtered(lambda line: line.selected and line.qty_to_invoice)
        if not chosen:
            raise UserError(self.env._("Select at least one shipment line with a quantity."))
        allowed = self.env['service.shipment.line'].search(
            self._shipment_domain(with_filters=False))._filtered_billable()
        if outside := chosen.shipment_line_id - allowed:
            raise UserError(self.env._(
                "Shipment %(shipment)s does not belong to the customer, company and currency "
                "of invoice %(invoice)s, or has nothing left to invoice.",
                shipment=outside[0].shipment_id.name, invoice=invoice.display_name))
        # One shipment line chosen twice counts once, in all.
        self.env['service.shipment.line']._check_quantities_for_draft(
            [(line.shipment_line_id, line.qty_to_invoice) for line in chosen])
        commands = [Command.create(line.shipment_line_id.order_line_id._prepare_invoice_line(
            quantity=line.qty_to_invoice, service_shipment_line_id=line.shipment_line_id.id))
            for line in chosen]
        origins = set(filter(None, (invoice.invoice_origin or '').split(', ')))
        origins.update(chosen.shipment_line_id.order_id.mapped('name'))
        invoice.write({'invoice_line_ids': commands,
                       'invoice_origin': ', '.join(sorted(origins))})
        return {'type': 'ir.actions.act_window_close'}

    def _shipment_domain(self, with_filters=True):
        invoice = self.invoice_id
        domain = Domain([
            ('qty_to_invoice', '>', 0), ('company_id', '=', invoice.company_id.id),
            ('commercial_partner_id', '=', invoice.commercial_partner_id.id),
            ('currency_id', '=', invoice.currency_id.id),
        ])
        if not with_filters:
            return domain
        if self.order_ids:
            domain &= Domain('order_id', 'in', self.order_ids.ids)
        if self.shipment_ids:
            domain &= Domain('shipment_id', 'in', self.shipment_ids.ids)
        if self.product_ids:
            domain &= Domain('product_id', 'in', self.product_ids.ids)
        if self.date_from:
            domain &= Domain('date', '>=', self.date_from)
        if self.date_to:
            domain &= Domain('date', '<=', self.date_to)
        return domain


class ServiceShipmentLinesWizardLine(models.TransientModel):
    _name = 'service.shipment.lines.wizard.line'
    _description = "Get Shipment Lines - Line"

    wizard_id = fields.Many2one('service.shipment.lines.wizard', required=True,
                                ondelete='cascade')
    selected = fields.Boolean(default=True)
    shipment_line_id = fields.Many2one('service.shipment.line',
                                       required=True)
    shipment_id = fields.Many2one(related='shipment_line_id.shipment_id')
    order_id = fields.Many2one(related='shipment_line_id.order_id', string="Order")
    date = fields.Date(related='shipment_line_id.date', string="Shipped On")
    product_id = fields.Many2one(related='shipment_line_id.product_id')
    product_uom_id = fields.Many2one(related='shipment_line_id.product_uom_id')
    qty_available = fields.Float(string="Shipped Not Invoiced", digits='Product Unit',
                                 readonly=True)
    qty_to_invoice = fields.Float(string="Qty. to Invoice", digits='Product Unit')

    @api.model_create_multi
    def create(self, vals_list):
        self._check_quantities_are_numbers(
            [(self.env['service.shipment.line'].browse(vals.get('shipment_line_id')),
              vals.get('qty_to_invoice')) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        if 'qty_to_invoice' in vals:
            self._check_quantities_are_numbers(
                [(line.shipment_line_id, vals['qty_to_invoice']) for line in self])
        return super().write(vals)

    @api.model
    def _check_quantities_are_numbers(self, items):
        """A quantity that is not a number cannot even be stored: refused as the bound
        refuses it (``service.shipment.line._check_quantities_for_draft``), naming the
        shipment line, rather than by the database's rounding."""
        wrong = [(line, quantity) for line, quantity in items
                 if isinstance(quantity, float) and not math.isfinite(quantity)]
        if wrong:
            self.env['service.shipment.line']._check_quantities_for_draft(wrong)
