from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False,
        readonly=True)
    service_period_start = fields.Date(copy=False)
    service_period_end = fields.Date(copy=False)
