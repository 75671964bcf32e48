"""Invoicing of service contracts: plan the due periods, build and create the invoices.

The batch works on chunks of contracts. Per chunk it locks the contracts (SKIP LOCKED, so
that parallel runs split the work), reads everything it needs once, builds the values of
every invoice in Python and creates them with one ``create`` call. Only when that call
fails does it fall back to one savepoint per invoice, so that one bad contract never stops
the run. The unique (contract, period start) record makes a rerun create nothing twice.
"""

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE as MAX_TRIES
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as CONCURRENCY_ERRORS
from odoo.tools import SQL

from ..const import CONTRACT_CHUNK_SIZE
from ..tools import invoice_period as periods
from ..tools.locking import lock_rows
from ..tools.trusted import trusted

_logger = logging.getLogger(__name__)

LOCK_CONTRACTS = "SELECT id FROM service_contract WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED"

# Tables whose statistics the batch's queries (and Odoo's own, e.g. the payment state) rely on.
# On a young database they were analyzed while nearly empty, and a plan made for empty tables
# turned a 300-invoice batch from 13 s into more than 5 minutes (measured, see bench/README.md).
ANALYZED_TABLES = (
    'account_move', 'account_move_line', 'account_partial_reconcile', 'res_partner',
    'service_contract', 'service_contract_line', 'service_contract_period',
)


@dataclass
class ContractPlan:
    """What one contract would bill in a run: its due periods, or why it bills nothing."""

    contract: models.Model
    periods: list = field(default_factory=list)   # [(Period, amount, [(line, amount)])]
    error: str = ''
    skip: str = ''

    @property
    def amount(self):
        return sum(amount for _period, amount, _lines in self.periods)


@dataclass
class InvoicingResult:
    """What a run did, for the wizard, the cron log and the tests."""

    invoices: models.Model
    invoiced: models.Model
    skipped: list = field(default_factory=list)   # [(contract, reason)]
    failed: list = field(default_factory=list)    # [(contract, error)]

    def merge(self, other):
        self.invoices |= other.invoices
        self.invoiced |= other.invoiced
        self.skipped += other.skipped
        self.failed += other.failed


class ServiceContract(models.Model):
    _inherit = 'service.contract'

    def action_create_invoice(self):
        """Create Service Invoice: bill the periods of these contracts that are due today."""
        today = fields.Date.context_today(self)
        self._check_may_invoice()
        result = self._create_contract_invoices(today, today)
        if result.failed:
            raise UserError(result.failed[0][1])
        if not result.invoices:
            raise UserError(result.skipped[0][1] if result.skipped else self.env._(
                "Nothing is due on these contracts by %(date)s.", date=today))
        return self.action_view_invoices()

    @api.model
    def _invoicing_domain(self, invoice_to_date, contracts=None, partners=None, users=None,
                          companies=None):
        """Contracts that a run up to ``invoice_to_date`` considers."""
        domain = Domain('next_invoice_date', '<=', invoice_to_date)
        if contracts:
            # Explicitly chosen contracts are all reported: quotes, open ones and those of
            # other salespersons included.
            return domain & Domain('id', 'in', contracts.ids)
        domain &= Domain('state', '=', 'signed')
        if partners:
            domain &= Domain('partner_id.commercial_partner_id', 'in',
                             partners.commercial_partner_id.ids)
        if users:
            domain &= Domain('user_id', 'in', users.ids)
        if companies:
            domain &= Domain('company_id', 'in', companies.ids)
        if not self._may_invoice_all():
            domain &= Domain('user_id', '=', self.env.uid)
        return domain

    @api.model
    def _may_invoice_all(self):
        return self.env.su or self.env.user.has_group('service_invoicing.group_service_manager')

    def _filtered_may_invoice(self):
        """The contracts this user may invoice: a manager all of them, a user those of which
        they are the salesperson. Every way of invoicing (button, wizard, list, RPC) goes
        through ``_create_contract_invoices``, which applies it."""
        if self._may_invoice_all():
            return self
        return self.filtered(lambda contract: contract.user_id == self.env.user)

    def _check_may_invoice(self):
        refused = self - self._filtered_may_invoice()
        if refused:
            raise AccessError(self._may_not_invoice_message(refused[0]))

    def _may_not_invoice_message(self, contract):
        return self.env._(
            "You are not the salesperson of contract %(contract)s: only its salesperson or a "
            "Service Invoicing manager can invoice it.", contract=contract.display_name)

    @api.model
    def _run_contract_invoicing(self, domain, invoice_to_date, posting_date, post=False,
                                send=False, chunk_size=CONTRACT_CHUNK_SIZE, commit=False):
        """Invoice every contract of ``domain`` by chunks; commit per chunk when asked."""
        contract_ids = self.search(domain, order='id').ids
        result = InvoicingResult(self.env['account.move'], self.browse())
        self._refresh_stale_statistics()
        for start in range(0, len(contract_ids), chunk_size):
            chunk = self.browse(contract_ids[start:start + chunk_size])
            options = {'post': post, 'send': send, 'fresh_snapshot': commit}
            if commit:
                result.merge(chunk._create_contract_invoices_retrying(
                    invoice_to_date, posting_date, **options))
                time_left = self.env['ir.cron']._commit_progress(
                    len(chunk), remaining=len(contract_ids) - start - len(chunk))
                if not time_left:
                    # Odoo says the job's time is up: it runs again for the rest.
                    break
                # Free the cache: memory stays flat however many contracts there are.
                self.env.invalidate_all()
                self._refresh_stale_statistics()
            else:
                # A serialization failure goes up to Odoo, which retries the whole request.
                result.merge(chunk._create_contract_invoices(
                    invoice_to_date, posting_date, **options))
        return result

    def _create_contract_invoices_retrying(self, invoice_to_date, posting_date,
                                           tries=MAX_TRIES, **options):
        """``_create_contract_invoices`` in a run that commits per chunk: a concurrent
        transaction that changed the same rows (a customer's rank, a contract) is no refusal;
        the chunk is rolled back and done again in a fresh transaction, as Odoo retries a
        request."""
        for attempt in range(1, tries + 1):
            try:
                return self._create_contract_invoices(invoice_to_date, posting_date, **options)
            except CONCURRENCY_ERRORS as error:
                if attempt == tries:
                    raise
                _logger.info("Contract invoicing: %s, chunk done again (%d tries left)",
                             error.pgcode, tries - attempt)
                self.env.cr.rollback()
                time.sleep(random.uniform(0.0, 0.5 * attempt))
        return None

    @api.model
    def _refresh_stale_statistics(self):
        """ANALYZE the accounting tables that changed much since PostgreSQL last analyzed
        them: a young database (or the first big run) must not be planned as if empty.

        Autovacuum does the same later (after 50 rows + 10 %); the batch cannot wait for it.
        One cheap query per chunk finds them (``_stale_statistics_tables``).
        It runs in its own short transaction, so other workers are never blocked by it, and
        it gives up (the run goes on) when it cannot take its lock within a second.
        """
        stale = self._stale_statistics_tables()
        if not stale:
            return []
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '1s'")
                cr.execute(SQL("ANALYZE %s", SQL(', ').join(SQL.identifier(t) for t in stale)))
        except Exception as error:  # statistics are an optimisation: never fail the run
            _logger.info("Could not analyze %s: %s", ', '.join(stale), error)
            return []
        _logger.info("Analyzed %s: their statistics were stale", ', '.join(stale))
        return stale

    @api.model
    def _stale_statistics_tables(self):
        """The tables of ANALYZED_TABLES that changed by more than a fifth, or more than
        doubled in size, since PostgreSQL last analyzed them."""
        self.env.cr.execute("""
            SELECT stat.relname
              FROM pg_stat_user_tables stat
              JOIN pg_class rel ON rel.oid = stat.relid
             WHERE stat.relname = ANY(%s) AND stat.schemaname = current_schema()
               AND (stat.n_mod_since_analyze > 500 + 0.2 * GREATEST(rel.reltuples, 0)
                    -- grown to more than twice its size when last analyzed (also true in a
                    -- copy of the database, whose change counters start from zero)
                    OR pg_relation_size(rel.oid)
                       > current_setting('block_size')::int * (2 * GREATEST(rel.relpages, 0) + 16))
        """, [list(ANALYZED_TABLES)])
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _cron_create_contract_invoices(self):
        """Daily job: invoice every signed contract due today, committing per chunk."""
        today = fields.Date.context_today(self)
        result = self._run_contract_invoicing(
            self._invoicing_domain(today), today, today, commit=True)
        _logger.info(
            "Service contracts invoiced: %d invoices, %d contracts, %d skipped, %d failed",
            len(result.invoices), len(result.invoiced), len(result.skipped), len(result.failed))
        return result

    def _create_contract_invoices(self, invoice_to_date, posting_date, post=False, send=False,
                                  fresh_snapshot=False):
        """Invoice the due periods of these contracts (one chunk) and report what happened.

        ``fresh_snapshot``: nothing of this transaction is pending (a run that commits per
        chunk), so it may commit to see what other runs committed meanwhile.
        """
        result = InvoicingResult(self.env['account.move'], self.browse())
        allowed = self._filtered_may_invoice()
        for contract in self - allowed:
            result.skipped.append((contract, self._may_not_invoice_message(contract)))
        mine, changed = allowed._lock_for_invoicing(fresh_snapshot=fresh_snapshot)
        for contract in allowed - mine - changed:
            result.skipped.append((contract, self.env._(
                "Contract %(contract)s is being invoiced by another run.",
                contract=contract.display_name)))
        for contract in changed:
            result.skipped.append((contract, self.env._(
                "Contract %(contract)s was changed by another run or user while this run was "
                "going: run the invoicing again to bill it if it is still due.",
                contract=contract.display_name)))
        plans = mine._plan_invoicing(invoice_to_date)
        to_bill = []
        for plan in plans:
            if plan.error:
                result.failed.append((plan.contract, plan.error))
            elif plan.skip:
                result.skipped.append((plan.contract, plan.skip))
            else:
                to_bill.append(plan)
        invoices, failed = self._create_invoices_from_plans(to_bill, posting_date)
        result.failed += failed
        if post:
            # Drafts an earlier run made to post but Odoo refused are posted now too, and
            # count among this run's invoices.
            pending = mine.period_ids.invoice_id.filtered(
                lambda move: move.state == 'draft' and move.service_to_post) - invoices
            result.failed += self._post_contract_invoices(invoices, pending)
            invoices |= pending.filtered(lambda move: move.state == 'posted')
        if send and invoices:
            invoices._service_queue_sending()
        result.invoices = invoices
        result.invoiced = invoices.invoice_line_ids.service_contract_id
        self._store_invoicing_errors(result)
        return result

    def _lock_for_invoicing(self, fresh_snapshot=False):
        """Lock these contracts for this transaction: returns (locked, changed).

        Those another run holds are left out. Odoo's transactions see the database as it was
        when they began (repeatable read): a contract another run invoiced and committed since
        then cannot be locked here. A run that commits per chunk (``fresh_snapshot``) commits
        and tries again, and sees what the other run billed; otherwise such contracts are
        returned as ``changed``, to be left for the next run.
        """
        if not self:
            return self, self
        self.flush_recordset()
        ids = lock_rows(self.env.cr, LOCK_CONTRACTS, [self.ids],
                        commit_retries=3 if fresh_snapshot else 0)
        if ids is not None:
            locked, changed = self.browse(ids), self.browse()
        else:
            # One by one: only the contracts that changed meanwhile are left out.
            locked, changed = self.browse(), self.browse()
            for contract in self:
                if lock_rows(self.env.cr, LOCK_CONTRACTS, [contract.ids]) is None:
                    changed |= contract
                else:
                    locked |= contract
        # Another run may have billed them just before: read their state afresh.
        locked.invalidate_recordset()
        return locked, changed

    def _plan_invoicing(self, invoice_to_date):
        """What each contract bills up to ``invoice_to_date``, without writing anything."""
        served = self._served_since_last_invoice()
        plans = []
        for contract in self:
            plan = ContractPlan(contract)
            plan.error = contract._invoicing_error()
            if not plan.error:
                due = periods.due_periods(
                    contract.date_start, contract.date_end, contract.invoice_period,
                    contract.prepaid, contract.invoiced_until, invoice_to_date)
                currency = contract.currency_id
                for period in due:
                    amount = periods.period_amount(
                        contract.annual_amount, contract.invoice_period, period, currency.round)
                    plan.periods.append((period, amount, contract._split_over_lines(amount)))
                if not due:
                    plan.skip = self.env._(
                        "Contract %(contract)s has no period due by %(date)s.",
                        contract=contract.display_name, date=invoice_to_date)
                elif currency.is_zero(plan.amount):
                    plan.error = self.env._(
                        "Invoice cannot be created for contract %(contract)s because the amount "
                        "to invoice for this invoice period is zero.",
                        contract=contract.display_name)
                elif contract.invoice_after_service and contract not in served:
                    plan.skip = self.env._(
                        "Contract %(contract)s is invoiced after service, and no service order "
                        "of it was delivered after its last invoiced period.",
                        contract=contract.display_name)
            plans.append(plan)
        return plans

    def _invoicing_error(self):
        """Why this contract cannot be invoiced at all, as a message naming the fix."""
        self.ensure_one()
        name = self.display_name
        if self.state != 'signed':
            return self.env._("Contract %(contract)s is not signed: sign it before invoicing.",
                              contract=name)
        if self.change_status == 'open':
            return self.env._(
                "Contract %(contract)s is Open: lock it to create invoices.", contract=name)
        if not self.partner_invoice_id:
            return self.env._(
                "Contract %(contract)s has no invoice address: set one on the contract.",
                contract=name)
        if not self.journal_id:
            return self.env._(
                "Contract %(contract)s has no sales journal: choose one on the contract.",
                contract=name)
        if self.journal_id.company_id != self.company_id:
            return self.env._(
                "The journal %(journal)s of contract %(contract)s belongs to another company: "
                "choose a sales journal of %(company)s.", journal=self.journal_id.display_name,
                contract=name, company=self.company_id.display_name)
        for partner in self.partner_id | self.partner_invoice_id:
            if partner.company_id and partner.company_id != self.company_id:
                return self.env._(
                    "The customer %(partner)s of contract %(contract)s belongs to the company "
                    "%(partner_company)s, not to %(company)s: share the customer or move the "
                    "contract.", partner=partner.display_name, contract=name,
                    partner_company=partner.company_id.display_name,
                    company=self.company_id.display_name)
        for line in self.line_ids:
            if not self._income_account(line.product_id):
                return self.env._(
                    "The product %(product)s of contract %(contract)s has no income account: "
                    "set one on the product or its category.",
                    product=line.product_id.display_name, contract=name)
        if not self.line_ids and not self.currency_id.is_zero(self.annual_amount):
            return self.env._("Contract %(contract)s has no lines to invoice: add a line.",
                              contract=name)
        return ''

    def _income_account(self, product):
        accounts = product.with_company(self.company_id).product_tmpl_id.get_product_accounts(
            fiscal_pos=self.fiscal_position_id)
        return accounts['income'] or self.journal_id.default_account_id

    def _split_over_lines(self, amount):
        """Share a period amount over the lines by their line amounts, exact to the cent."""
        lines = self.line_ids
        total = self.calculated_annual_amount
        shares = []
        rest = amount
        for index, line in enumerate(lines):
            if index == len(lines) - 1:
                share = rest
            elif self.currency_id.is_zero(total):
                share = 0.0
            else:
                share = self.currency_id.round(amount * line.line_amount / total)
            shares.append((line, share))
            rest = self.currency_id.round(rest - share)
        return shares

    def _served_since_last_invoice(self):
        """Contracts invoiced after service with an order shipped after their last period."""
        contracts = self.filtered('invoice_after_service')
        if not contracts:
            return self.browse()
        shipments = self.env['service.shipment'].sudo()._read_group(
            [('order_id.service_contract_id', 'in', contracts.ids)],
            ['order_id'], ['date:max'])
        served = self.browse()
        for order, shipped_on in shipments:
            contract = order.service_contract_id
            if not contract.invoiced_until or shipped_on > contract.invoiced_until:
                served |= contract
        return served

    def _create_invoices_from_plans(self, plans, posting_date):
        """Create the invoices of the plans; returns (invoices, [(contract, error)])."""
        groups = defaultdict(list)
        for plan in plans:
            groups[plan.contract._invoice_grouping_key()].append(plan)
        batches = [(self._prepare_invoice_vals(group, posting_date), group)
                   for group in groups.values()]
        Move = self.env['account.move'].with_context(default_move_type='out_invoice')
        try:
            with self.env.cr.savepoint():
                invoices = Move._service_create_invoices([vals for vals, _group in batches])
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
        self.env['service.contract.period'].sudo().create([
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
            'invoice_origin': ', '.join(plan.contract.name for plan in plans),
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
                period=periods.format_period(period.start, period.end))
            for line, share in shares:
                vals = {
                    'product_id': line.product_id.id,
                    'name': f'{label}\n{line.name}',
                    'quantity': 1.0,
                    'product_uom_id': line.product_uom_id.id,
                    'price_unit': share,
                    'discount': 0.0,
                    'tax_ids': [Command.set(line.tax_ids.ids)],
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

    def _post_contract_invoices(self, invoices, pending):
        """Post the invoices just created and the ``pending`` drafts of earlier runs; one that
        Odoo refuses stays a draft, waiting to be posted (by the next run that posts, or by
        hand from the list of invoices waiting to be posted), and its error is reported."""
        refused = invoices._service_post_each(without_resync=True) + pending._service_post_each()
        for invoice, _error in refused:
            invoice.service_to_post = True
        return [
            (contract, self.env._(
                "Invoice %(invoice)s of contract %(contract)s was created but not posted: "
                "%(error)s. It waits to be posted: the next run that posts invoices tries again.",
                invoice=invoice.display_name, contract=contract.display_name, error=str(error)))
            for invoice, error in refused
            for contract in invoice.invoice_line_ids.service_contract_id
        ]

    @api.model
    def _store_invoicing_errors(self, result):
        """Keep each failure on its contract, with an activity for its salesperson."""
        failed_ids = set()
        for contract, error in result.failed:
            failed_ids.add(contract.id)
            contract = trusted(contract.sudo())
            if contract.invoice_error != error:
                contract.invoice_error = error
                contract.activity_schedule(
                    'mail.mail_activity_data_todo',
                    summary=self.env._("Contract invoicing failed"),
                    note=error,
                    user_id=(contract.user_id or self.env.user).id)
        cleared = result.invoiced.filtered(
            lambda c: c.invoice_error and c.id not in failed_ids)
        if cleared:
            trusted(cleared.sudo()).invoice_error = False
