"""Invoicing runs of service contracts: who may invoice, chunks, locks, retries, results.

The batch works on chunks of contracts. Per chunk it locks the contracts (SKIP LOCKED, so
that parallel runs split the work), plans the due periods (``service_contract_planning.py``),
builds every invoice and creates them with one ``create`` call
(``service_contract_invoicing.py``). Only when that call fails does it fall back to one
savepoint per invoice, so that one bad contract never stops the run. Billed periods never
overlap (``service.contract.period``), so a rerun creates nothing twice.
"""

import logging
import random
import time
from dataclasses import dataclass, field

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE as MAX_TRIES
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as CONCURRENCY_ERRORS
from odoo.tools import format_date

from ..const import CONTRACT_CHUNK_SIZE
from ..tools import statistics
from ..tools.locking import try_lock
from ..tools.trusted import trusted

_logger = logging.getLogger(__name__)

INVOICING_FAILED_ACTIVITY = 'service_invoicing.mail_activity_type_contract_invoicing_failed'

# Tables whose statistics the batch's queries (and Odoo's own, e.g. the payment state) rely on.
# On a young database they were analyzed while nearly empty, and a plan made for empty tables
# turned a 300-invoice batch from 13 s into more than 5 minutes (measured, see bench/README.md).
ANALYZED_TABLES = (
    'account_move', 'account_move_line', 'account_partial_reconcile', 'res_partner',
    'service_contract', 'service_contract_line', 'service_contract_period',
)


@dataclass
class InvoicingResult:
    """What a run did, for the wizard, the cron log and the tests."""

    invoices: models.Model
    invoiced: models.Model
    skipped: list = field(default_factory=list)   # [(contract, reason)]
    failed: list = field(default_factory=list)    # [(contract, error)]
    # What the fast path learnt during the run (account.move._service_create_invoices): the
    # shapes it proved, and those it left to Odoo's standard create, with the reason.
    batch: dict = field(default_factory=dict)

    def merge(self, other):
        self.invoices |= other.invoices
        self.invoiced |= other.invoiced
        self.skipped += other.skipped
        self.failed += other.failed
        if other.batch is not self.batch:
            self.batch.update(other.batch)

    @property
    def notes(self):
        """Why some invoices took Odoo's standard create instead of the fast path."""
        return [f'{shape}: {reason}'
                for shape, reason in self.batch.get('standard_shapes', {}).items()]


class ServiceContract(models.Model):
    _inherit = 'service.contract'

    may_invoice = fields.Boolean(
        compute='_compute_may_invoice',
        help="Whether you may invoice this contract: its salesperson or a Service Invoicing "
             "manager.")
    is_expired = fields.Boolean(
        string="Expired", compute='_compute_is_expired',
        help="Its expiration date has passed: it bills nothing after it.")

    @api.depends('user_id')
    @api.depends_context('uid')
    def _compute_may_invoice(self):
        allowed = self._filtered_may_invoice()
        for contract in self:
            contract.may_invoice = contract in allowed

    @api.depends('date_end')
    @api.depends_context('tz')
    def _compute_is_expired(self):
        today = fields.Date.context_today(self)
        for contract in self:
            contract.is_expired = bool(contract.date_end) and contract.date_end < today

    def action_create_invoice(self):
        """Create Service Invoice: bill the periods of these contracts that are due today."""
        today = fields.Date.context_today(self)
        self._check_may_invoice()
        result = self._create_contract_invoices(today, today)
        if result.failed:
            raise UserError(result.failed[0][1])
        if not result.invoices:
            raise UserError(result.skipped[0][1] if result.skipped else self.env._(
                "Nothing is due on these contracts by %(date)s.",
                date=format_date(self.env, today)))
        return self.action_view_invoices()

    @api.model
    def _invoicing_domain(self, invoice_to_date, contracts=None, partners=None, users=None,
                          companies=None):
        """Contracts that a run up to ``invoice_to_date`` considers."""
        if contracts:
            # Explicitly chosen contracts are all reported: quotes, cancelled and open ones,
            # those with nothing due and those of other salespersons included.
            return Domain('id', 'in', contracts.ids)
        domain = Domain('next_invoice_date', '<=', invoice_to_date) & Domain('state', '=', 'signed')
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
                                send=False, chunk_size=CONTRACT_CHUNK_SIZE, commit=False,
                                many_periods=False):
        """Invoice every contract of ``domain`` by chunks; commit per chunk when asked.
        ``many_periods``: a manager confirmed contracts billing many periods at once."""
        if many_periods:
            self._check_may_bill_many_periods()
        contract_ids = self.search(domain, order='id').ids
        result = InvoicingResult(self.env['account.move'], self.browse())
        self._refresh_stale_statistics()
        for start in range(0, len(contract_ids), chunk_size):
            chunk = self.browse(contract_ids[start:start + chunk_size])
            options = {'post': post, 'send': send, 'fresh_snapshot': commit,
                       'batch': result.batch, 'many_periods': many_periods}
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
        """ANALYZE the accounting tables the batch relies on when their statistics are stale
        (``tools/statistics.py``): a young database must not be planned as if empty."""
        return statistics.refresh_stale_statistics(self.env, ANALYZED_TABLES)

    @api.model
    def _refresh_stale_statistics_in_transaction(self):
        """The same, for a run that creates many invoices in one transaction (the proformas):
        analyzed with the rows it has written."""
        return statistics.refresh_stale_statistics_in_transaction(self.env.cr, ANALYZED_TABLES)

    @api.model
    def _stale_statistics_tables(self):
        return statistics.stale_tables(self.env.cr, ANALYZED_TABLES)

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
                                  fresh_snapshot=False, batch=None, many_periods=False):
        """Invoice the due periods of these contracts (one chunk) and report what happened.

        ``fresh_snapshot``: nothing of this transaction is pending (a run that commits per
        chunk), so it may commit to see what other runs committed meanwhile. ``batch``: what
        the fast path learnt in the earlier chunks of the run. ``many_periods``: a manager
        confirmed contracts billing more periods at once than a run bills by itself.
        """
        result = InvoicingResult(self.env['account.move'], self.browse(),
                                 batch={} if batch is None else batch)
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
        plans = mine._plan_invoicing(invoice_to_date, many_periods=many_periods)
        to_bill = []
        for plan in plans:
            if plan.error:
                result.failed.append((plan.contract, plan.error))
            elif plan.skip:
                result.skipped.append((plan.contract, plan.skip))
            else:
                to_bill.append(plan)
        invoices, failed = self._create_invoices_from_plans(to_bill, posting_date, result.batch)
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
        locked = try_lock(self, commit_retries=3 if fresh_snapshot else 0)
        if locked is not None:
            changed = self.browse()
        else:
            # One by one: only the contracts that changed meanwhile are left out.
            locked, changed = self.browse(), self.browse()
            for contract in self:
                if try_lock(contract) is None:
                    changed |= contract
                else:
                    locked |= contract
        # Another run may have billed them just before: read their state afresh.
        locked.invalidate_recordset()
        return locked, changed

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
                    INVOICING_FAILED_ACTIVITY, note=error,
                    user_id=(contract.user_id or self.env.user).id)
        result.invoiced.filtered(lambda c: c.id not in failed_ids)._clear_invoicing_error()

    def _clear_invoicing_error(self):
        """The error is resolved: it leaves the contract and its activity is marked done."""
        resolved = self.filtered('invoice_error').sudo()
        if resolved:
            trusted(resolved).invoice_error = False
            resolved.activity_feedback([INVOICING_FAILED_ACTIVITY], feedback=self.env._(
                "Resolved: the contract can be invoiced."))
