from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    service_bills_time = fields.Boolean(
        string="Bills Time", compute='_compute_service_bills_time',
        help="A line is invoiced on timesheets: its Not-to-Exceed limit shows on the lines.")

    @api.depends('order_line.qty_delivered_method')
    def _compute_service_bills_time(self):
        for order in self:
            order.service_bills_time = any(line.qty_delivered_method == 'timesheet'
                                           for line in order.order_line)
