"""The invoices of a test report, computed in memory by Odoo, and what is wrong with them.

``account.move.new`` turns the values a batch would create into Odoo's own invoice without
writing anything: accounts, taxes, totals and due date come from Odoo's computation, as they
would on the invoice created. Each invoice is then checked for what Odoo or the run would
refuse (errors) and what should worry (warnings), with Odoo's own helpers where there are.
"""

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import format_date, formatLang


class ServiceTestReport(models.TransientModel):
    _inherit = 'service.test.report'  # pylint: disable=consider-merging-classes-inherited

    def _build(self, source):
        """([invoice], [problem]) of a ``ReportSource``, as plain values: the invoices in
        the order the run would create them, each with its lines; a problem found on an
        invoice gives its index under ``invoice``."""
        if source.moves is not None:
            moves = list(source.moves)
            line_sources = [None] * len(moves)
        else:
            Move = self.env['account.move'].with_context(default_move_type='out_invoice')
            moves = [Move.new(self._without_links(vals)) for vals in source.vals_list]
            line_sources = [self._line_sources(vals) for vals in source.vals_list]
        invoices = []
        problems = [{'level': level, 'kind': kind, 'message': message}
                    for level, kind, message in source.problems]
        income_accounts = {}
        for index, move in enumerate(moves):
            invoice = self._invoice_values(move, index + 1, line_sources[index])
            invoices.append(invoice)
            problems += [
                {'level': level, 'kind': kind, 'message': message, 'invoice': index}
                for level, kind, message in self._invoice_problems(
                    move, invoice, source, income_accounts)]
        if source.moves is None:
            # Nothing of the invoices in memory stays in the cache for what runs next.
            self.env.invalidate_all()
        return invoices, problems

    @api.model
    def _without_links(self, vals):
        # What an invoice line bills (its order line too) is left out: it does not change
        # the amounts, and an invoice in memory linked to an order line or a shipment line
        # would count among their invoice lines (in the cache) for the rest of the
        # transaction.
        links = {*self.env['account.move.line']._service_link_fields(), 'sale_line_ids'}
        commands = []
        for command in vals.get('invoice_line_ids', []):
            if command[0] == Command.CREATE:
                command = Command.create({key: value for key, value in command[2].items()
                                          if key not in links})
            commands.append(command)
        return {**vals, 'invoice_line_ids': commands}

    @api.model
    def _line_sources(self, vals):
        """[(contract id, order id)] of the product lines of invoice values, in their order:
        what each line bills, which the invoice in memory leaves out."""
        sources = []
        for command in vals.get('invoice_line_ids', []):
            if command[0] != Command.CREATE \
                    or command[2].get('display_type', 'product') != 'product':
                continue
            line_vals = command[2]
            order_line_ids = []
            for link in line_vals.get('sale_line_ids') or []:
                if link[0] == Command.LINK:
                    order_line_ids.append(link[1])
                elif link[0] == Command.SET:
                    order_line_ids.extend(link[2])
            shipment_line = self.env['service.shipment.line'].browse(
                line_vals.get('service_shipment_line_id'))
            order = self.env['sale.order.line'].browse(order_line_ids)[:1].order_id \
                or shipment_line.order_id
            sources.append((line_vals.get('service_contract_id') or False, order.id))
        return sources

    @api.model
    def _invoice_values(self, move, sequence, sources=None):
        """One invoice as the report keeps it: header, product and tax lines, totals.
        ``sources``: what each product line bills (``_line_sources``), when ``move`` is in
        memory; a draft's lines say it themselves."""
        totals = move.tax_totals or {}
        product_lines = move.invoice_line_ids.filtered(
            lambda line: line.display_type == 'product')
        if sources is None or len(sources) != len(product_lines):
            sources = [(line.service_contract_id.id, line.sale_line_ids.order_id[:1].id)
                       for line in product_lines]
        lines = [{
            'kind': 'product', 'product_id': line.product_id.id, 'name': line.name or '',
            'quantity': line.quantity, 'product_uom_id': line.product_uom_id.id,
            'price_unit': line.price_unit, 'discount': line.discount,
            'tax_ids': line.tax_ids.ids, 'account_id': line.account_id.id,
            'amount': line.price_subtotal,
            'contract_id': contract_id, 'order_id': order_id,
        } for line, (contract_id, order_id) in zip(product_lines, sources, strict=True)]
        lines += [{
            'kind': 'tax', 'product_id': False, 'name': name, 'quantity': 0.0,
            'product_uom_id': False, 'price_unit': 0.0, 'discount': 0.0,
            'tax_ids': tax.ids, 'account_id': account.id, 'amount': amount,
        } for tax, account, name, amount in self._tax_items(move)]
        return {
            'sequence': sequence,
            'move_id': move.id or False,
            'move_type': move.move_type,
            'partner_id': move.partner_id.id,
            'company_id': move.company_id.id,
            'journal_id': move.journal_id.id,
            'currency_id': move.currency_id.id,
            'invoice_date': move.invoice_date,
            'date': move.date,
            'invoice_date_due': move.invoice_date_due,
            'payment_term_id': move.invoice_payment_term_id.id,
            'fiscal_position_id': move.fiscal_position_id.id,
            'invoice_origin': move.invoice_origin or False,
            'amount_untaxed': totals.get('base_amount_currency', 0.0),
            'amount_tax': totals.get('tax_amount_currency', 0.0),
            'amount_total': totals.get('total_amount_currency', 0.0),
            'lines': lines,
        }

    @api.model
    def _tax_items(self, move):
        """[(tax, account, label, amount)] of the tax journal items of ``move``: a draft's own,
        or those Odoo computes for an invoice in memory (as ``_compute_needed_terms`` does)."""
        if move.id:
            return [(line.tax_line_id, line.account_id, line.name or '',
                     line.amount_currency * move.direction_sign)
                    for line in move.line_ids if line.display_type == 'tax']
        AccountTax = self.env['account.tax']
        base_lines, _tax_lines = move._get_rounded_base_and_tax_lines(round_from_tax_lines=False)
        AccountTax._add_accounting_data_in_base_lines_tax_details(base_lines, move.company_id)
        tax_lines = AccountTax._prepare_tax_lines(base_lines, move.company_id)['tax_lines_to_add']
        repartitions = self.env['account.tax.repartition.line']
        accounts = self.env['account.account']
        return [(repartitions.browse(vals['tax_repartition_line_id']).tax_id,
                 accounts.browse(vals['account_id']), vals.get('name') or '',
                 vals['amount_currency'] * move.direction_sign) for vals in tax_lines]

    def _invoice_problems(self, move, invoice, source, income_accounts):
        """[(level, kind, message)] of one invoice: what Odoo or the run would refuse
        (errors) and what should worry (warnings), each naming the invoice and the fix."""
        env = self.env
        problems = []
        name = self._invoice_label(move, invoice)
        for line in move.invoice_line_ids.filtered(lambda line: line.display_type == 'product'):
            product = line.product_id.display_name or line.name
            if not line.account_id:
                problems.append(('error', 'income_account', env._(
                    "%(invoice)s: the line %(product)s has no income account. Set one on the "
                    "product or its category, or a default account on the journal "
                    "%(journal)s.", invoice=name, product=product,
                    journal=move.journal_id.display_name)))
            elif line.product_id and not self._income_account(line.product_id, move,
                                                              income_accounts):
                problems.append(('warning', 'income_account', env._(
                    "%(invoice)s: the product %(product)s has no income account, so its line "
                    "would be booked on %(account)s. Set an income account on the product or "
                    "its category.", invoice=name, product=product,
                    account=line.account_id.display_name)))
            if not line.tax_ids:
                problems.append(('warning', 'tax', env._(
                    "%(invoice)s: the line %(product)s has no taxes. Check the customer taxes "
                    "of the product and the customer's fiscal position.", invoice=name,
                    product=product)))
        problems += self._total_problems(move, invoice, name)
        problems += self._date_problems(move, name)
        if source.send and not move.partner_id.email and 'email' in \
                env['account.move.send']._get_default_sending_methods(move):
            problems.append(('warning', 'email', env._(
                "%(invoice)s is to be sent by email, but its customer %(customer)s has no "
                "email address: the invoice would be posted and reach nobody. Enter an email "
                "address on the customer, or do not send.", invoice=name,
                customer=move.partner_id.display_name)))
        return problems

    @api.model
    def _total_problems(self, move, invoice, name):
        currency = move.currency_id
        total = invoice['amount_total']
        if currency.compare_amounts(total, 0.0) < 0:
            return [('error', 'total', self.env._(
                "%(invoice)s totals %(total)s: Odoo refuses to post an invoice with a negative "
                "total. Check its prices and quantities, or make a credit note instead.",
                invoice=name, total=self._format_amount(total, currency)))]
        if currency.is_zero(total):
            return [('warning', 'total', self.env._(
                "%(invoice)s totals zero: there is nothing to collect. Check its prices and "
                "quantities.", invoice=name))]
        return []

    @api.model
    def _date_problems(self, move, name):
        """A date in a locked period (Odoo moves the accounting date when it posts), a
        currency without a rate on the invoice date (Odoo would convert at another rate)."""
        env = self.env
        problems = []
        company = move.company_id
        date = move.date or move.invoice_date or fields.Date.context_today(self)
        has_tax = move._affect_tax_report()
        if company._get_violated_lock_dates(date, has_tax, move.journal_id):
            problems.append(('warning', 'lock_date', env._(
                "%(invoice)s is dated %(date)s, in a locked period. %(odoo)s Choose a date "
                "after the lock date to keep the date you meant.", invoice=name,
                date=format_date(env, date),
                odoo=move._get_lock_date_message(date, has_tax))))
        currency = move.currency_id
        rate_date = move.invoice_date or date
        if currency != company.currency_id and not env['res.currency.rate'].search_count([
                ('currency_id', '=', currency.id), ('name', '<=', rate_date),
                ('company_id', 'in', [False, company.root_id.id])], limit=1):
            problems.append(('error', 'currency_rate', env._(
                "%(invoice)s is in %(currency)s, which has no rate on or before %(date)s for "
                "%(company)s: Odoo would convert it at %(rate)s. Enter the rate of "
                "%(currency)s (Accounting > Configuration > Currencies).", invoice=name,
                currency=currency.name, date=format_date(env, rate_date),
                company=company.display_name,
                rate=formatLang(env, env['res.currency']._get_conversion_rate(
                    company.currency_id, currency, company, rate_date), digits=6))))
        return problems

    @api.model
    def _income_account(self, product, move, income_accounts):
        """The product's own income account (fiscal position applied), looked up once."""
        key = (product.id, move.company_id.id, move.fiscal_position_id.id)
        if key not in income_accounts:
            income_accounts[key] = product.product_tmpl_id.with_company(move.company_id) \
                .get_product_accounts(fiscal_pos=move.fiscal_position_id)['income']
        return income_accounts[key]

    @api.model
    def _invoice_label(self, move, invoice):
        if move.id:
            return self.env._("%(invoice)s of %(customer)s", invoice=move.display_name,
                              customer=move.partner_id.display_name)
        return self.env._("Invoice %(number)s of %(customer)s", number=invoice['sequence'],
                          customer=move.partner_id.display_name)

    @api.model
    def _format_amount(self, amount, currency):
        return formatLang(self.env, amount, currency_obj=currency)
