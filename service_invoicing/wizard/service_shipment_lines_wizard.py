from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain


class ServiceShipmentLinesWizard(models.TransientModel):
    """Get Shipment Lines: shipped, not invoiced delivery lines of the invoice's customer."""

    _name = 'service.shipment.lines.wizard'
    _description = "Get Shipment Lines"

    invoice_id = fields.Many2one('account.move', required=True, readonly=True)
    partner_id = fields.Many2one(related='invoice_id.commercial_partner_id', string="Customer")
    order_ids = fields.Many2many('sale.order', string="Orders")
    picking_ids = fields.Many2many('stock.picking', string="Deliveries")
    product_ids = fields.Many2many('product.product', string="Products")
    date_from = fields.Date()
    date_to = fields.Date()
    line_ids = fields.One2many('service.shipment.lines.wizard.line', 'wizard_id',
                               string="Shipment Lines")

    @api.onchange('invoice_id', 'order_ids', 'picking_ids', 'product_ids', 'date_from',
                  'date_to')
    def _onchange_filters(self):
        moves = self.env['stock.move'].search(self._shipment_domain(), order='date, id')
        available = moves._service_filtered_billable()._service_invoiceable_quantities()
        self.line_ids = [Command.clear()] + [
            Command.create({'move_id': move.id, 'qty_available': quantity,
                            'qty_to_invoice': quantity})
            for move, quantity in available.items()
        ]

    def action_confirm(self):
        """Insert the chosen shipment lines into the invoice."""
        self.ensure_one()
        invoice = self.invoice_id
        if invoice.state != 'draft':
            raise UserError(self.env._("Invoice %(invoice)s is not a draft any more.",
                                       invoice=invoice.display_name))
        chosen = self.line_ids.filtered(lambda line: line.selected and line.qty_to_invoice)
        if not chosen:
            raise UserError(self.env._("Select at least one shipment line with a quantity."))
        available = chosen.move_id._service_invoiceable_quantities()
        allowed = self.env['stock.move'].search(
            self._shipment_domain(with_filters=False))._service_filtered_billable()
        commands = []
        for line in chosen:
            move = line.move_id
            if move not in allowed:
                raise UserError(self.env._(
                    "Delivery %(picking)s does not belong to the customer, company and currency "
                    "of invoice %(invoice)s.", picking=move.picking_id.name,
                    invoice=invoice.display_name))
            limit = available.get(move, 0.0)
            if line.qty_to_invoice < 0 or move.sale_line_id.product_uom_id.compare(
                    line.qty_to_invoice, limit) > 0:
                raise UserError(self.env._(
                    "%(product)s of delivery %(picking)s: you can invoice between 0 and "
                    "%(limit)s, not %(qty)s.", product=move.product_id.display_name,
                    picking=move.picking_id.name, limit=limit, qty=line.qty_to_invoice))
            commands.append(Command.create(move.sale_line_id._prepare_invoice_line(
                quantity=line.qty_to_invoice, service_stock_move_id=move.id)))
        origins = set(filter(None, (invoice.invoice_origin or '').split(', ')))
        origins.update(chosen.move_id.sale_line_id.order_id.mapped('name'))
        invoice.write({'invoice_line_ids': commands,
                       'invoice_origin': ', '.join(sorted(origins))})
        return {'type': 'ir.actions.act_window_close'}

    def _shipment_domain(self, with_filters=True):
        invoice = self.invoice_id
        domain = Domain([
            ('state', '=', 'done'), ('picking_code', '=', 'outgoing'),
            ('service_qty_open', '>', 0), ('company_id', '=', invoice.company_id.id),
            ('sale_line_id.order_id.partner_invoice_id.commercial_partner_id', '=',
             invoice.commercial_partner_id.id),
            ('sale_line_id.order_id.currency_id', '=', invoice.currency_id.id),
        ])
        if not with_filters:
            return domain
        if self.order_ids:
            domain &= Domain('sale_line_id.order_id', 'in', self.order_ids.ids)
        if self.picking_ids:
            domain &= Domain('picking_id', 'in', self.picking_ids.ids)
        if self.product_ids:
            domain &= Domain('product_id', 'in', self.product_ids.ids)
        if self.date_from:
            domain &= Domain('date', '>=', self.date_from)
        if self.date_to:
            domain &= Domain('date', '<', fields.Date.add(self.date_to, days=1))
        return domain


class ServiceShipmentLinesWizardLine(models.TransientModel):
    _name = 'service.shipment.lines.wizard.line'
    _description = "Get Shipment Lines - Line"

    wizard_id = fields.Many2one('service.shipment.lines.wizard', required=True,
                                ondelete='cascade')
    selected = fields.Boolean(default=True)
    move_id = fields.Many2one('stock.move', string="Shipment Line", required=True)
    picking_id = fields.Many2one(related='move_id.picking_id', string="Delivery")
    order_id = fields.Many2one(related='move_id.sale_line_id.order_id', string="Order")
    date = fields.Datetime(related='move_id.date', string="Shipped On")
    product_id = fields.Many2one(related='move_id.product_id')
    product_uom_id = fields.Many2one(related='move_id.sale_line_id.product_uom_id')
    qty_available = fields.Float(string="Shipped Not Invoiced", digits='Product Unit',
                                 readonly=True)
    qty_to_invoice = fields.Float(string="Qty. to Invoice", digits='Product Unit')
