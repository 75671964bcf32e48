from odoo import api, fields, models

from odoo.addons.service_invoicing.const import INVOICE_STATUSES
from odoo.addons.service_invoicing.tools.actions import records_action


class StockPicking(models.Model):
    _inherit = 'stock.picking'

    service_invoice_status = fields.Selection(
        INVOICE_STATUSES, string="Invoicing Status", compute='_compute_service_invoice_status',
        store=True)
    service_invoice_ids = fields.Many2many(
        'account.move', string="Invoices", compute='_compute_service_invoice_ids')
    service_invoice_count = fields.Integer(compute='_compute_service_invoice_ids')

    @api.depends('move_ids.service_shipment_line_ids.qty_shipped',
                 'move_ids.service_shipment_line_ids.qty_invoiced',
                 'move_ids.service_shipment_line_ids.qty_consumed')
    def _compute_service_invoice_status(self):
        for picking in self:
            picking.service_invoice_status = \
                picking.move_ids.service_shipment_line_ids._invoice_status()

    def _compute_service_invoice_ids(self):
        for picking in self:
            picking.service_invoice_ids = \
                picking.move_ids.service_shipment_line_ids.invoice_line_ids.move_id
            picking.service_invoice_count = len(picking.service_invoice_ids)

    def action_view_service_invoices(self):
        """Open the invoices and credit notes of this delivery."""
        return records_action(self.service_invoice_ids, 'account.action_move_out_invoice_type',
                              context={'default_move_type': 'out_invoice'})
