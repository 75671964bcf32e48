from odoo import fields, models


class ServiceContractPeriod(models.Model):
    """An invoiced period of a contract: the guard that bills a period once only."""

    _name = 'service.contract.period'
    _description = "Invoiced Contract Period"
    _order = 'contract_id, date_start'

    contract_id = fields.Many2one(
        'service.contract', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='contract_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='contract_id.currency_id')
    date_start = fields.Date(string="Period Start", required=True)
    date_end = fields.Date(string="Period End", required=True)
    amount = fields.Monetary()
    invoice_id = fields.Many2one('account.move', required=True, ondelete='cascade', index=True)
    invoice_state = fields.Selection(related='invoice_id.state', string="Invoice Status")

    _contract_period_unique = models.Constraint(
        'UNIQUE(contract_id, date_start)', "This contract period is invoiced already.")

    def _compute_display_name(self):
        for period in self:
            period.display_name = self.env._(
                "%(contract)s, %(start)s - %(end)s", contract=period.contract_id.name,
                start=period.date_start, end=period.date_end)
