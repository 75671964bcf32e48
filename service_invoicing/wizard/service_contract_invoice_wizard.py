from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import format_date

from ..tools import invoice_period as periods
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
    run_action = fields.Selection(
        [('create', "Create Invoices"), ('preview', "Preview (test report)")],
        string="Action", required=True, default='create')
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

    state = fields.Selection(
        [('setup', "Setup"), ('preview', "Preview"), ('done', "Done")], default='setup')
    preview_line_ids = fields.One2many(
        'service.contract.invoice.preview', 'wizard_id', string="Test Report")
    invoice_ids = fields.Many2many('account.move', string="Invoices Created")
    created_count = fields.Integer(readonly=True)
    invoiced_count = fields.Integer(string="Contracts Invoiced", readonly=True)
    skipped_count = fields.Integer(readonly=True)
    failed_count = fields.Integer(readonly=True)
    result_message = fields.Text(readonly=True)
    amount_total = fields.Float(string="Amount", readonly=True)
    test_report_id = fields.Many2one(
        'service.test.report', string="Test Report of the Invoices", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'service.contract' \
                and self.env.context.get('active_ids') and 'contract_ids' in fields_list:
            values['contract_ids'] = [fields.Command.set(self.env.context['active_ids'])]
        return values

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
        """Run the batch: a test report with Preview, or the invoices with Create Invoices."""
        self.ensure_one()
        if self.run_action == 'preview':
            return self.action_preview()
        return self.action_create_invoices()

    def action_create_invoices(self):
        """Create the invoices (posted and sent if asked) and show what the run did."""
        self.ensure_one()
        Contract = self.env['service.contract']
        result = Contract._run_contract_invoicing(
            self._contract_domain(), self.invoice_to_date, self.posting_date,
            post=self.post_invoices or self.send_invoices, send=self.send_invoices,
            many_periods=self.bill_many_periods)
        messages = [error for _contract, error in result.failed] + result.notes
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

    def action_preview(self):
        """Fill the test report: what would be invoiced and every error, creating nothing."""
        self.ensure_one()
        contracts = self.env['service.contract'].search(self._contract_domain(), order='id')
        self.preview_line_ids = [fields.Command.clear()] + [
            fields.Command.create(vals) for vals in self._preview_line_vals(contracts)
        ]
        self.state = 'preview'
        return self._reopen()

    def action_test_report(self):
        """Test Report: the invoices a run would create (lines, taxes, accounts, journal, due
        date) and every problem; writes nothing. Create as Shown runs it."""
        self.ensure_one()
        return self.env['service.test.report']._open_for('contracts', self)

    def action_print_preview(self):
        """Print the test report as a PDF: the periods of each contract, then the invoices
        and problems."""
        self.ensure_one()
        if self.state != 'preview':
            self.action_preview()
        report = self.test_report_id or self.env['service.test.report'].create(
            {'origin': 'contracts', 'contract_wizard_id': self.id})
        report._fill()
        self.test_report_id = report
        return self.env.ref('service_invoicing.action_report_contract_invoice_preview') \
            .report_action(self)

    def action_view_invoices(self):
        """Open the invoices this run created."""
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type')

    def action_back(self):
        """Back to the options of the run."""
        self.state = 'setup'
        return self._reopen()

    def _service_test_report_source(self):
        """What Create Invoices would do: the invoices of the due periods, grouped and built
        as the run builds them (``_prepare_invoice_vals``), and why contracts are left out."""
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
        source.problems += [('warning', 'skipped', contracts._may_not_invoice_message(contract))
                            for contract in contracts - allowed]
        groups = defaultdict(list)
        for plan in allowed._plan_invoicing(self.invoice_to_date,
                                            many_periods=self.bill_many_periods):
            if plan.error:
                source.problems.append(('error', 'contract', plan.error))
            elif plan.skip:
                source.problems.append(('info', 'skipped', plan.skip))
            else:
                groups[plan.contract._invoice_grouping_key()].append(plan)
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

    def _preview_line_vals(self, contracts):
        allowed = contracts._filtered_may_invoice()
        plans = allowed._plan_invoicing(self.invoice_to_date,
                                        many_periods=self.bill_many_periods)
        invoice_numbers = {}
        vals_list = [{
            'contract_id': contract.id, 'partner_id': contract.partner_id.id,
            'currency_id': contract.currency_id.id, 'status': 'error',
            'message': contracts._may_not_invoice_message(contract),
            'next_invoice_date': contract.next_invoice_date,
        } for contract in contracts - allowed]
        for plan in plans:
            contract = plan.contract
            common = {'contract_id': contract.id, 'partner_id': contract.partner_id.id,
                      'currency_id': contract.currency_id.id}
            if plan.error or plan.skip:
                vals_list.append({
                    **common, 'status': 'error' if plan.error else 'skipped',
                    'message': plan.error or plan.skip,
                    'next_invoice_date': contract.next_invoice_date,
                })
                continue
            key = contract._invoice_grouping_key()
            number = invoice_numbers.setdefault(key, len(invoice_numbers) + 1)
            last_end = plan.periods[-1][0].end
            following = periods.next_period(
                contract.date_start, contract.date_end, contract.invoice_period, last_end)
            next_date = following and periods.invoice_date_of(following, contract.prepaid)
            for period, amount, _shares in plan.periods:
                vals_list.append({
                    **common, 'status': 'invoice', 'invoice_number': number,
                    'period_start': period.start, 'period_end': period.end, 'amount': amount,
                    'next_invoice_date': next_date,
                })
        return vals_list

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


class ServiceContractInvoicePreview(models.TransientModel):
    _name = 'service.contract.invoice.preview'
    _description = "Create Contract Invoices - Test Report Line"
    _order = 'id'

    wizard_id = fields.Many2one(
        'service.contract.invoice.wizard', required=True, ondelete='cascade')
    contract_id = fields.Many2one('service.contract', readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    status = fields.Selection(
        [('invoice', "To invoice"), ('skipped', "Skipped"), ('error', "Error")], readonly=True)
    invoice_number = fields.Integer(
        string="Invoice", readonly=True, help="Lines with the same number make one invoice.")
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    amount = fields.Monetary(readonly=True)
    next_invoice_date = fields.Date(string="Next Invoice Date After Run", readonly=True)
    message = fields.Text(readonly=True)
