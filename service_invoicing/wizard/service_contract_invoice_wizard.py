from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import format_date, formatLang

from ..tools.actions import records_action
from ..tools.report_source import ReportSource


class ServiceContractInvoiceWizard(models.TransientModel):
    """Create Contract Invoices: the batch of Business Central, with its test report."""

    _name = 'service.contract.invoice.wizard'
    _description = "Create Contract Invoices"

    posting_date = fields.Date(
        required=True, default=fields.Date.context_today,
        help="Invoice date of the invoices created.")
    invoice_to_date = fields.Date(
        required=True, default=fields.Date.context_today,
        help="Every period whose invoice date is on or before this date is invoiced.")
    bill_many_periods = fields.Boolean(
        string="Bill Many Periods at Once",
        help="Bill contracts that are due for more periods than a run bills by itself (a "
             "contract started long ago): a Service Invoicing manager confirms it.")
    post_invoices = fields.Boolean(string="Post the invoices")
    send_invoices = fields.Boolean(
        string="Send by email", help="Post the invoices and queue Odoo's invoice email.")
    contract_ids = fields.Many2many('service.contract', string="Contracts")
    partner_ids = fields.Many2many('res.partner', string="Customers")
    user_ids = fields.Many2many('res.users', string="Salespersons")
    company_ids = fields.Many2many(
        'res.company', string="Companies", default=lambda self: self.env.companies)

    state = fields.Selection([('setup', "Setup"), ('done', "Done")], default='setup')
    invoice_ids = fields.Many2many('account.move', string="Invoices Created")
    created_count = fields.Integer(readonly=True)
    invoiced_count = fields.Integer(string="Contracts Invoiced", readonly=True)
    skipped_count = fields.Integer(readonly=True)
    failed_count = fields.Integer(readonly=True)
    result_message = fields.Text(readonly=True)
    amount_total = fields.Float(string="Amount", readonly=True)
    amount_text = fields.Char(
        string="Total", compute='_compute_amount_text',
        help="The total of the invoices created, per currency.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'service.contract' \
                and self.env.context.get('active_ids') and 'contract_ids' in fields_list:
            values['contract_ids'] = [fields.Command.set(self.env.context['active_ids'])]
        return values

    @api.depends('invoice_ids.amount_total', 'invoice_ids.currency_id')
    def _compute_amount_text(self):
        for wizard in self:
            totals = defaultdict(float)
            for invoice in wizard.invoice_ids:
                totals[invoice.currency_id] += invoice.amount_total
            wizard.amount_text = ', '.join(
                formatLang(self.env, amount, currency_obj=currency)
                for currency, amount in totals.items())

    @api.constrains('posting_date', 'invoice_to_date', 'company_ids')
    def _check_dates_billable(self):
        """A run bills dates its companies can bill: not 1899, not 2999."""
        for wizard in self:
            for company in wizard.company_ids or self.env.company:
                for name in ('posting_date', 'invoice_to_date'):
                    company._service_check_dates(self.env._(
                        "Create Contract Invoices, %(field)s",
                        field=self._fields[name]._description_string(self.env)), wizard[name])

    @api.onchange('send_invoices')
    def _onchange_send_invoices(self):
        if self.send_invoices:
            self.post_invoices = True

    def action_run(self):
        """Create: the invoices of the run (posted and sent if asked)."""
        return self.action_create_invoices()

    def action_create_invoices(self):
        """Create the invoices (posted and sent if asked) and show what the run did, with a
        warning for every period billed in arrears that has not ended yet."""
        self.ensure_one()
        Contract = self.env['service.contract']
        result = Contract._run_contract_invoicing(
            self._contract_domain(), self.invoice_to_date, self.posting_date,
            post=self.post_invoices or self.send_invoices, send=self.send_invoices,
            many_periods=self.bill_many_periods)
        messages = [error for _contract, error in result.failed] + result.notes
        billed = defaultdict(list)
        for line in result.invoices.invoice_line_ids:
            if line.service_contract_id and line.service_period_end:
                billed[line.service_contract_id].append(
                    (line.service_period_start, line.service_period_end))
        messages += [warning for contract, dates in billed.items()
                     if (warning := self._not_ended_warning(
                         contract, min(start for start, _end in dates),
                         max(end for _start, end in dates)))]
        self.write({
            'state': 'done',
            'invoice_ids': [fields.Command.set(result.invoices.ids)],
            'created_count': len(result.invoices),
            'invoiced_count': len(result.invoiced),
            'skipped_count': len(result.skipped),
            'failed_count': len(result.failed),
            'amount_total': sum(result.invoices.mapped('amount_total')),
            'result_message': '\n'.join(messages),
        })
        return self._reopen()

    def action_test_report(self):
        """Test Report: every contract of the run, what it would bill (period, amount, lines,
        on which invoice) or why not, and the invoices with their taxes, accounts, journal
        and due date, and every problem; writes nothing. Create from it runs it."""
        self.ensure_one()
        return self.env['service.test.report']._open_for('contracts', self)

    def action_view_invoices(self):
        """Open the invoices this run created."""
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type')

    def _not_ended_warning(self, contract, period_start, period_end):
        """A warning when a contract billed in arrears bills a period that has not ended yet
        (the invoice-to date is in the future), else ''."""
        today = fields.Date.context_today(self)
        if contract.prepaid or period_end <= today:
            return ''
        return self.env._(
            "Contract %(contract)s is billed in arrears, but its period %(start)s - %(end)s "
            "has not ended (today is %(today)s): the invoice-to date %(invoice_to)s is in the "
            "future. Bill it once the period has ended, or choose an invoice-to date that is "
            "not after today.", contract=contract.display_name,
            start=format_date(self.env, period_start), end=format_date(self.env, period_end),
            today=format_date(self.env, today),
            invoice_to=format_date(self.env, self.invoice_to_date))

    def _service_test_report_source(self):
        """What Create would do: a row for every contract of the run (billed, skipped or
        refused, and why), the invoices of the due periods, grouped and built as the run
        builds them (``_prepare_invoice_vals``)."""
        self.ensure_one()
        Contract = self.env['service.contract']
        post = self.post_invoices or self.send_invoices
        source = ReportSource(
            options=self.env._(
                "Posting date %(posting)s, invoice-to date %(invoice_to)s. %(post)s",
                posting=format_date(self.env, self.posting_date),
                invoice_to=format_date(self.env, self.invoice_to_date),
                post=self.env['service.test.report']._posting_text(post, self.send_invoices))
            + (self.env._(" Bill Many Periods at Once.") if self.bill_many_periods else ''),
            post=post, send=self.send_invoices)
        contracts = Contract.search(self._contract_domain(), order='id')
        allowed = contracts._filtered_may_invoice()
        rows = {}
        for contract in contracts - allowed:
            message = contracts._may_not_invoice_message(contract)
            source.problems.append(('warning', 'skipped', message))
            rows[contract] = {'status': 'refused', 'message': message}
        groups = defaultdict(list)
        for plan in allowed._plan_invoicing(self.invoice_to_date,
                                            many_periods=self.bill_many_periods):
            contract = plan.contract
            if plan.error:
                source.problems.append(('error', 'contract', plan.error))
                rows[contract] = {'status': 'refused', 'message': plan.error}
            elif plan.skip:
                source.problems.append(('info', 'skipped', plan.skip))
                rows[contract] = {'status': 'skipped', 'message': plan.skip}
            else:
                key = contract._invoice_grouping_key()
                invoice = list(groups).index(key) if key in groups else len(groups)
                groups[key].append(plan)
                start, end = plan.periods[0][0].start, plan.periods[-1][0].end
                warning = self._not_ended_warning(contract, start, end)
                if warning:
                    source.problems.append(('warning', 'period_not_ended', warning))
                rows[contract] = {
                    'status': 'invoice', 'period_start': start, 'period_end': end,
                    'amount': plan.amount, 'invoice': invoice, 'warning': warning or False}
        source.rows = [{
            'contract_id': contract.id, 'partner_id': contract.partner_id.id,
            'currency_id': contract.currency_id.id, **rows[contract],
        } for contract in contracts]
        source.vals_list = [Contract._prepare_invoice_vals(group, self.posting_date)
                            for group in groups.values()]
        if post:
            waiting = allowed.period_ids.invoice_id.filtered(
                lambda move: move.state == 'draft' and move.service_to_post)
            source.problems += [('info', 'skipped', self.env._(
                "%(invoice)s waits to be posted: the run posts it too.",
                invoice=invoice.display_name)) for invoice in waiting]
        return source

    def _contract_domain(self):
        return self.env['service.contract']._invoicing_domain(
            self.invoice_to_date, contracts=self.contract_ids, partners=self.partner_ids,
            users=self.user_ids, companies=self.company_ids)

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'name': self.env._("Create Contract Invoices"),
        }

