"""Billed Revenue: the posted customer invoices and credit notes of what the addon bills.

One row per product line of a posted customer invoice or credit note that bills a contract
period, a shipment line or an order line (time, milestones, delivered quantities through
``sale_line_ids``). The amount is untaxed, in the company's currency, from the line's balance
as Odoo's Invoice Analysis reads it: credit notes count negative.
"""

from odoo import api, fields, models
from odoo.tools import SQL

REVENUE_SOURCE_TYPES = [
    ('contract', "Contract"),
    ('shipment', "Shipment"),
    ('timesheet', "Timesheets"),
    ('milestone', "Milestones"),
    ('order', "Order"),
]


class ServiceBillingRevenueReport(models.Model):
    _name = 'service.billing.revenue.report'
    _inherit = ['service.sql.report']
    _description = "Billed Revenue"
    _auto = False
    _order = 'date desc, id desc'
    _rec_name = 'move_id'
    # Flushed before the view is read (Odoo's Invoice Analysis does the same).
    _depends = {
        'account.move': ['move_type', 'state', 'invoice_date', 'commercial_partner_id',
                         'invoice_user_id'],
        'account.move.line': ['move_id', 'display_type', 'balance', 'quantity', 'company_id',
                              'company_currency_id', 'product_id', 'service_contract_id',
                              'service_shipment_line_id', 'sale_line_ids'],
        'sale.order.line': ['order_id', 'qty_delivered_method'],
        'sale.order': ['service_contract_id'],
    }

    move_id = fields.Many2one('account.move', string="Invoice", readonly=True)
    move_type = fields.Selection(
        [('out_invoice', "Customer Invoice"), ('out_refund', "Customer Credit Note")],
        string="Type", readonly=True)
    date = fields.Date(string="Invoice Date", readonly=True)
    contract_id = fields.Many2one('service.contract', readonly=True)
    order_id = fields.Many2one('sale.order', readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    user_id = fields.Many2one('res.users', string="Salesperson", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    product_id = fields.Many2one('product.product', readonly=True)
    source_type = fields.Selection(REVENUE_SOURCE_TYPES, string="Source", readonly=True)
    quantity = fields.Float(digits='Product Unit', readonly=True)
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", readonly=True,
        help="In the company's currency; credit notes are negative.")

    @api.model
    def _query(self):
        return SQL("""
            SELECT line.id AS id,
                   line.move_id AS move_id,
                   move.move_type AS move_type,
                   move.invoice_date AS date,
                   COALESCE(line.service_contract_id, sale_order.service_contract_id)
                       AS contract_id,
                   sale_line.order_id AS order_id,
                   move.commercial_partner_id AS partner_id,
                   move.invoice_user_id AS user_id,
                   line.company_id AS company_id,
                   line.company_currency_id AS currency_id,
                   line.product_id AS product_id,
                   CASE
                       WHEN line.service_contract_id IS NOT NULL THEN 'contract'
                       WHEN line.service_shipment_line_id IS NOT NULL THEN 'shipment'
                       WHEN sale_line.qty_delivered_method = 'timesheet' THEN 'timesheet'
                       WHEN sale_line.qty_delivered_method = 'milestones' THEN 'milestone'
                       ELSE 'order'
                   END AS source_type,
                   line.quantity
                       * CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                       AS quantity,
                   -line.balance AS amount_untaxed
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              LEFT JOIN LATERAL (
                   SELECT MIN(rel.order_line_id) AS order_line_id
                     FROM sale_order_line_invoice_rel rel
                    WHERE rel.invoice_line_id = line.id
              ) linked ON TRUE
              LEFT JOIN sale_order_line sale_line ON sale_line.id = linked.order_line_id
              LEFT JOIN sale_order ON sale_order.id = sale_line.order_id
             WHERE move.move_type IN ('out_invoice', 'out_refund')
               AND move.state = 'posted'
               AND line.display_type = 'product'
               AND (line.service_contract_id IS NOT NULL
                    OR line.service_shipment_line_id IS NOT NULL
                    OR linked.order_line_id IS NOT NULL)
        """)
