"""Business Central's statistics of a posted invoice: quantity, amount, tax, cost, profit."""

from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    service_stat_quantity = fields.Float(
        string="Quantity", compute='_compute_service_statistics', digits='Product Unit')
    service_stat_cost = fields.Monetary(
        string="Cost", compute='_compute_service_statistics',
        currency_field='company_currency_id',
        help="The products' cost (their cost price in the company's currency).")
    service_stat_profit = fields.Monetary(
        string="Profit", compute='_compute_service_statistics',
        currency_field='company_currency_id',
        help="Untaxed amount (in the company's currency) less cost.")
    service_stat_profit_percent = fields.Float(
        string="Profit %", compute='_compute_service_statistics', digits=(16, 2))

    @api.depends('invoice_line_ids.quantity', 'invoice_line_ids.product_id',
                 'invoice_line_ids.service_billing_type', 'amount_untaxed_signed')
    def _compute_service_statistics(self):
        for move in self:
            # Non-chargeable lines leave the invoice when it is posted: not counted.
            lines = move.invoice_line_ids.filtered(
                lambda line: line.display_type == 'product'
                and line.service_billing_type != 'non_chargeable')
            sign = -1 if move.move_type == 'out_refund' else 1
            move.service_stat_quantity = sign * sum(lines.mapped('quantity'))
            cost = sign * sum(
                line.product_id.with_company(move.company_id).standard_price
                * line.product_uom_id._compute_quantity(line.quantity, line.product_id.uom_id)
                for line in lines if line.product_id)
            untaxed = move.amount_untaxed_signed
            move.service_stat_cost = cost
            move.service_stat_profit = untaxed - cost
            move.service_stat_profit_percent = 100.0 * (untaxed - cost) / untaxed \
                if untaxed else 0.0
