from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools.actions import records_action
from ..tools.report_source import ReportSource


class ServiceShipmentCombineWizard(models.TransientModel):
    """Combine Shipments: one invoice per customer from all shipped, not invoiced lines."""

    _name = 'service.shipment.combine.wizard'
    _description = "Combine Shipments"

    date_to = fields.Date(
        string="Shipped Up To", required=True, default=fields.Date.context_today)
    posting_date = fields.Date(required=True, default=fields.Date.context_today)
    document_date = fields.Date(
        default=fields.Date.context_today, help="The invoice date printed on the invoices.")
    post_invoices = fields.Boolean(string="Post the invoices")
    send_invoices = fields.Boolean(string="Send by email")
    standard_payment_terms_only = fields.Boolean(
        string="Only Standard Payment Terms",
        help="Only orders whose payment terms are the customer's usual ones.")
    deduct_down_payments = fields.Boolean(
        string="Deduct down payments", default=True,
        help="The down payments of the orders invoiced are deducted, as Odoo's Create Invoice "
             "deducts them; one that is more than its invoice bills waits for a later one.")
    partner_ids = fields.Many2many('res.partner', string="Customers")
    company_ids = fields.Many2many(
        'res.company', string="Companies", default=lambda self: self.env.companies)
    state = fields.Selection([('setup', "Setup"), ('done', "Done")], default='setup')
    invoice_ids = fields.Many2many('account.move', string="Invoices Created")
    result_message = fields.Text(string="Refused or Left Out", readonly=True)

    @api.model
    def _untaxed_amounts(self, items):
        """The untaxed amount of each (shipment line, quantity), by Odoo's tax engine."""
        AccountTax = self.env['account.tax']
        base_lines = [line.order_line_id._prepare_base_line_for_taxes_computation(
            quantity=quantity) for line, quantity in items]
        for company in {line.company_id for line, _quantity in items}:
            company_lines = [base_line for base_line, (line, _q) in zip(base_lines, items,
                                                                        strict=True)
                             if line.company_id == company]
            AccountTax._add_tax_details_in_base_lines(company_lines, company)
            AccountTax._round_base_lines_tax_details(company_lines, company)
        return [base_line['tax_details']['total_excluded_currency'] for base_line in base_lines]

    def action_create(self):
        """Create the combined invoices (posted and emailed if asked).

        An invoice Odoo refuses does not stop the others; the refusals are shown here."""
        self.ensure_one()
        batch = {}
        invoices, failed, left = self.env['service.shipment.line']._combine_shipments(
            self.date_to, posting_date=self.posting_date, document_date=self.document_date,
            post=self.post_invoices, send=self.send_invoices, partners=self.partner_ids,
            companies=self.company_ids,
            standard_payment_terms_only=self.standard_payment_terms_only, batch=batch,
            deduct_down_payments=self.deduct_down_payments)
        # Shapes the fast path left to Odoo's standard create say why (nothing is wrong).
        notes = batch['down_payment_notes'] + [
            f'{shape}: {reason}' for shape, reason in batch.get('standard_shapes', {}).items()]
        refusals = '\n'.join([message for _orders, message in failed]
                              + ([self._left_message(left)] if left else []) + notes)
        if not invoices:
            raise UserError(refusals or self.env._(
                "Nothing shipped up to %(date)s is left to invoice.",
                date=format_date(self.env, self.date_to)))
        self.write({'invoice_ids': [fields.Command.set(invoices.ids)], 'state': 'done',
                    'result_message': refusals})
        if failed or left or batch['down_payment_notes']:
            return self._reopen()
        return self.action_view_invoices()

    def action_test_report(self):
        """Test Report: every order Create Invoices would bill (amount, lines, on which
        invoice), the invoices (lines, taxes, accounts, journal, due date) and every problem;
        writes nothing. Create as Shown makes them."""
        self.ensure_one()
        return self.env['service.test.report']._open_for('combine', self)

    def _service_test_report_source(self):
        """What Create Invoices would do: the invoices of every shipped, not invoiced line,
        built as ``_combine_shipments`` builds them, and what it leaves out."""
        self.ensure_one()
        post = self.post_invoices or self.send_invoices
        source = ReportSource(
            options=self.env._(
                "Shipped up to %(date_to)s, posting date %(posting)s, document date "
                "%(document)s. %(post)s", date_to=format_date(self.env, self.date_to),
                posting=format_date(self.env, self.posting_date),
                document=format_date(self.env, self.document_date or self.posting_date),
                post=self.env['service.test.report']._posting_text(post, self.send_invoices)),
            post=post, send=self.send_invoices)
        items, left = self._items()
        if not items:
            source.problems.append(('error', 'refused', self.env._(
                "Nothing shipped up to %(date)s is left to invoice.",
                date=format_date(self.env, self.date_to))))
        if left:
            source.problems.append(('warning', 'left_out', self._left_message(left)))
        source.problems += [('warning', 'drafts', note)
                            for note in self.env['service.shipment.line']._drafts_beside(items)]
        notes = []
        source.vals_list = self.env['service.shipment.line']._prepare_invoices_vals(
            items, self.document_date or self.posting_date, self.posting_date,
            deduct_down_payments=self.deduct_down_payments, notes=notes)
        source.problems += [('warning', 'down_payment', note) for note in notes]
        source.rows = self._report_rows(items, source.vals_list)
        return source

    def _report_rows(self, items, vals_list):
        """A row of the test report per order billed: its untaxed amount (Odoo's tax
        engine, as on the invoice) and the invoice that bills it."""
        Report = self.env['service.test.report']
        invoice_of = {}
        for index, vals in enumerate(vals_list):
            for _contract, order_id in Report._line_sources(vals):
                invoice_of.setdefault(order_id, index)
        rows = {}
        for (line, _quantity), amount in zip(items, self._untaxed_amounts(items), strict=True):
            order = line.order_id
            row = rows.setdefault(order, {
                'status': 'invoice', 'order_id': order.id,
                'partner_id': order.partner_invoice_id.id, 'currency_id': order.currency_id.id,
                'amount': 0.0, 'invoice': invoice_of.get(order.id)})
            row['amount'] += amount
        return list(rows.values())

    def action_view_invoices(self):
        """Open the invoices this run created."""
        self.ensure_one()
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type')

    def _items(self):
        return self.env['service.shipment.line']._items_to_invoice(
            self.date_to, partners=self.partner_ids, companies=self.company_ids,
            standard_payment_terms_only=self.standard_payment_terms_only)

    def _left_message(self, left):
        if not left:
            return False
        if left == 1:
            return self.env._(
                "1 shipment line of an order of another salesperson was left out: its "
                "salesperson or a Service Invoicing manager invoices it.")
        return self.env._(
            "%(count)s shipment lines of orders of other salespersons were left out: their "
            "salesperson or a Service Invoicing manager invoices them.", count=left)

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'new',
            'name': self.env._("Combine Shipments"),
        }

