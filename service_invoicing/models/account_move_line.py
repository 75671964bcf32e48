from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False, readonly=True)
    service_period_start = fields.Date(copy=False)
    service_period_end = fields.Date(copy=False)
    service_stock_move_id = fields.Many2one(
        'stock.move', string="Shipment Line", index='btree_not_null', copy=False,
        readonly=True, help="The delivery line this invoice line invoices.")
    service_picking_id = fields.Many2one(
        related='service_stock_move_id.picking_id', string="Shipment")

    def _copy_data_extend_business_fields(self, values):
        # A credit note keeps the delivery it corrects, so it gives the quantity back.
        super()._copy_data_extend_business_fields(values)
        values['service_stock_move_id'] = self.service_stock_move_id.id
