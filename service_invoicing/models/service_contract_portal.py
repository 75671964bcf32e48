"""Service contracts in the customer portal: Odoo's ``portal.mixin``
(``/my/service_contracts/<id>``, access tokens, the PDF's file name) and what the contract
page shows beyond the contract's own fields: the invoices of the next twelve months, as the
invoicing runs will make them.

What a portal user may read is decided by record rules (the contracts of their commercial
partner, ``security/service_contract_portal_security.xml``) and by ``_seller_only_fields``:
the fields about the seller's own work stay with the employees, whichever way they are read
(the portal renders contracts as superuser, but the JSON-RPC ORM is open to portal users too).
"""

from odoo import fields, models
from odoo.fields import Command

from .service_contract_planning import ContractPlan


class ServiceContract(models.Model):
    _name = 'service.contract'
    _inherit = ['service.contract', 'portal.mixin', 'service.seller.fields.mixin']
    # The backlog's figures are computed from backlog items, which customers do not read;
    # activities are the seller's (Odoo's mixin gives them to employees only).
    _seller_only_fields = {
        'invoice_error', 'may_invoice', 'billing_item_ids', 'backlog_amount', 'backlog_count',
        'billed_to_date', 'billed_this_year', 'activity_exception_decoration',
        'activity_exception_icon', 'price_history_ids',
    }

    def _compute_access_url(self):
        for contract in self:
            contract.access_url = f'/my/service_contracts/{contract.id}'

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Contract %(contract)s", contract=self.name)

    def _invoice_forecast(self, today=None):
        """The invoices of the next twelve months of this contract, as its customer reads
        them: a dict per invoice with its date, the periods it bills (first day of the first,
        last day of the last: overdue periods are billed together by the next run) and its
        untaxed amount, taxes and total (``_forecast_invoices``)."""
        self.ensure_one()
        if self.state != 'signed' or self.change_status != 'locked':
            # Only signed contracts are billed, and none while open for changes (the runs
            # refuse them until they are locked again: their amounts may change).
            return []
        return [
            {key: invoice[key] for key in ('invoice_date', 'period_start', 'period_end',
                                            'amount_untaxed', 'amount_tax', 'amount_total')}
            for invoice in self._forecast_invoices(today)
        ]

    def _forecast_invoices(self, today=None, months=None):
        """The invoices the runs will make of this contract over the next twelve months, the
        one rule of the portal's forecast and of the Contract Billing Forecast (``months``:
        another horizon than twelve months): a dict per
        invoice with its date, the periods it bills, its untaxed amount, taxes and total,
        and ``periods``: [(period, untaxed amount of the period on that invoice)].

        The periods, amounts and dates are the planning of the runs
        (``service.contract.forecast._forecast_periods``); the invoice lines are the runs' own
        (``_prepare_invoice_line_vals``), totalled by Odoo's tax engine one invoice at a time,
        as the invoice itself totals them (``account.move._service_estimate_totals``)."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        Forecast = self.env['service.contract.forecast']
        planned = Forecast._forecast_periods(self, today, **({'months': months} if months else {}))
        if not planned:
            return []
        plan = ContractPlan(self, [(period, amount, self._split_over_lines(amount, period.start))
                                   for period, amount, _invoice_date in planned])
        invoice_dates = {period.start: invoice_date for period, _amount, invoice_date in planned}
        by_start = {period.start: period for period, _amount, _invoice_date in planned}
        invoices = {}
        for vals in self._prepare_invoice_line_vals(plan):
            invoices.setdefault(invoice_dates[vals['service_period_start']], []).append(vals)
        forecast = []
        for invoice_date, lines in invoices.items():
            totals, untaxed = self._invoice_totals_and_lines(lines)
            per_period = {}
            for vals, amount in zip(lines, untaxed, strict=True):
                start = vals['service_period_start']
                per_period[start] = per_period.get(start, 0.0) + amount
            forecast.append({
                'invoice_date': invoice_date,
                'period_start': min(vals['service_period_start'] for vals in lines),
                'period_end': max(vals['service_period_end'] for vals in lines),
                **totals,
                'periods': [(by_start[start], self.currency_id.round(amount))
                            for start, amount in per_period.items()],
            })
        return forecast

    def _invoice_totals(self, line_vals_list):
        """{'amount_untaxed', 'amount_tax', 'amount_total'} of an invoice of this contract
        holding the invoice lines ``line_vals_list``, by Odoo's tax engine."""
        return self._invoice_totals_and_lines(line_vals_list)[0]

    def _invoice_totals_and_lines(self, line_vals_list):
        """(``_invoice_totals``, [untaxed amount of each line])."""
        self.ensure_one()
        summary, untaxed = self.env['account.move']._service_estimate_totals({
            'partner_id': self.partner_invoice_id.id, 'company_id': self.company_id.id,
            'currency_id': self.currency_id.id,
            'invoice_line_ids': [Command.create(vals) for vals in line_vals_list],
        })
        return {
            'amount_untaxed': summary['base_amount_currency'],
            'amount_tax': summary['tax_amount_currency'],
            'amount_total': summary['total_amount_currency'],
        }, untaxed


class ServiceContractLine(models.Model):
    _name = 'service.contract.line'
    _inherit = ['service.contract.line', 'service.seller.fields.mixin']
    # Taxes: the portal shows their labels; the records are for accounting users.
    _seller_only_fields = {'technical_price_unit', 'analytic_distribution', 'analytic_precision',
                           'distribution_analytic_account_ids', 'tax_ids', 'price_history_ids'}


class ServiceContractPeriod(models.Model):
    _name = 'service.contract.period'
    _inherit = ['service.contract.period', 'service.seller.fields.mixin']
    _seller_only_fields = {'billing_item_ids'}
