"""Customer invoices created complete: product, tax and payment term lines precomputed.

Odoo's ``account.move.create`` synchronises an invoice's lines after creating them: it
recomputes tax lines and payment term lines invoice by invoice, which is about half of its
cost. The batches (contracts, Combine Shipments, order posting) compute the same journal items
beforehand with Odoo's own tax engine and payment terms and create the invoices without that
synchronisation. Odoo still checks that every invoice balances, and the tests compare the
invoices line by line with Odoo's standard path.

Every batch also proves the shortcut while it runs: see ``account_move_shape_check``.
"""

from odoo import api, fields, models
from odoo.fields import Command
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as CONCURRENCY_ERRORS


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _service_create_invoices(self, vals_list, batch=None):
        """Create customer invoices from ``vals_list`` (``invoice_line_ids`` commands), in its
        order. Those whose journal items can be precomputed are created complete in one call;
        the others (rare: foreign currency, early payment discount, cash basis taxes, cash
        rounding, down payments) go through Odoo's standard ``create``, and so do all when
        the system parameter ``service_invoicing.fast_invoice_create`` is ``0``.

        The first invoice of each shape is created the standard way and compared with its
        complete values (``_service_check_shapes``). ``batch``: a dict the caller may pass to
        every chunk of a run that commits per chunk, so that a shape is checked once per run
        (once per transaction otherwise). Afterwards it holds ``standard_shapes``: {shape label:
        why its invoices took Odoo's standard create}, translated, for the caller to show;
        ``shape_checks``: how many invoices the checks created the standard way; and
        ``fast_path_disabled``: whether the system parameter turned the shortcut off."""
        Move = self.with_context(default_move_type='out_invoice')
        batch = {} if batch is None else batch
        ids = [0] * len(vals_list)
        complete = [None] * len(vals_list)
        if Move._service_fast_create_enabled(batch):
            # The customers read together, not one query per invoice (a caller's cache may
            # have been freed since it made the values).
            self.env['res.partner'].browse({vals['partner_id'] for vals in vals_list}).fetch(
                ['commercial_partner_id'])
            complete = [Move._service_complete_invoice_vals(vals, batch) for vals in vals_list]
            ids = Move._service_check_shapes(vals_list, complete, batch)
        fast = [index for index, vals in enumerate(complete) if vals]
        # The creation messages of the chunk written together (``account_move_chatter``).
        chatter = Move._service_chatter_batched()
        # Linking each new line to its order lines, Odoo updates every cached ``invoice_lines``
        # of those order lines by scanning all the new lines: quadratic in a batch (16 million
        # steps for 4,000 lines). Out of the cache, they are read again when needed.
        self.env['sale.order.line'].invalidate_model(['invoice_lines'])
        if fast:
            # skip_analytic_sync: on draft lines Odoo's analytic sync only rewrites each line's
            # distribution with itself (it recreates the analytic items of posted lines).
            # Their followers subscribed per group of invoices too (Odoo: invoice by invoice).
            with Move._service_subscriptions_batched():
                created = Move.with_context(skip_invoice_sync=True, skip_analytic_sync=True,
                                            mail_create_nolog=chatter).create(
                    [complete[index] for index in fast])
            if chatter:
                Move.browse(created.ids)._service_log_creation()
            for index, move_id in zip(fast, created.ids, strict=True):
                ids[index] = move_id
        for index, vals in enumerate(vals_list):
            if not ids[index]:
                # One call each: in one batched call, Odoo 19 dates an invoice with payment
                # terms due today when an invoice without terms comes before it.
                ids[index] = Move.create(vals).id
        return self.browse(ids)

    def _service_post_created(self):
        """Post invoices a batch has just created (Odoo's ``action_post``).

        Those in the company's currency with an invoice date are posted without Odoo's line
        synchronisation, which would recompute every tax and payment term line only to find
        them unchanged: posting numbers them and may move their accounting date out of a
        locked period, which changes no amount in the company's currency and no due date.
        Odoo still checks that each balances.
        """
        plain = self.filtered(lambda move: move.currency_id == move.company_currency_id
                              and move.invoice_date and not move.invoice_cash_rounding_id)
        self._service_prepare_posting_chatter()
        with self._service_ranks_batched():
            (self - plain).action_post()
            plain.with_context(skip_invoice_sync=True).action_post()

    def _service_post(self):
        """Odoo's ``action_post`` of these invoices, their chatter written per chunk
        (``_service_prepare_posting_chatter``): what Post and Confirm call."""
        self._service_prepare_posting_chatter()
        with self._service_ranks_batched():
            return self.action_post()

    def _service_post_each(self, without_resync=False):
        """Post these invoices at once, or one by one when Odoo refuses one: one refusal
        never stops the others. Returns [(invoice, error)] of the refused, left as drafts.
        ``without_resync``: invoices a batch has just created (``_service_post_created``).
        A serialization failure (another transaction changed the same customer) is no
        refusal: it goes up, and the transaction is done again (by Odoo for a request, by
        the run for a job that commits per chunk)."""
        def post(moves):
            if without_resync:
                moves._service_post_created()
            else:
                moves._service_post()
        try:
            with self.env.cr.savepoint():
                post(self)
            return []
        except CONCURRENCY_ERRORS:
            raise
        except Exception:  # retried invoice by invoice, each refusal reported
            refused = []
            for invoice in self:
                try:
                    with self.env.cr.savepoint():
                        post(invoice)
                except CONCURRENCY_ERRORS:
                    raise
                except Exception as error:
                    refused.append((invoice, error))
            return refused

    @api.model
    def _service_complete_invoice_vals(self, vals, batch=None):
        """The invoice ``vals`` with every journal item computed as Odoo's synchronisation
        would, or None where that shortcut does not apply. ``batch`` keeps what the invoices
        of one batch share (default journals, analytic distribution models)."""
        env = self.env
        batch = {} if batch is None else batch
        AccountTax = env['account.tax']
        company = env['res.company'].browse(vals.get('company_id')) or env.company
        currency = env['res.currency'].browse(vals.get('currency_id')) or company.currency_id
        term = env['account.payment.term'].browse(vals.get('invoice_payment_term_id'))
        if (vals.get('move_type', 'out_invoice') != 'out_invoice'
                or currency != company.currency_id or term.early_discount
                or vals.get('invoice_cash_rounding_id') or vals.get('line_ids')):
            return None
        partner = env['res.partner'].browse(vals['partner_id']).commercial_partner_id
        if 'analytic_models' not in batch:
            batch['analytic_models'] = bool(env['account.analytic.distribution.model'].search(
                [], limit=1))
        fiscal_position = env['account.fiscal.position'].browse(vals.get('fiscal_position_id'))
        product_vals = []
        base_lines = []
        for command in vals.get('invoice_line_ids', []):
            line_vals = command[2] if command[0] == Command.CREATE else None
            if not line_vals or not self._service_line_is_plain(line_vals):
                return None
            taxes = AccountTax.browse(line_vals['tax_ids'][0][2])
            if any(tax.tax_exigibility != 'on_invoice'
                   for tax in taxes.flatten_taxes_hierarchy()):
                return None
            if ('analytic_distribution' not in line_vals and batch['analytic_models']
                    and self._service_taxes_follow_analytics(taxes)):
                # The tax lines would take the distribution Odoo finds in its models.
                return None
            product = env['product.product'].browse(line_vals['product_id'])
            account = env['account.account'].browse(line_vals.get('account_id'))
            if not account:
                # The product's income account, looked up once per product and fiscal
                # position in a batch (each look-up reads every account of the product).
                key = ('income', product.id, company.id, fiscal_position.id)
                if key not in batch:
                    batch[key] = product.with_company(company).product_tmpl_id \
                        .get_product_accounts(fiscal_pos=fiscal_position)['income']
                account = batch[key]
                if not account:
                    return None
                line_vals = {**line_vals, 'account_id': account.id}
            if 'analytic_distribution' not in line_vals and not batch['analytic_models']:
                # What Odoo's compute finds without distribution models: the distribution of
                # the order line the invoice line bills (``_related_analytic_distribution``).
                line_vals = {**line_vals,
                             'analytic_distribution': self._service_related_distribution(
                                 line_vals)}
            elif not line_vals.get('analytic_distribution', True):
                line_vals = {**line_vals, 'analytic_distribution': {}}
            product_vals.append(line_vals)
            base_lines.append(AccountTax._prepare_base_line_for_taxes_computation(
                None,
                product_id=product,
                product_uom_id=env['uom.uom'].browse(line_vals.get('product_uom_id')),
                tax_ids=taxes, price_unit=line_vals.get('price_unit', 0.0),
                quantity=line_vals.get('quantity', 1.0),
                discount=line_vals.get('discount', 0.0),
                currency_id=currency, rate=1.0, sign=-1, is_refund=False, partner_id=partner,
                account_id=account,
                analytic_distribution=line_vals.get('analytic_distribution'),
            ))
        if not product_vals:
            return None
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        AccountTax._add_accounting_data_in_base_lines_tax_details(
            base_lines, company, include_caba_tags=False)
        taxes = AccountTax._prepare_tax_lines(base_lines, company)
        line_commands = []
        untaxed = 0.0
        for line_vals, (_base_line, amounts) in zip(product_vals, taxes['base_lines_to_update'],
                                                   strict=True):
            line_commands.append(Command.create({**line_vals, **amounts,
                                                 'display_type': 'product'}))
            untaxed -= amounts['balance']
        tax = 0.0
        for tax_vals in taxes['tax_lines_to_add']:
            line_commands.append(Command.create({**tax_vals, 'display_type': 'tax'}))
            tax -= tax_vals['balance']
        due = {}
        if term:
            # The date Odoo's payment terms start from (``_compute_needed_terms``).
            date_ref = vals.get('invoice_date') or vals.get('date') \
                or fields.Date.context_today(self)
            terms = term._compute_terms(
                date_ref=fields.Date.to_date(date_ref), currency=currency, company=company,
                tax_amount=tax, tax_amount_currency=tax, sign=1, untaxed_amount=untaxed,
                untaxed_amount_currency=untaxed)
            for term_line in terms['line_ids']:
                date_maturity = fields.Date.to_date(term_line['date'])
                amounts = due.setdefault(date_maturity, [0.0, 0.0])
                amounts[0] += term_line['company_amount']
                amounts[1] += term_line['foreign_amount']
        else:
            # Without payment terms Odoo makes the invoice due today, in one amount.
            due[fields.Date.context_today(self)] = [untaxed + tax, untaxed + tax]
        for date_maturity, (balance, amount_currency) in due.items():
            line_commands.append(Command.create({
                'display_type': 'payment_term', 'date_maturity': date_maturity,
                'balance': balance, 'amount_currency': amount_currency,
                'discount_date': False, 'discount_balance': 0.0,
                'discount_amount_currency': 0.0,
            }))
        complete = {key: value for key, value in vals.items() if key != 'invoice_line_ids'}
        complete.update(line_ids=line_commands, invoice_date_due=max(due))
        if not vals.get('journal_id'):
            # Odoo's default sales journal, looked up once per company and not per invoice.
            key = ('journal', company.id, currency.id)
            if key not in batch:
                batch[key] = self.new({'move_type': 'out_invoice', 'company_id': company.id,
                                       'currency_id': currency.id})._search_default_journal().id
            complete['journal_id'] = batch[key]
        return complete

    @api.model
    def _service_related_distribution(self, line_vals):
        """The analytic distribution of the first order line ``line_vals`` bills, as Odoo's
        ``account.move.line._related_analytic_distribution`` gives it."""
        ids = []
        for command in line_vals.get('sale_line_ids') or []:
            if command[0] == Command.LINK:
                ids.append(command[1])
            elif command[0] == Command.SET:
                ids.extend(command[2])
        sale_lines = self.env['sale.order.line'].browse(ids).sorted()
        return dict(sale_lines[:1].analytic_distribution or {})

    @api.model
    def _service_line_is_plain(self, line_vals):
        """A product line whose amounts depend only on product, quantity, price, discount
        and taxes (no down payment, no manual tax data, taxes given as one set command)."""
        tax_commands = line_vals.get('tax_ids')
        return (line_vals.get('display_type', 'product') == 'product'
                and line_vals.get('product_id')
                and not line_vals.get('is_downpayment')
                and not line_vals.get('extra_tax_data')
                and not line_vals.get('currency_id')
                and isinstance(tax_commands, list) and len(tax_commands) == 1
                and tax_commands[0][0] == Command.SET)

    @api.model
    def _service_taxes_follow_analytics(self, taxes):
        """Whether Odoo gives these taxes' journal items the analytic distribution of their
        base line (analytic taxes, or tax amounts kept out of the tax closing)."""
        return any(
            tax.analytic or not all(tax.invoice_repartition_line_ids.filtered(
                lambda rep: rep.repartition_type == 'tax').mapped('use_in_tax_closing'))
            for tax in taxes.flatten_taxes_hierarchy())
