"""Contract Billing Forecast: what the contracts will bill over the next twelve months.

The rows are made by the same planning the invoicing runs use (``_due_periods`` and
``_period_amounts`` of ``service_contract_planning.py``): the periods not billed yet whose
invoice date falls within the next twelve months, with the amount a run bills for each. A
period whose invoice date has passed and is not billed yet is billed by the next run: its row
is dated today. Each user's rows are their own, made afresh each time they open the forecast.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain

from ..tools import invoice_period as periods

FORECAST_MONTHS = 12


class ServiceContractForecast(models.TransientModel):
    _name = 'service.contract.forecast'
    _description = "Contract Billing Forecast"
    _order = 'invoice_date, contract_id, period_start'
    _rec_name = 'contract_id'
    _transient_max_hours = 24.0

    contract_id = fields.Many2one('service.contract', readonly=True,
                                  ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    user_id = fields.Many2one('res.users', string="Salesperson", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    invoice_date = fields.Date(
        readonly=True, help="The day a run bills the period: its first day when the contract "
                            "is prepaid, its last day otherwise; today when that has passed.")
    amount = fields.Monetary(
        string="Untaxed Amount", readonly=True,
        help="What the invoicing run bills for the period without taxes, in the contract's "
             "currency: the untaxed amount of its lines on the invoice, as Odoo's tax engine "
             "computes it (prices that include a tax are billed less that tax).")
    after_service = fields.Boolean(
        string="Invoiced After Service", readonly=True,
        help="Billed only once a service order of the contract was shipped in the period.")

    @api.model
    def _forecast_contracts_domain(self):
        return (Domain('state', '=', 'signed') & Domain('invoice_period', '!=', 'none')
                & Domain('company_id', 'in', self.env.companies.ids))

    @api.model
    def _forecast_periods(self, contract, today, months=FORECAST_MONTHS):
        """[(period, amount, invoice date)] of ``contract`` for the ``months`` from ``today``:
        the periods the runs will bill, what they bill for each and the day they bill it.
        The customer portal shows these too (``service_contract_portal.py``)."""
        horizon = today + relativedelta(months=months, days=-1)
        return [
            (period, amount, max(periods.invoice_date_of(period, contract.prepaid), today))
            for period, amount in contract._period_amounts(contract._due_periods(horizon))
        ]

    @api.model
    def _forecast_values(self, contracts, today, months=FORECAST_MONTHS):
        """The rows of ``contracts`` for the ``months`` from ``today``."""
        values = []
        for contract in contracts:
            # The invoices the runs will make (``_forecast_invoices``: the planning below,
            # totalled by Odoo's tax engine), one row per period they bill.
            for invoice in contract._forecast_invoices(today, months):
                values += [{
                    'contract_id': contract.id,
                    'partner_id': contract.partner_id.commercial_partner_id.id,
                    'user_id': contract.user_id.id,
                    'company_id': contract.company_id.id,
                    'currency_id': contract.currency_id.id,
                    'period_start': period.start,
                    'period_end': period.end,
                    'invoice_date': invoice['invoice_date'],
                    'amount': amount,
                    'after_service': contract.invoice_after_service,
                } for period, amount in invoice['periods']]
        return values

    @api.model
    def _regenerate(self):
        """Make this user's forecast afresh for the contracts they may read."""
        self.search([('create_uid', '=', self.env.uid)]).unlink()
        contracts = self.env['service.contract'].search(self._forecast_contracts_domain())
        return self.create(self._forecast_values(contracts, fields.Date.context_today(self)))

    @api.model
    def action_open_forecast(self):
        self._regenerate()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_contract_forecast')
        action['domain'] = [('create_uid', '=', self.env.uid)]
        return action
