from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# What an invoice line bills: set when the product's own flows create the line (contract
# invoicing, order posting, Get Shipment Lines, Combine Shipments, Odoo's Create Invoice, a
# reversal), never re-pointed afterwards.
SERVICE_LINK_FIELDS = (
    'service_contract_id', 'service_period_start', 'service_period_end', 'service_stock_move_id',
)


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False, readonly=True)
    service_period_start = fields.Date(copy=False, readonly=True)
    service_period_end = fields.Date(copy=False, readonly=True)
    service_stock_move_id = fields.Many2one(
        'stock.move', string="Shipment Line", index='btree_not_null', copy=False,
        readonly=True, help="The delivery line this invoice line invoices.")
    service_picking_id = fields.Many2one(
        related='service_stock_move_id.picking_id', string="Shipment")

    @api.constrains('service_stock_move_id', 'product_id', 'sale_line_ids')
    def _check_service_shipment_link(self):
        self._service_check_shipment_links()

    def write(self, vals):
        if any(self._fields[name].convert_to_cache(line[name], line)
               != self._fields[name].convert_to_cache(vals[name], line)
               for name in SERVICE_LINK_FIELDS if name in vals for line in self):
            raise UserError(self.env._(
                "What an invoice line bills (contract period, shipment line) is set when the "
                "line is created and cannot be changed (%(lines)s): delete the line and bill "
                "again with Get Shipment Lines, Combine Shipments or Create Contract Invoices.",
                lines=', '.join(self.move_id.mapped('display_name'))))
        return super().write(vals)

    def unlink(self):
        # A contract period billed by nothing else on its draft gives its period back.
        self._service_unbilled_periods()._release()
        return super().unlink()

    def _copy_data_extend_business_fields(self, values):
        # A credit note keeps what it corrects: the delivery (it gives the quantity back) and
        # the contract period (it cannot credit more than was billed of it).
        super()._copy_data_extend_business_fields(values)
        values.update({
            'service_stock_move_id': self.service_stock_move_id.id,
            'service_contract_id': self.service_contract_id.id,
            'service_period_start': self.service_period_start,
            'service_period_end': self.service_period_end,
        })

    def _service_unbilled_periods(self):
        """The billed periods of draft contract invoices that no line would bill once these
        lines are gone."""
        lines = self.filtered(lambda line: line.service_contract_id
                              and line.move_id.move_type == 'out_invoice'
                              and line.move_id.state == 'draft')
        periods = self.env['service.contract.period']
        for invoice in lines.move_id:
            kept = {(line.service_contract_id, line.service_period_start)
                    for line in invoice.invoice_line_ids - lines if line.service_contract_id}
            periods |= invoice.sudo().service_period_ids.filtered(
                lambda period, kept=kept: (period.contract_id, period.date_start) not in kept)
        return periods

    def _service_check_shipment_links(self):
        """A line billing a shipment line bills that delivery of its own customer: same order
        line and product, company, currency and commercial partner as its invoice."""
        for line in self.filtered('service_stock_move_id'):
            shipment = line.service_stock_move_id.sudo()
            order = shipment.sale_line_id.order_id
            invoice = line.move_id
            if (invoice.move_type not in ('out_invoice', 'out_refund')
                    or shipment.state != 'done' or shipment.picking_code != 'outgoing'
                    or shipment.sale_line_id not in line.sudo().sale_line_ids
                    or shipment.product_id != line.product_id
                    or shipment.company_id != invoice.company_id
                    or order.currency_id != invoice.currency_id
                    or order.partner_invoice_id.commercial_partner_id
                    != invoice.commercial_partner_id):
                raise ValidationError(self.env._(
                    "The line %(line)s of %(invoice)s cannot bill the shipment line of "
                    "%(product)s on delivery %(picking)s: only a shipped line of the invoice's "
                    "own customer, company, currency, order line and product can be billed. "
                    "Use Get Shipment Lines to add it.",
                    line=line.name or line.product_id.display_name,
                    invoice=invoice.display_name, product=shipment.product_id.display_name,
                    picking=shipment.picking_id.name or shipment.reference))
