"""Building and creating the invoices of planned contract periods, and posting them."""

import logging
from collections import defaultdict

from odoo import api, models
from odoo.fields import Command
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as CONCURRENCY_ERRORS

from ..tools.formatting import format_period
from ..tools.trusted import trusted

_logger = logging.getLogger(__name__)


class ServiceContract(models.Model):
    _inherit = 'service.contract'  # pylint: disable=consider-merging-classes-inherited

    def _create_invoices_from_plans(self, plans, posting_date, batch=None):
        """Create the invoices of the plans; returns (invoices, [(contract, error)])."""
        groups = defaultdict(list)
        for plan in plans:
            groups[plan.contract._invoice_grouping_key()].append(plan)
        batches = [(self._prepare_invoice_vals(group, posting_date), group)
                   for group in groups.values()]
        Move = self.env['account.move'].with_context(default_move_type='out_invoice')
        try:
            with self.env.cr.savepoint():
                invoices = Move._service_create_invoices([vals for vals, _group in batches],
                                                         batch=batch)
                self._record_invoiced_periods(invoices, batches)
            return invoices, []
        except CONCURRENCY_ERRORS:
            raise  # not a refusal: the transaction is done again
        except Exception:
            _logger.info("Creating %d contract invoices at once failed: retrying one by one",
                         len(batches))
            return self._create_invoices_one_by_one(Move, batches)

    def _create_invoices_one_by_one(self, Move, batches):
        invoices = Move.browse()
        failed = []
        for vals, group in batches:
            try:
                with self.env.cr.savepoint():
                    invoice = Move.create(vals)
                    self._record_invoiced_periods(invoice, [(vals, group)])
                invoices |= invoice
            except CONCURRENCY_ERRORS:
                raise
            except Exception as error:
                for plan in group:
                    failed.append((plan.contract, self.env._(
                        "Contract %(contract)s could not be invoiced: %(error)s",
                        contract=plan.contract.display_name, error=str(error))))
        return invoices, failed

    def _record_invoiced_periods(self, invoices, batches):
        # The periods' amounts are in their contract's currency: read for all the contracts
        # at once (a caller may have freed the cache since it planned them).
        self.browse({plan.contract.id for _vals, group in batches for plan in group}).fetch(
            ['currency_id'])
        billed = self.env['service.contract.period'].sudo().create([
            {
                'contract_id': plan.contract.id,
                'date_start': period.start,
                'date_end': period.end,
                'amount': amount,
                'invoice_id': invoice.id,
            }
            for invoice, (_vals, group) in zip(invoices, batches, strict=True)
            for plan in group
            for period, amount, _lines in plan.periods
        ])
        self._link_billed_periods_to_items(billed)

    def _invoice_grouping_key(self):
        self.ensure_one()
        if not self.combine_invoices:
            return ('contract', self.id)
        return ('combined', self.partner_invoice_id.id, self.company_id.id, self.currency_id.id,
                self.journal_id.id, self.payment_term_id.id, self.fiscal_position_id.id)

    @api.model
    def _prepare_invoice_vals(self, plans, posting_date):
        """Values of one customer invoice billing the due periods of ``plans``."""
        contract = plans[0].contract
        line_commands = []
        for plan in plans:
            line_commands += [
                Command.create(vals) for vals in plan.contract._prepare_invoice_line_vals(plan)
            ]
        return {
            'move_type': 'out_invoice',
            'partner_id': contract.partner_invoice_id.id,
            'company_id': contract.company_id.id,
            'currency_id': contract.currency_id.id,
            'journal_id': contract.journal_id.id,
            'invoice_date': posting_date,
            'invoice_payment_term_id': contract.payment_term_id.id,
            'fiscal_position_id': contract.fiscal_position_id.id,
            'invoice_user_id': contract.user_id.id,
            # Sorted: the order the batch met the contracts in is no promise.
            'invoice_origin': ', '.join(sorted({plan.contract.name for plan in plans})),
            'invoice_line_ids': line_commands,
        }

    def _prepare_invoice_line_vals(self, plan):
        """One invoice line per contract line and period, saying which period it bills."""
        self.ensure_one()
        deferral = 'deferred_start_date' in self.env['account.move.line']._fields
        # Looked up once per contract line, not once per line and period (catch-up runs).
        income_accounts = {line: self._income_account(line.product_id) for line in self.line_ids}
        vals_list = []
        for period, _amount, shares in plan.periods:
            label = self.env._(
                "Contract %(contract)s, %(period)s", contract=self.name,
                period=format_period(self.env, period.start, period.end))
            for line, share in shares:
                vals = {
                    **self._invoice_line_price_vals(line.product_id.id, line.product_uom_id.id,
                                                    line.tax_ids.ids, share),
                    'name': f'{label}\n{line.name}',
                    'account_id': income_accounts[line].id,
                    'analytic_distribution': line.analytic_distribution,
                    'service_contract_id': self.id,
                    'service_period_start': period.start,
                    'service_period_end': period.end,
                }
                if deferral and self.prepaid:
                    vals.update(deferred_start_date=period.start, deferred_end_date=period.end)
                vals_list.append(vals)
        return vals_list

    @api.model
    def _invoice_line_price_vals(self, product_id, uom_id, tax_ids, share):
        """What the invoice line of a contract line (its product, unit and taxes) billing
        ``share`` of a period is taxed on: product, quantity, unit, price and taxes (the
        estimates of the next invoices total these, ``service.billing.item._next_invoices``)."""
        return {
            'product_id': product_id,
            'quantity': 1.0,
            'product_uom_id': uom_id,
            'price_unit': share,
            'discount': 0.0,
            'tax_ids': [Command.set(tax_ids)],
        }

    def _post_contract_invoices(self, invoices, pending):
        """Post the invoices just created and the ``pending`` drafts of earlier runs; one that
        Odoo refuses stays a draft, waiting to be posted (by the next run that posts, or by
        hand from the list of invoices waiting to be posted), and its error is reported."""
        refused = invoices._service_post_each(without_resync=True) + pending._service_post_each()
        for invoice, _error in refused:
            trusted(invoice).service_to_post = True
        return [
            (contract, self.env._(
                "Invoice %(invoice)s of contract %(contract)s was created but not posted: "
                "%(error)s. It waits to be posted: the next run that posts invoices tries again.",
                invoice=invoice.display_name, contract=contract.display_name, error=str(error)))
            for invoice, error in refused
            for contract in invoice.invoice_line_ids.service_contract_id
        ]
