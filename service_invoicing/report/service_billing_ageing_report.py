"""Backlog Aging: the billing backlog by how long its items have waited.

A read-only view of ``service.billing.item`` with the item's age in days from its date (the
invoice date of a contract period, the posting date of a shipment) to the user's today, and
its bucket: 0-30, 31-60, 61-90, over 90 days. Today is the user's (their time zone), passed
to the query when it is read, so a report read on another day ages accordingly.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..const import BILLING_STATUSES

AGE_BUCKETS = [
    ('0_30', "0-30 Days"),
    ('31_60', "31-60 Days"),
    ('61_90', "61-90 Days"),
    ('90_plus', "Over 90 Days"),
]


class ServiceBillingAgeingReport(models.Model):
    _name = 'service.billing.ageing.report'
    _inherit = ['service.sql.report']
    _description = "Backlog Aging"
    _auto = False
    _order = 'date, id'
    _rec_name = 'item_id'
    _depends = {
        'service.billing.item': ['date', 'billing_status', 'source_type', 'partner_id',
                                 'contract_id', 'order_id', 'user_id', 'company_id',
                                 'currency_id', 'amount', 'amount_waiting',
                                 'amount_to_invoice', 'amount_invoiced'],
    }

    item_id = fields.Many2one('service.billing.item', string="Backlog Item", readonly=True)
    date = fields.Date(readonly=True)
    age = fields.Integer(string="Age (Days)", readonly=True, aggregator='max')
    age_bucket = fields.Selection(AGE_BUCKETS, string="Age", readonly=True)
    billing_status = fields.Selection(BILLING_STATUSES, readonly=True)
    source_type = fields.Selection(selection='_selection_source_type', readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    contract_id = fields.Many2one('service.contract', readonly=True)
    order_id = fields.Many2one('sale.order', readonly=True)
    user_id = fields.Many2one('res.users', string="Salesperson", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    amount = fields.Monetary(string="Left to Invoice", readonly=True)
    amount_waiting = fields.Monetary(string="Waiting", readonly=True)
    amount_to_invoice = fields.Monetary(string="To Invoice", readonly=True)
    amount_invoiced = fields.Monetary(string="Invoiced", readonly=True)

    def _selection_source_type(self):
        return self.env['service.billing.item']._fields['source_type']._description_selection(
            self.env)

    @property
    def _table_query(self):
        # Made at each read: aged to the reader's today.
        return self._query()

    @api.model
    def _query(self):
        today = fields.Date.context_today(self)
        return SQL("""
            SELECT item.id AS id,
                   item.id AS item_id,
                   item.date AS date,
                   %(today)s - item.date AS age,
                   CASE
                       WHEN %(today)s - item.date <= 30 THEN '0_30'
                       WHEN %(today)s - item.date <= 60 THEN '31_60'
                       WHEN %(today)s - item.date <= 90 THEN '61_90'
                       ELSE '90_plus'
                   END AS age_bucket,
                   item.billing_status AS billing_status,
                   item.source_type AS source_type,
                   item.partner_id AS partner_id,
                   item.contract_id AS contract_id,
                   item.order_id AS order_id,
                   item.user_id AS user_id,
                   item.company_id AS company_id,
                   item.currency_id AS currency_id,
                   item.amount AS amount,
                   item.amount_waiting AS amount_waiting,
                   item.amount_to_invoice AS amount_to_invoice,
                   item.amount_invoiced AS amount_invoiced
              FROM service_billing_item item
             WHERE item.date IS NOT NULL
        """, today=today)
