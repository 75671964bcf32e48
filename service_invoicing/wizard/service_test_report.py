"""Test reports: what a batch would post, and every problem, before anything is made.

One report for every way of invoicing: a selection of draft invoices, an order posting, a
contract run, Combine Shipments and an invoice schedule run. Each origin says what it would
do (``_service_test_report_source``): the values of the invoices its batch would create,
built by the batch's own ``_prepare_*`` methods, or the drafts it would post, with its options
and the refusals the batch computes itself. The report turns the values into invoices in
memory with Odoo's own computation (``service_test_report_invoices.py``), checks them, and
writes nothing but itself.

It keeps its origin, so that one click does what it showed: the origin's own action with the
options the report was made with, refused while the report shows errors, and only while what
the run would make is still what the report shows.
"""

import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import formatLang

from ..tools.actions import records_action

# Where a test report comes from: {origin: (the field that holds it, its action)}. The
# action is always one of these: a report never calls a method named by its data.
ORIGINS = {
    'drafts': ('draft_invoice_ids', 'action_post'),
    'order_posting': ('order_post_wizard_id', 'action_post'),
    'contracts': ('contract_wizard_id', 'action_create_invoices'),
    'combine': ('combine_wizard_id', 'action_create'),
    'schedule_run': ('schedule_run_id', 'action_run_now'),
    'proformas': ('proforma_wizard_id', 'action_create'),
}
ORIGIN_LABELS = [
    ('drafts', "Draft Invoices"),
    ('order_posting', "Post Service Orders"),
    ('contracts', "Create Contract Invoices"),
    ('combine', "Combine Shipments"),
    ('schedule_run', "Invoice Schedule Run"),
    ('proformas', "Create Proforma Invoices"),
]
# An error blocks (the run would refuse it, or Odoo would), a warning should worry.
PROBLEM_LEVELS = [('error', "Error"), ('warning', "Warning"), ('info', "Note")]
PROBLEM_KINDS = [
    ('income_account', "Income Account"),
    ('tax', "Taxes"),
    ('lock_date', "Locked Period"),
    ('email', "Email"),
    ('total', "Total"),
    ('currency_rate', "Currency Rate"),
    ('quantity', "Quantities"),
    ('contract', "Contract"),
    ('refused', "Refused"),
    ('left_out', "Left Out"),
    ('skipped', "Skipped"),
    ('down_payment', "Down Payments"),
    ('drafts', "Drafts Beside"),
    ('period_not_ended', "Period Not Ended"),
]
# What a batch does with a contract or an order it was given.
ROW_STATUSES = [('invoice', "To Invoice"), ('skipped', "Skipped"), ('refused', "Refused")]


class ServiceTestReport(models.TransientModel):
    _name = 'service.test.report'
    _description = "Test Report"

    name = fields.Char(compute='_compute_name')
    origin = fields.Selection(ORIGIN_LABELS, required=True, readonly=True)
    company_id = fields.Many2one(
        'res.company', required=True, readonly=True, default=lambda self: self.env.company)
    options = fields.Text(readonly=True)
    post = fields.Boolean(string="Posts the Invoices", readonly=True)
    send = fields.Boolean(string="Sends the Invoices by Email", readonly=True)
    draft_invoice_ids = fields.Many2many(
        'account.move', string="Draft Invoices", readonly=True)
    order_post_wizard_id = fields.Many2one(
        'service.order.post.wizard', readonly=True, ondelete='cascade')
    contract_wizard_id = fields.Many2one(
        'service.contract.invoice.wizard', readonly=True, ondelete='cascade')
    combine_wizard_id = fields.Many2one(
        'service.shipment.combine.wizard', readonly=True, ondelete='cascade')
    schedule_run_id = fields.Many2one(
        'service.invoice.schedule.run', readonly=True, ondelete='cascade')
    proforma_wizard_id = fields.Many2one(
        'service.proforma.wizard', readonly=True, ondelete='cascade')
    invoice_ids = fields.One2many(
        'service.test.report.invoice', 'report_id', string="Invoices", readonly=True)
    problem_ids = fields.One2many(
        'service.test.report.problem', 'report_id', string="Problems", readonly=True)
    row_ids = fields.One2many(
        'service.test.report.row', 'report_id', string="Contracts and Orders", readonly=True)
    row_source = fields.Selection(
        [('contract', "Contracts"), ('order', "Orders"), ('both', "Contracts and Orders")],
        compute='_compute_row_source',
        help="What the rows of the report are: the contracts or the orders of the batch.")
    invoice_count = fields.Integer(string="Number of Invoices", compute='_compute_counts')
    error_count = fields.Integer(string="Errors", compute='_compute_counts')
    warning_count = fields.Integer(string="Warnings", compute='_compute_counts')
    totals = fields.Text(compute='_compute_totals')
    # What the report showed (invoices and errors): the run is done only while it is still so.
    signature = fields.Char(readonly=True)
    changed_message = fields.Text(readonly=True)

    @api.depends('origin')
    def _compute_name(self):
        labels = dict(self._fields['origin']._description_selection(self.env))
        for report in self:
            report.name = self.env._("%(origin)s - Test Report",
                                     origin=labels.get(report.origin, ''))

    @api.depends('row_ids.contract_id', 'row_ids.order_id')
    def _compute_row_source(self):
        for report in self:
            contracts, orders = report.row_ids.contract_id, report.row_ids.order_id
            report.row_source = 'both' if contracts and orders else 'contract' if contracts \
                else 'order' if orders else False

    @api.depends('invoice_ids', 'problem_ids.level')
    def _compute_counts(self):
        for report in self:
            levels = report.problem_ids.mapped('level')
            report.invoice_count = len(report.invoice_ids)
            report.error_count = levels.count('error')
            report.warning_count = levels.count('warning')

    @api.depends('invoice_ids.amount_total', 'invoice_ids.currency_id')
    def _compute_totals(self):
        for report in self:
            report.totals = '\n'.join(self.env._(
                "Invoices in %(currency)s: %(count)s, untaxed %(untaxed)s, taxes %(tax)s, "
                "total %(total)s", count=total['count'], currency=total['currency'].name,
                untaxed=formatLang(self.env, total['untaxed'], currency_obj=total['currency']),
                tax=formatLang(self.env, total['tax'], currency_obj=total['currency']),
                total=formatLang(self.env, total['total'], currency_obj=total['currency']))
                for total in report._totals_by_currency())

    @api.model
    def _open_for(self, origin, records):
        """Make the test report of ``records`` (a wizard, a schedule run or draft invoices)
        and show it; nothing else is written."""
        field_name = ORIGINS[origin][0]
        value = [Command.set(records.ids)] if self._fields[field_name].type == 'many2many' \
            else records.id
        report = self.create({'origin': origin, field_name: value})
        report._fill()
        return report._action_open()

    def action_print(self):
        """Print the test report as a PDF."""
        return self.env.ref('service_invoicing.action_report_service_test_report') \
            .report_action(self)

    def action_refresh(self):
        """Make the report again from its origin, as things are now."""
        self.ensure_one()
        self._fill()
        return self._action_open()

    def action_back(self):
        """Close the report: back to the wizard it was made from, as it was left (its
        options and the quantities typed in it are kept on the wizard)."""
        self.ensure_one()
        records = self[ORIGINS[self.origin][0]]
        if self.origin == 'drafts' or not records.exists():
            return {'type': 'ir.actions.act_window_close'}
        records = self._origin_records()
        if hasattr(records, '_reopen'):
            return records._reopen()
        return {
            'type': 'ir.actions.act_window', 'res_model': records._name, 'res_id': records.id,
            'view_mode': 'form', 'views': [(False, 'form')],
            'target': 'new' if records._transient else 'current',
            'name': records._description,
        }

    def action_run_as_shown(self):
        """Do what the report showed: the origin's own action, with the options the report
        was made with. Refused while the report shows errors; when what the run would make
        changed since, the report is shown again, up to date, instead."""
        self.ensure_one()
        records = self._origin_records()
        shown = self.signature
        # Made again, as things are now: the errors are those of now, whatever became of
        # this report's rows since.
        self._fill()
        if self.signature != shown:
            self.changed_message = self.env._(
                "What this run would make changed since the report was made (another user or "
                "run billed, shipped or changed something): the report shows it as it is now. "
                "Check it, then click again.")
            return self._action_open()
        if self.error_count:
            error = self.problem_ids.filtered(lambda p: p.level == 'error')[:1].message
            if self.error_count == 1:
                raise UserError(self.env._(
                    "This test report shows an error, so nothing is done: fix it, then make "
                    "the report again. The error: %(error)s", error=error))
            raise UserError(self.env._(
                "This test report shows %(count)s errors, so nothing is done: fix them, then "
                "make the report again. First error: %(error)s", count=self.error_count,
                error=error))
        if self.origin == 'drafts':
            records = records._service_drafts_to_post()
        result = getattr(records, ORIGINS[self.origin][1])()
        if isinstance(result, dict):
            return result
        return self._action_view_result(records)

    def _origin_records(self):
        """The origin, if it is still there and this user's."""
        records = self[ORIGINS[self.origin][0]]
        if self.origin == 'drafts':
            records = records.exists()
        if not records:
            raise UserError(self.env._(
                "What this test report was made from is gone: make the report again."))
        if records._transient and records.create_uid != self.env.user:
            raise AccessError(self.env._(
                "This test report was made from another user's %(origin)s: make your own.",
                origin=records._description))
        return records

    def _source(self):
        """What the origin would do, as it says (``_service_test_report_source``)."""
        self.ensure_one()
        return self._origin_records()._service_test_report_source()

    def _fill(self):
        """(Re)build the report from its origin."""
        self.ensure_one()
        source = self._source()
        invoices, problems = self._build(source)
        self.write({
            'options': source.options, 'post': source.post, 'send': source.send,
            'changed_message': False,
            'problem_ids': [Command.clear()],
            'row_ids': [Command.clear()],
            'invoice_ids': [Command.clear()] + [
                Command.create(self._invoice_create_vals(invoice)) for invoice in invoices],
        })
        report_invoices = self.invoice_ids.sorted('sequence')
        self.problem_ids = [Command.create({
            'level': problem['level'], 'kind': problem['kind'], 'message': problem['message'],
            'invoice_id': report_invoices[problem['invoice']].id
            if problem.get('invoice') is not None else False,
        }) for problem in problems]
        self.row_ids = [Command.create({
            **{key: value for key, value in row.items() if key != 'invoice'},
            'sequence': sequence,
            'invoice_id': report_invoices[row['invoice']].id
            if row.get('invoice') is not None else False,
        }) for sequence, row in enumerate(
            source.rows or self._rows_of_report_invoices(report_invoices), start=1)]
        for row in self.row_ids.filtered(lambda row: row.status == 'invoice' and not row.amount):
            row.amount = sum(row.line_ids.mapped('amount'))
        self.signature = self._signature(invoices, problems)

    @api.model
    def _rows_of_report_invoices(self, report_invoices):
        """Rows of an origin that gives none: a row per contract or order the invoices of
        the report bill, on the first invoice that bills it (the drafts, an order posting, a
        schedule run)."""
        rows = {}
        for index, invoice in enumerate(report_invoices):
            for line in invoice.line_ids.filtered(lambda line: line.kind == 'product'):
                if line.contract_id or line.order_id:
                    rows.setdefault(line.contract_id or line.order_id, {
                        'status': 'invoice', 'contract_id': line.contract_id.id,
                        'order_id': False if line.contract_id else line.order_id.id,
                        'partner_id': invoice.partner_id.id,
                        'currency_id': invoice.currency_id.id, 'invoice': index})
        return list(rows.values())

    @api.model
    def _rows_of_invoices(self, vals_list):
        """A row per contract or order the invoice values bill, on the first invoice that
        bills it, with the periods its lines bill; its amount is that of its lines."""
        rows = {}
        for index, vals in enumerate(vals_list):
            product_lines = [command[2] for command in vals.get('invoice_line_ids', [])
                             if command[0] == Command.CREATE
                             and command[2].get('display_type', 'product') == 'product']
            for line_vals, (contract_id, order_id) in zip(
                    product_lines, self._line_sources(vals), strict=True):
                key = ('service.contract', contract_id) if contract_id \
                    else ('sale.order', order_id) if order_id else None
                if not key:
                    continue
                row = rows.setdefault(key, {
                    'status': 'invoice', 'contract_id': contract_id or False,
                    'order_id': False if contract_id else order_id,
                    'partner_id': vals.get('partner_id'), 'currency_id': vals.get('currency_id'),
                    'invoice': index})
                start, end = line_vals.get('service_period_start'), \
                    line_vals.get('service_period_end')
                if start and end:
                    row['period_start'] = min(row.get('period_start') or start, start)
                    row['period_end'] = max(row.get('period_end') or end, end)
        return list(rows.values())

    @api.model
    def _invoice_create_vals(self, invoice):
        lines = invoice['lines']
        return {
            **{key: value for key, value in invoice.items() if key != 'lines'},
            'line_ids': [Command.create({**line, 'tax_ids': [Command.set(line['tax_ids'])]})
                         for line in lines],
        }

    @api.model
    def _signature(self, invoices, problems):
        """A fingerprint of the invoices and the errors a report shows."""
        shown = {
            'invoices': invoices,
            'errors': sorted(problem['message'] for problem in problems
                             if problem['level'] == 'error'),
        }
        text = json.dumps(shown, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @api.model
    def _posting_text(self, post, send):
        """What a run does with its invoices, as the options of its report say it."""
        if send:
            return self.env._("The invoices are posted and sent by email.")
        if post:
            return self.env._("The invoices are posted.")
        return self.env._("The invoices stay drafts.")

    def _totals_by_currency(self):
        """[{currency, count, untaxed, tax, total}]: credit notes count negative."""
        self.ensure_one()
        totals = {}
        for invoice in self.invoice_ids:
            sign = -1 if invoice.move_type == 'out_refund' else 1
            total = totals.setdefault(invoice.currency_id, {
                'currency': invoice.currency_id, 'count': 0, 'untaxed': 0.0, 'tax': 0.0,
                'total': 0.0})
            total['count'] += 1
            total['untaxed'] += sign * invoice.amount_untaxed
            total['tax'] += sign * invoice.amount_tax
            total['total'] += sign * invoice.amount_total
        return list(totals.values())

    def _action_open(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'name': self.name,
        }

    def _action_view_result(self, records):
        """After a run whose action opens nothing: the invoices it posted or made."""
        invoices = records if records._name == 'account.move' else records.invoice_ids
        if not invoices:
            return {'type': 'ir.actions.act_window_close'}
        return records_action(invoices, 'account.action_move_out_invoice_type')


class ServiceTestReportInvoice(models.TransientModel):
    _name = 'service.test.report.invoice'
    _description = "Test Report - Invoice"
    _order = 'report_id, sequence, id'

    report_id = fields.Many2one('service.test.report', required=True, ondelete='cascade')
    sequence = fields.Integer(string="No.", readonly=True)
    move_id = fields.Many2one('account.move', string="Draft", readonly=True)
    move_type = fields.Selection(
        [('out_invoice', "Invoice"), ('out_refund', "Credit Note")], string="Type",
        readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    journal_id = fields.Many2one('account.journal', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    invoice_date = fields.Date(readonly=True)
    date = fields.Date(string="Accounting Date", readonly=True)
    invoice_date_due = fields.Date(string="Due Date", readonly=True)
    payment_term_id = fields.Many2one('account.payment.term', readonly=True)
    fiscal_position_id = fields.Many2one('account.fiscal.position', readonly=True)
    invoice_origin = fields.Char(string="Source", readonly=True)
    amount_untaxed = fields.Monetary(string="Untaxed", readonly=True)
    amount_tax = fields.Monetary(string="Taxes", readonly=True)
    amount_total = fields.Monetary(string="Total", readonly=True)
    line_ids = fields.One2many(
        'service.test.report.line', 'invoice_id', string="Lines", readonly=True)
    problem_ids = fields.One2many(
        'service.test.report.problem', 'invoice_id', string="Problems", readonly=True)
    has_error = fields.Boolean(compute='_compute_has_problems')
    has_warning = fields.Boolean(compute='_compute_has_problems')

    def _compute_display_name(self):
        labels = dict(self._fields['move_type']._description_selection(self.env))
        for invoice in self:
            invoice.display_name = self.env._(
                "%(type)s %(number)s of %(customer)s",
                type=labels.get(invoice.move_type) or self.env._("Invoice"),
                number=invoice.sequence, customer=invoice.partner_id.display_name)

    @api.depends('problem_ids.level')
    def _compute_has_problems(self):
        for invoice in self:
            levels = set(invoice.problem_ids.mapped('level'))
            invoice.has_error = 'error' in levels
            invoice.has_warning = 'warning' in levels


class ServiceTestReportLine(models.TransientModel):
    _name = 'service.test.report.line'
    _description = "Test Report - Invoice Line"
    _order = 'invoice_id, id'

    invoice_id = fields.Many2one(
        'service.test.report.invoice', required=True, ondelete='cascade')
    currency_id = fields.Many2one(related='invoice_id.currency_id')
    kind = fields.Selection([('product', "Product"), ('tax', "Tax")], readonly=True)
    product_id = fields.Many2one('product.product', readonly=True)
    name = fields.Text(string="Description", readonly=True)
    quantity = fields.Float(digits='Product Unit', readonly=True)
    product_uom_id = fields.Many2one('uom.uom', string="Unit", readonly=True)
    price_unit = fields.Float(string="Unit Price", digits='Product Price', readonly=True)
    discount = fields.Float(string="Disc.%", digits='Discount', readonly=True)
    tax_ids = fields.Many2many('account.tax', string="Taxes", readonly=True)
    account_id = fields.Many2one('account.account', readonly=True)
    amount = fields.Monetary(
        readonly=True, help="Untaxed subtotal of a product line, amount of a tax line.")
    contract_id = fields.Many2one('service.contract', readonly=True)
    order_id = fields.Many2one('sale.order', readonly=True)


class ServiceTestReportRow(models.TransientModel):
    """What the batch does with one contract or order it was given: billed on which invoice
    of the report, with which lines, or skipped or refused and why."""

    _name = 'service.test.report.row'
    _description = "Test Report - Contract or Order"
    _order = 'report_id, sequence, id'

    report_id = fields.Many2one('service.test.report', required=True, ondelete='cascade')
    sequence = fields.Integer(readonly=True)
    status = fields.Selection(ROW_STATUSES, required=True, readonly=True)
    contract_id = fields.Many2one('service.contract', readonly=True)
    order_id = fields.Many2one('sale.order', readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    amount = fields.Monetary(string="Untaxed Amount", readonly=True)
    invoice_id = fields.Many2one(
        'service.test.report.invoice', readonly=True,
        help="The invoice of the report that bills it: rows with the same invoice are billed "
             "together.")
    line_ids = fields.Many2many(
        'service.test.report.line', string="Lines", compute='_compute_line_ids')
    lines_text = fields.Text(string="Invoice Lines", compute='_compute_line_ids')
    message = fields.Text(string="Reason", readonly=True)
    warning = fields.Text(readonly=True)

    @api.depends('invoice_id.line_ids', 'contract_id', 'order_id')
    def _compute_line_ids(self):
        for row in self:
            lines = row.invoice_id.line_ids.filtered(
                lambda line, row=row: line.kind == 'product' and (
                    line.contract_id == row.contract_id if row.contract_id
                    else line.order_id == row.order_id))
            row.line_ids = lines
            row.lines_text = '\n'.join(self.env._(
                "%(product)s: %(quantity)s x %(price)s = %(amount)s",
                product=line.product_id.display_name or (line.name or '').split('\n')[0],
                quantity=formatLang(self.env, line.quantity, dp='Product Unit'),
                price=formatLang(self.env, line.price_unit, currency_obj=line.currency_id),
                amount=formatLang(self.env, line.amount, currency_obj=line.currency_id))
                for line in lines)

    def _compute_display_name(self):
        for row in self:
            row.display_name = (row.contract_id or row.order_id).display_name or ''

    def action_open_source(self):
        """Open the contract or the order of the row."""
        self.ensure_one()
        record = self.contract_id or self.order_id
        return {
            'type': 'ir.actions.act_window', 'res_model': record._name, 'res_id': record.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'current',
            'name': record.display_name,
        }


class ServiceTestReportProblem(models.TransientModel):
    _name = 'service.test.report.problem'
    _description = "Test Report - Problem"
    _order = 'report_id, level_order, id'

    report_id = fields.Many2one('service.test.report', required=True, ondelete='cascade')
    invoice_id = fields.Many2one(
        'service.test.report.invoice', readonly=True, ondelete='cascade')
    level = fields.Selection(PROBLEM_LEVELS, required=True, readonly=True)
    level_order = fields.Integer(compute='_compute_level_order', store=True)
    kind = fields.Selection(PROBLEM_KINDS, required=True, readonly=True)
    message = fields.Text(required=True, readonly=True)

    @api.depends('level')
    def _compute_level_order(self):
        order = {level: index for index, (level, _label) in enumerate(PROBLEM_LEVELS)}
        for problem in self:
            problem.level_order = order.get(problem.level, len(order))
