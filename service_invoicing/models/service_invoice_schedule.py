"""Invoice schedules (Project Operations): run dates, each with its transaction cut-off and run
status, carried out by a daily job that makes proforma invoices of what is ready.

A run is written by its schedule only (``tools/trusted.py``). Workers of the daily job share
the due runs by locking each (SKIP LOCKED, as the contract batch locks its contracts), and do
a run again in a new transaction when another worker changed the same rows meanwhile."""

import logging
import random
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.fields import Domain
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE as MAX_TRIES
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as CONCURRENCY_ERRORS
from odoo.tools import format_date

from ..const import SCHEDULE_FREQUENCIES, SCHEDULE_RUN_STATUSES, WEEKDAYS
from ..tools.locking import try_lock
from ..tools.report_source import ReportSource
from ..tools.trusted import is_trusted, trusted

_logger = logging.getLogger(__name__)

# What makes a worker do a run again in a new transaction (Odoo's request retry does the same).
RETRIED_ERRORS = (*CONCURRENCY_ERRORS, ConcurrencyError)


class ServiceInvoiceSchedule(models.Model):
    _name = 'service.invoice.schedule'
    _description = "Invoice Schedule"
    _inherit = ['mail.thread']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True, readonly=False, required=True,
                       precompute=True)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.company)
    partner_id = fields.Many2one('res.partner', string="Customer", check_company=True,
                                 tracking=True)
    contract_id = fields.Many2one('service.contract', check_company=True, tracking=True)
    order_id = fields.Many2one('sale.order', check_company=True, tracking=True)
    frequency = fields.Selection(SCHEDULE_FREQUENCIES, required=True, default='monthly',
                                 tracking=True)
    day_of_month = fields.Integer(
        default=1, help="Monthly runs: the day of the month (31 means its last day).")
    weekday = fields.Selection(WEEKDAYS, default='0', help="Weekly runs: the day of the week.")
    runs_per_month = fields.Float(compute='_compute_runs_per_month', digits=(3, 1))
    date_from = fields.Date(string="First Run On or After", required=True,
                            default=fields.Date.context_today)
    date_to = fields.Date(string="Last Run On or Before", required=True,
                          default=lambda self: fields.Date.context_today(self)
                          + relativedelta(years=1))
    grouping = fields.Selection(
        [('customer', "Per Customer"), ('source', "Per Contract or Order")],
        required=True, default='customer')
    active = fields.Boolean(default=True)
    run_ids = fields.One2many('service.invoice.schedule.run', 'schedule_id', string="Runs")

    _dates_in_order = models.Constraint(
        'CHECK(date_to >= date_from)', "The last run date cannot come before the first.")

    @api.depends('partner_id', 'contract_id', 'order_id', 'frequency')
    def _compute_name(self):
        labels = dict(SCHEDULE_FREQUENCIES)
        for schedule in self:
            scope = schedule.contract_id.name or schedule.order_id.name \
                or schedule.partner_id.display_name or self.env._("Every customer")
            schedule.name = f'{scope} - {labels.get(schedule.frequency, "")}'

    @api.depends('frequency')
    def _compute_runs_per_month(self):
        per_month = {'monthly': 1.0, 'biweekly': 2.2, 'weekly': 4.3}
        for schedule in self:
            schedule.runs_per_month = per_month.get(schedule.frequency, 0.0)

    @api.constrains('day_of_month', 'frequency')
    def _check_day_of_month(self):
        for schedule in self:
            if schedule.frequency == 'monthly' and not 1 <= schedule.day_of_month <= 31:
                raise ValidationError(self.env._(
                    "Schedule %(schedule)s runs on day %(day)s of the month: choose a day from "
                    "1 to 31 (31: the last day).", schedule=schedule.display_name,
                    day=schedule.day_of_month))

    @api.constrains('date_from', 'date_to', 'company_id')
    def _check_dates(self):
        """The first and last run dates lie within the dates the company can bill (1899 made
        twelve runs due at once; year 9999 ran past the calendar)."""
        for schedule in self:
            for name in ('date_from', 'date_to'):
                schedule.company_id._service_check_dates(self.env._(
                    "Invoice schedule %(schedule)s, %(field)s", schedule=schedule.display_name,
                    field=self._fields[name]._description_string(self.env)), schedule[name])

    @api.constrains('partner_id', 'contract_id', 'order_id')
    def _check_one_scope(self):
        for schedule in self:
            if bool(schedule.contract_id) + bool(schedule.order_id) > 1:
                raise ValidationError(self.env._(
                    "Schedule %(schedule)s is for a contract or an order, not both.",
                    schedule=schedule.display_name))

    def action_generate_runs(self):
        """Generate Invoice Schedule: a run per run date, each with its transaction cut-off
        (the day before); run dates already planned are kept."""
        self._check_dates()  # also those saved before the dates were checked
        Run = trusted(self.env['service.invoice.schedule.run'])
        for schedule in self:
            planned = set(schedule.run_ids.mapped('run_date'))
            Run.create([{'schedule_id': schedule.id, 'run_date': run_date}
                        for run_date in schedule._run_dates() if run_date not in planned])
        return True

    def _run_dates(self):
        """The run dates from ``date_from`` to ``date_to``. Counted, never stepped past
        ``date_to``: no date after the last is computed (after 31 December 9999 there is
        none)."""
        self.ensure_one()
        start, end = self.date_from, self.date_to
        if self.frequency == 'monthly':
            first = start.replace(day=1)
            months = (end.year - first.year) * 12 + end.month - first.month
            days = (first + relativedelta(months=index, day=self.day_of_month)
                    for index in range(months + 1))
            return [day for day in days if start <= day <= end]
        step = 7 if self.frequency == 'weekly' else 14
        offset = (int(self.weekday) - start.weekday()) % 7
        span = (end - start).days - offset
        if span < 0:
            return []
        first = start + timedelta(days=offset)
        return [first + timedelta(days=step * index) for index in range(span // step + 1)]

    def _item_domain(self, cutoff):
        """The ready backlog items a run up to ``cutoff`` invoices."""
        self.ensure_one()
        domain = Domain([('billing_status', '=', 'ready'), ('date', '<=', cutoff),
                         ('company_id', '=', self.company_id.id)])
        if self.contract_id:
            domain &= Domain('contract_id', '=', self.contract_id.id)
        if self.order_id:
            domain &= Domain('order_id', '=', self.order_id.id)
        if self.partner_id:
            domain &= Domain('partner_id', '=', self.partner_id.commercial_partner_id.id)
        return domain

    @api.model
    def _cron_run_schedules(self):
        """Daily job: carry out every run due, committing run by run."""
        return self._run_due_schedules(commit=True)

    @api.model
    def _run_due_schedules(self, commit=False):
        """Carry out every run due, one by one; one failing run never stops the others, and
        a run done makes nothing twice. Several workers share the runs: each run is locked
        by the worker carrying it out and skipped by the others; with ``commit``, a run whose
        items another run is invoicing right now waits for the end of the list, and is
        tried again then. Returns the runs this worker carried out."""
        runs = self.env['service.invoice.schedule.run'].search([
            ('state', '=', 'not_run'), ('run_date', '<=', fields.Date.context_today(self)),
            ('schedule_id.active', '=', True)], order='run_date, id')
        done = runs.browse()
        waiting, rounds_without_progress = list(runs), 0
        while waiting:
            busy = []
            for index, run in enumerate(waiting, start=1):
                outcome = run._carry_out_due(commit=commit)
                if outcome == 'done':
                    done |= run
                elif outcome == 'busy':
                    busy.append(run)
                if commit and not self.env['ir.cron']._commit_progress(
                        int(outcome != 'busy'), remaining=len(waiting) - index + len(busy)):
                    return done
            rounds_without_progress = rounds_without_progress + 1 \
                if len(busy) == len(waiting) else 0
            if busy and rounds_without_progress < MAX_TRIES:
                # Give the other run the time to finish what it holds.
                time.sleep(random.uniform(0.0, 0.5 * rounds_without_progress))
            elif busy:
                _logger.info("Invoice schedules: %d runs left for the next job, their items "
                             "held by other runs", len(busy))
                break
            waiting = busy
        return done


class ServiceInvoiceScheduleRun(models.Model):
    _name = 'service.invoice.schedule.run'
    _description = "Invoice Schedule Run"
    _order = 'run_date, id'
    _check_company_auto = True

    schedule_id = fields.Many2one('service.invoice.schedule', required=True,
                                  ondelete='cascade', index=True)
    company_id = fields.Many2one(related='schedule_id.company_id', store=True)
    run_date = fields.Date(required=True, readonly=True)
    cutoff_date = fields.Date(string="Transaction Cut-off", compute='_compute_cutoff_date',
                              store=True)
    state = fields.Selection(SCHEDULE_RUN_STATUSES, string="Run Status", default='not_run',
                             required=True, readonly=True)
    message = fields.Text(readonly=True)
    invoice_ids = fields.Many2many('account.move', string="Invoices", readonly=True)

    _run_date_unique = models.Constraint(
        'UNIQUE(schedule_id, run_date)', "A schedule runs once on a date.")

    @api.depends('run_date')
    def _compute_cutoff_date(self):
        for run in self:
            run.cutoff_date = run.run_date - timedelta(days=1) if run.run_date else False

    @api.constrains('run_date')
    def _check_run_date(self):
        for run in self:
            run.company_id._service_check_dates(run._run_label(), run.run_date)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_written_by_the_schedule('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_written_by_the_schedule('write')
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_carried_out(self):
        """A run carried out is the record of what it billed (or why it failed): kept while
        its schedule is. A run not carried out yet may be deleted."""
        done = self.filtered(lambda run: run.state != 'not_run')
        if done:
            raise UserError(self.env._(
                "%(runs)s was carried out: it stays as the record of what it billed. Delete "
                "the schedule, or archive it, to stop its runs.",
                runs=', '.join(run._run_label() for run in done)))

    def action_run_now(self):
        """Carry out this run now (again, if it failed): what it billed is not billed twice."""
        for run in self:
            run._carry_out()

    def action_test_report(self):
        """Test Report: the proforma invoices this run would make now and every problem;
        writes nothing. Run as Shown carries the run out."""
        self.ensure_one()
        return self.env['service.test.report']._open_for('schedule_run', self)

    def _service_test_report_source(self):
        """What carrying out this run would make: the ready items up to the cut-off, grouped
        and built as ``service.billing.item._create_proformas`` builds them, and the items
        it would leave out."""
        self.ensure_one()
        schedule = self.schedule_id
        items = self.env['service.billing.item'].search(
            schedule._item_domain(self.cutoff_date), order='date, id')
        source = ReportSource(options=self.env._(
            "Run of %(run_date)s, items ready up to %(cutoff)s, %(grouping)s: draft proforma "
            "invoices.", run_date=format_date(self.env, self.run_date),
            cutoff=format_date(self.env, self.cutoff_date),
            grouping=dict(schedule._fields['grouping']._description_selection(self.env))[
                schedule.grouping]))
        if not items:
            source.problems.append(('info', 'skipped', self.env._(
                "Nothing was ready to invoice up to %(date)s: no invoice.",
                date=format_date(self.env, self.cutoff_date))))
            return source
        pieces, refused = items._invoice_pieces()
        source.problems += list(dict.fromkeys(
            ('error', 'contract' if item.contract_id else 'refused', reason)
            for item, reason in refused))
        groups = defaultdict(list)
        for piece in pieces:
            groups[piece['key'][schedule.grouping]].append(piece)
        notes = []
        source.vals_list = [items._proforma_vals(group, self.run_date, deduct_down_payments=True,
                                                 notes=notes) for group in groups.values()]
        source.problems += [('warning', 'down_payment', note) for note in notes]
        return source

    def _carry_out_due(self, commit=False, tries=MAX_TRIES):
        """Carry out this run for a worker of the daily job: locked first (SKIP LOCKED), so
        that a run another worker holds or has carried out is skipped. With ``commit`` (the
        job commits run by run), a run that meets another transaction's changes (a
        serialization failure, a deadlock) is done again in a new transaction, as the
        contract batch does its chunk again, and one whose items another run holds is left
        for later; without, the error goes up to Odoo, which does the request again.
        Returns 'done', 'busy' (its items held by another run) or 'skipped' (held or
        carried out by another worker, or given up and said on the run)."""
        self.ensure_one()
        for attempt in range(1, tries + 1):
            run = try_lock(self, commit_retries=2 if commit else 0)
            if not run or run.state != 'not_run':
                return 'skipped'
            try:
                run._carry_out()
                return 'done'
            except RETRIED_ERRORS as error:
                if not commit:
                    raise
                self.env.cr.rollback()
                if isinstance(error, ConcurrencyError):
                    return 'busy'
                _logger.info("Invoice schedule run %s: %s, done again (%d tries left)",
                             self.id, error.pgcode, tries - attempt)
                if attempt < tries:
                    time.sleep(random.uniform(0.0, 0.5 * attempt))
        run = try_lock(self, commit_retries=2)
        if run and run.state == 'not_run':
            trusted(run).write({'state': 'failed', 'message': self.env._(
                "Other runs changed the same invoices and items %(tries)s times while this run "
                "was carried out: nothing was made. Click Run Now to carry it out again.",
                tries=tries)})
        return 'skipped'

    def _carry_out(self):
        """Proforma invoices of the ready items dated up to the cut-off; the run says what
        it did, or why it failed."""
        self.ensure_one()
        run = trusted(self)
        schedule = self.schedule_id
        try:
            self._check_run_date()  # a run planned before the dates were checked
        except ValidationError as error:
            run.write({'state': 'failed', 'message': str(error)})
            return
        items = self.env['service.billing.item'].search(
            schedule._item_domain(self.cutoff_date), order='date, id')
        # The items are this run's until it commits: another run (of another schedule over
        # the same contracts or orders) skips them, and waits rather than bill them twice.
        if len(items.try_lock_for_update(allow_referencing=True)) != len(items):
            raise ConcurrencyError(self.env._(
                "%(run)s: items are being invoiced by another run.", run=self._run_label()))
        if not items:
            run.write({'state': 'succeeded', 'message': self.env._(
                "Nothing was ready to invoice up to %(date)s: no invoice.",
                date=format_date(self.env, self.cutoff_date))})
            return
        try:
            with self.env.cr.savepoint():
                invoices, left_out = items._create_proformas(
                    schedule.grouping, invoice_date=self.run_date)
                trusted(invoices).write({'service_proforma': True,
                                'service_cutoff_date': self.cutoff_date,
                                'service_grouping': schedule.grouping})
        except CONCURRENCY_ERRORS:
            raise
        except psycopg2.errors.ExclusionViolation as error:
            # A period this run bills was billed by another run since this transaction
            # began (a day of a contract is billed once): no refusal, the run is done again
            # later in a new transaction, where that period is no longer ready.
            raise ConcurrencyError(self.env._(
                "%(run)s met a period billed meanwhile by another run.",
                run=self._run_label())) from error
        except Exception as error:  # one failing run never stops the others: it is recorded
            run.write({'state': 'failed', 'message': str(error)})
            return
        run.write({
            'state': 'succeeded' if invoices or not left_out else 'failed',
            'invoice_ids': [fields.Command.link(invoice.id) for invoice in invoices],
            'message': '\n'.join([self.env._("1 invoice made.") if len(invoices) == 1
                                  else self.env._("%(count)s invoices made.",
                                                  count=len(invoices))]
                                 + list(dict.fromkeys(reason for _item, reason in left_out))),
        })

    def _run_label(self):
        """The run in words: its date and its schedule."""
        self.ensure_one()
        return self.env._("Run of %(date)s of invoice schedule %(schedule)s",
                          date=format_date(self.env, self.run_date),
                          schedule=self.schedule_id.display_name)

    def _check_written_by_the_schedule(self, operation, vals_list=()):
        """A run's date, status, message and invoices are what its schedule planned and
        what carrying it out did: written by the product's own flows only (``trusted``),
        never by a form, an import or the API, a manager's included."""
        if is_trusted(self):
            return
        self.check_access(operation)  # who may not write runs at all is told so by Odoo
        runs = [run._run_label() for run in self]
        schedule_ids = {vals.get('schedule_id') for vals in vals_list}
        schedules = self.env['service.invoice.schedule'].browse(
            schedule_id for schedule_id in schedule_ids if isinstance(schedule_id, int))
        runs += [self.env._("New run of invoice schedule %(schedule)s",
                            schedule=schedule.display_name)
                 for schedule in schedules.exists()._filtered_access('read')]
        raise UserError(self.env._(
            "%(runs)s: a run is written by its schedule only. Its date, status, message and "
            "invoices say what the schedule planned and what the run did. To plan runs, set "
            "the schedule's dates and click Generate Invoice Schedule; to carry a run out "
            "(again, if it failed), click Run Now.",
            runs='; '.join(runs) or self.env._("Run of an invoice schedule")))
