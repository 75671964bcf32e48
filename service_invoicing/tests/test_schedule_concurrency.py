"""Two schedule workers at once, each in its own transaction on a committed database: every run
is carried out once, each period billed once, and both workers finish."""

import threading
from datetime import date

from freezegun import freeze_time

from odoo import api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger
from .common import (
    CommittedIntegrityMixin, committed_contracts, remove_committed_contracts, run_workers)

RETRY_LOGGERS = ('odoo.addons.service_invoicing.models.service_invoice_schedule', 'odoo.sql_db')


class CommittedSchedulesCase(CommittedIntegrityMixin, BaseCase):
    """Six signed monthly contracts of one customer (January to March due on 1 April), a
    schedule per contract and one for the customer, each with its runs of February, March and
    April; committed to the database, removed afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with freeze_time('2026-04-01'), cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner, product, contracts = committed_contracts(env, "Schedule Workers", 6)
            Schedule = env['service.invoice.schedule']
            dates = {'date_from': date(2026, 2, 1), 'date_to': date(2026, 4, 30),
                     'day_of_month': 1, 'grouping': 'source'}
            # The customer's schedule first: its runs come first on each date.
            customers = Schedule.create({'partner_id': partner.id, **dates})
            per_contract = Schedule.create([{'contract_id': contract.id, **dates}
                                            for contract in contracts])
            (customers | per_contract).action_generate_runs()
            cls.contract_ids, cls.partner_id, cls.product_id = contracts.ids, partner.id, product.id
            cls.customer_schedule_id, cls.contract_schedule_ids = customers.id, per_contract.ids

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env['service.invoice.schedule'].browse(
                [cls.customer_schedule_id, *cls.contract_schedule_ids]).unlink()
            remove_committed_contracts(env, cls.contract_ids, cls.product_id, cls.partner_id)
        super().tearDownClass()

    def runs(self, env):
        return env['service.invoice.schedule'].browse(
            [self.customer_schedule_id, *self.contract_schedule_ids]).run_ids

    def billed(self):
        """The contracts' billed periods (all, distinct), the runs' states, their messages
        when not successful, the invoices the runs made and those of the contracts."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            cr.execute("""SELECT count(*), count(DISTINCT (contract_id, date_start))
                            FROM service_contract_period WHERE contract_id = ANY(%s)""",
                       [self.contract_ids])
            count, distinct = cr.fetchone()
            runs = self.runs(env)
            invoices = runs.invoice_ids
            return {'periods': count, 'distinct': distinct,
                    'states': sorted(set(runs.mapped('state'))),
                    'invoices': len(invoices),
                    'invoices_of_the_contracts': len(
                        env['service.contract'].browse(self.contract_ids).period_ids.invoice_id),
                    'messages': [run.message for run in runs if run.state != 'succeeded']}


@tagged('post_install', '-at_install')
class TestScheduleWorkers(CommittedSchedulesCase):

    def test_two_workers_at_once_carry_out_each_run_once_and_both_finish(self):
        done, errors = {}, {}
        barrier = threading.Barrier(2)
        # Cursors and environments made here (see test_contract_concurrency.py: the first
        # environment of a cursor waits on a lock the test runner holds).
        cursors = {name: self.registry.cursor() for name in 'ab'}
        envs = {name: api.Environment(cr, api.SUPERUSER_ID, {}) for name, cr in cursors.items()}

        def worker(name):  # any error is kept and asserted below
            try:
                barrier.wait()
                done[name] = envs[name]['service.invoice.schedule']._run_due_schedules(
                    commit=True).ids
            except Exception as error:  # pylint: disable=broad-except
                errors[name] = repr(error)
                cursors[name].rollback()

        with freeze_time('2026-04-01'), mute_logger(*RETRY_LOGGERS):
            run_workers(worker, cursors)
        self.assertEqual(errors, {}, "both workers finish")
        # 21 runs (7 schedules, 3 dates), each carried out by one worker only.
        self.assertEqual(len(done['a']) + len(done['b']), 21, done)
        self.assertFalse(set(done['a']) & set(done['b']))
        # January to March of each of the six contracts, billed once, every run succeeded
        # and links the invoices it made.
        billed = self.billed()
        self.assertEqual((billed['periods'], billed['distinct'], billed['states'],
                          billed['messages']), (18, 18, ['succeeded'], []))
        self.assertEqual(billed['invoices'], billed['invoices_of_the_contracts'])


@tagged('post_install', '-at_install')
class TestScheduleWorkerThatBeganBefore(CommittedSchedulesCase):
    """A worker whose transaction began before another worker committed: Odoo's transactions
    see the database as it was when they began."""

    def test_a_worker_skips_the_runs_another_carried_out_meanwhile(self):
        with freeze_time('2026-04-01'), self.registry.cursor() as cr_a, \
                self.registry.cursor() as cr_b:
            cr_b.execute("SELECT 1")  # worker B's transaction begins
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            first = env_a['service.invoice.schedule']._run_due_schedules(commit=True)
            self.assertEqual(len(first), 21)
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            with mute_logger(*RETRY_LOGGERS):
                second = env_b['service.invoice.schedule']._run_due_schedules(commit=True)
            self.assertFalse(second, "every run was carried out by worker A")
        billed = self.billed()
        self.assertEqual((billed['periods'], billed['distinct'], billed['states']),
                         (18, 18, ['succeeded']))


@tagged('post_install', '-at_install')
class TestScheduleRunThatMeetsAnotherWorkersBilling(CommittedSchedulesCase):
    """Two schedules over the same contracts (the customer's and each contract's), carried
    out by two workers: a run whose transaction began before the other worker billed the same
    periods is done again in a new transaction, as Odoo does again a request."""

    def test_a_run_meeting_what_another_worker_billed_meanwhile_is_done_again(self):
        with freeze_time('2026-04-01'), self.registry.cursor() as cr_a, \
                self.registry.cursor() as cr_b:
            cr_b.execute("SELECT 1")  # worker B's transaction begins
            # Worker A carries out the February run of each contract's schedule.
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            for run in self.runs(env_a).filtered(
                    lambda run: run.run_date == date(2026, 2, 1)
                    and run.schedule_id.id != self.customer_schedule_id):
                run._carry_out()
                cr_a.commit()  # pylint: disable=invalid-commit
            # Worker B begins with the customer's February run: it still sees January ready
            # on all six contracts, that worker A has billed since.
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            with mute_logger(*RETRY_LOGGERS):
                second = env_b['service.invoice.schedule']._run_due_schedules(commit=True)
            customers_february = self.runs(env_b).filtered(
                lambda run: run.run_date == date(2026, 2, 1)
                and run.schedule_id.id == self.customer_schedule_id)
            self.assertIn(customers_february, second)
            self.assertRecordValues(customers_february, [{'state': 'succeeded',
                                                          'invoice_ids': []}])
            self.assertIn("Nothing was ready", customers_february.message)
        billed = self.billed()
        self.assertEqual((billed['periods'], billed['distinct'], billed['states'],
                          billed['messages']), (18, 18, ['succeeded'], []))


@tagged('post_install', '-at_install')
class TestScheduleRunWhoseItemsAnotherRunHolds(CommittedSchedulesCase):
    """Worker A is carrying out the customer's run (not committed yet) when worker B comes
    to each contract's run of the same periods: B neither waits for A nor bills them again;
    it leaves those runs for later, and once A is done they find nothing left."""

    def test_a_run_whose_items_another_run_holds_is_left_for_later(self):
        with freeze_time('2026-02-01'), self.registry.cursor() as cr_a, \
                self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            customers_february = self.runs(env_a).filtered(
                lambda run: run.run_date == date(2026, 2, 1)
                and run.schedule_id.id == self.customer_schedule_id)
            customers_february._carry_out()
            cr_a.flush()
            self.assertEqual(len(customers_february.invoice_ids), 6)
            # Worker B would rather fail than wait for A (who waits for B in this test).
            cr_b.execute("SET lock_timeout = '5s'")
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            with mute_logger(*RETRY_LOGGERS):
                left = env_b['service.invoice.schedule']._run_due_schedules(commit=True)
            self.assertFalse(left, "B carried out nothing: A holds every run's items")
            cr_a.commit()  # pylint: disable=invalid-commit
            # The next job: the contracts' runs find January billed by A.
            done = env_b['service.invoice.schedule']._run_due_schedules(commit=True)
            self.assertEqual(len(done), 6)
            self.assertEqual(set(done.mapped('message')),
                             {"Nothing was ready to invoice up to 01/31/2026: no invoice."})
        billed = self.billed()
        self.assertEqual((billed['periods'], billed['distinct'], billed['invoices']), (6, 6, 6))
