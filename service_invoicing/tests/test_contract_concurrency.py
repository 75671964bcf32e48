import threading
from datetime import date

from freezegun import freeze_time

from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger
from .common import (
    CommittedIntegrityMixin, committed_contracts, remove_committed_contracts, run_workers)


class CommittedContractsCase(CommittedIntegrityMixin, BaseCase):
    """Twenty signed monthly contracts committed to the database, removed afterwards.

    Runs that commit (the daily job) or compete (two workers) need real transactions.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            partner, product, contracts = committed_contracts(
                api.Environment(cr, api.SUPERUSER_ID, {}), "Concurrency", 20)
            cls.contract_ids = contracts.ids
            cls.partner_id, cls.product_id = partner.id, product.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            remove_committed_contracts(api.Environment(cr, api.SUPERUSER_ID, {}),
                                       cls.contract_ids, cls.product_id, cls.partner_id)
        super().tearDownClass()

    def run_invoicing(self, cr, invoice_to_date):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        contracts = env['service.contract'].browse(self.contract_ids)
        return contracts._create_contract_invoices(invoice_to_date, invoice_to_date)

    def count_periods(self):
        with self.registry.cursor() as cr:
            cr.execute("""SELECT count(*), count(DISTINCT (contract_id, date_start))
                            FROM service_contract_period WHERE contract_id = ANY(%s)""",
                       [self.contract_ids])
            return cr.fetchone()



@tagged('post_install', '-at_install')
class TestContractConcurrency(CommittedContractsCase):
    """Two runs at the same time, each in its own transaction, bill each period once."""

    def test_a_second_run_skips_what_the_first_holds_then_finds_nothing_due(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            first = self.run_invoicing(cr_a, date(2026, 1, 31))
            self.assertEqual(len(first.invoiced), 20)
            second = self.run_invoicing(cr_b, date(2026, 1, 31))
            self.assertFalse(second.invoices)
            self.assertEqual(len(second.skipped), 20)
            self.assertIn("being invoiced by another run", second.skipped[0][1])
            cr_a.commit()
            cr_b.rollback()
        with self.registry.cursor() as cr_c:
            rerun = self.run_invoicing(cr_c, date(2026, 1, 31))
            self.assertFalse(rerun.invoices)
        self.assertEqual(self.count_periods(), (20, 20))

    def test_parallel_workers_split_the_work_and_bill_each_period_once(self):
        results = {}
        barrier = threading.Barrier(2)
        # Each worker's cursor and environment are made here: the first environment of a
        # cursor looks its registry up, which waits on a lock that Odoo's test runner
        # (odoo-bin --test-enable) holds while it runs the tests.
        cursors = {name: self.registry.cursor() for name in 'ab'}
        envs = {name: api.Environment(cr, api.SUPERUSER_ID, {}) for name, cr in cursors.items()}

        def worker(name):
            barrier.wait()
            contracts = envs[name]['service.contract'].browse(self.contract_ids)
            result = contracts._create_contract_invoices(date(2026, 2, 28), date(2026, 2, 28))
            results[name] = (len(result.invoiced), len(result.skipped))
            cursors[name].commit()  # pylint: disable=invalid-commit

        run_workers(worker, cursors)
        invoiced = sum(count for count, _skipped in results.values())
        self.assertEqual(invoiced, 20, results)
        # Each contract billed once for January and once for February, whoever billed it.
        count, distinct = self.count_periods()
        self.assertEqual(count, distinct)
        self.assertLessEqual(count, 40)


@tagged('post_install', '-at_install')
class TestContractRunsThatOverlap(CommittedContractsCase):
    """A run whose transaction began before another run committed: Odoo's transactions see
    the database as it was when they began, so it cannot lock what the other run billed."""

    def test_a_run_that_began_before_another_committed_leaves_or_retakes_the_contracts(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            cr_b.execute("SELECT 1")  # run B's transaction begins
            self.assertEqual(len(self.run_invoicing(cr_a, date(2026, 1, 31)).invoiced), 20)
            cr_a.commit()  # pylint: disable=invalid-commit
            late = self.run_invoicing(cr_b, date(2026, 1, 31))
            self.assertFalse(late.invoices)
            self.assertEqual(len(late.skipped), 20)
            self.assertIn("was changed by another run or user", late.skipped[0][1])
            cr_b.rollback()
        self.assertEqual(self.count_periods(), (20, 20))
        # A run that commits per chunk (the daily job, workers) sees the other's work instead.
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            cr_b.execute("SELECT 1")
            self.assertEqual(len(self.run_invoicing(cr_a, date(2026, 2, 28)).invoiced), 20)
            cr_a.commit()  # pylint: disable=invalid-commit
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            result = env_b['service.contract']._run_contract_invoicing(
                [('id', 'in', self.contract_ids)], date(2026, 2, 28), date(2026, 2, 28),
                chunk_size=7, commit=True)
            self.assertFalse(result.invoices)
            self.assertEqual(len(result.skipped), 20)
            self.assertIn("has no period due", result.skipped[0][1])
        self.assertEqual(self.count_periods(), (40, 40))


@tagged('post_install', '-at_install')
class TestQueuedSendingWorkers(CommittedContractsCase):

    def test_a_worker_that_began_before_another_sent_claims_the_next_invoices(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            contracts = env['service.contract'].browse(self.contract_ids)
            invoices = contracts._create_contract_invoices(
                date(2026, 1, 31), date(2026, 1, 31), post=True).invoices
            self.assertEqual(len(invoices), 20)
            invoices.sending_data = {'author_user_id': env.user.id,
                                     'author_partner_id': env.user.partner_id.id}
            cr.commit()  # pylint: disable=invalid-commit
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                cr_b.execute("SELECT 1")  # worker B's transaction begins
                moves_a = api.Environment(cr_a, api.SUPERUSER_ID, {})[
                    'account.move']._service_claim_queued_invoices(5)
                moves_a.sending_data = False  # worker A sent them
                cr_a.commit()  # pylint: disable=invalid-commit
                moves_b = api.Environment(cr_b, api.SUPERUSER_ID, {})[
                    'account.move']._service_claim_queued_invoices(5)
                self.assertEqual(len(moves_b), 5)
                self.assertFalse(set(moves_a.ids) & set(moves_b.ids))
                self.assertTrue(all(moves_b.mapped('sending_data')))
                cr_b.rollback()
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                invoices = env['account.move'].browse(invoices.ids)
                invoices.sending_data = False
                invoices.button_draft()


@tagged('post_install', '-at_install')
class TestContractCron(CommittedContractsCase):

    def test_daily_job_commits_per_chunk_and_reruns_create_nothing(self):
        with freeze_time('2026-02-01'), self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            opened = env['service.contract'].browse(self.contract_ids[0])
            opened.action_open()
            cr.commit()  # pylint: disable=invalid-commit
            result = env['service.contract']._run_contract_invoicing(
                [('id', 'in', self.contract_ids)], date(2026, 1, 31), date(2026, 2, 1),
                chunk_size=7, commit=True)
            self.assertEqual(len(result.invoiced), 19)
            self.assertEqual([contract.id for contract, _error in result.failed], [opened.id])
        with self.registry.cursor() as cr:
            # Committed chunk by chunk: another transaction sees every invoice.
            cr.execute("SELECT count(*) FROM service_contract_period WHERE contract_id = ANY(%s)",
                       [self.contract_ids])
            self.assertEqual(cr.fetchone()[0], 19)
            cr.execute("SELECT invoice_error FROM service_contract WHERE id = %s",
                       [self.contract_ids[0]])
            self.assertIn("is Open", cr.fetchone()[0])
        with freeze_time('2026-02-01'), self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env['service.contract'].browse(self.contract_ids[0]).action_lock()
            cr.commit()  # pylint: disable=invalid-commit
            cron = env.ref('service_invoicing.ir_cron_create_contract_invoices')
            cron.method_direct_trigger()
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self.count_periods(), (20, 20))


@tagged('post_install', '-at_install')
class TestConcurrentRunsThatPost(CommittedIntegrityMixin, BaseCase):
    """Two managers create and post contract invoices at the same time, on different contracts
    of the same new customers: Odoo raises the rank of a new customer in the posting
    transaction, so the second run meets a serialization failure. It is no refusal: the run
    is done again, and nothing is left as a draft."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partners = env['res.partner'].create(
                [{'name': f"New customer {index}"} for index in range(3)])
            product = env['product.product'].create(
                {'name': "Concurrency Service", 'type': 'service', 'lst_price': 1200.0})
            contracts = env['service.contract'].create([{
                'partner_id': partner.id, 'date_start': date(2026, 1, 1),
                'invoice_period': 'month',
                'line_ids': [Command.create({'product_id': product.id})],
            } for _run in 'ab' for partner in partners])
            contracts.action_sign()
            cls.ids_a, cls.ids_b = contracts[:3].ids, contracts[3:].ids
            cls.partner_ids, cls.product_id = partners.ids, product.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            contracts = env['service.contract'].browse(cls.ids_a + cls.ids_b)
            invoices = contracts.period_ids.invoice_id
            invoices.filtered(lambda move: move.state == 'posted').button_draft()
            invoices.unlink()
            contracts.action_open()
            contracts.unlink()
            env['product.product'].browse(cls.product_id).unlink()
            env['res.partner'].browse(cls.partner_ids).unlink()
        super().tearDownClass()

    def reset(self):
        """Back to new customers and unbilled contracts (another test of the class ran)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            invoices = env['service.contract'].browse(self.ids_a + self.ids_b) \
                .period_ids.invoice_id
            invoices.filtered(lambda move: move.state == 'posted').button_draft()
            invoices.unlink()
            env['res.partner'].browse(self.partner_ids).write({'customer_rank': 0})

    def states(self, ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            return sorted(env['service.contract'].browse(ids).period_ids.invoice_id
                          .mapped('state'))

    def test_a_request_is_done_again_as_odoo_retries_it(self):
        self.reset()
        attempts = []
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            cr_b.execute("SELECT 1")  # manager B's request begins
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            first = env_a['service.contract'].browse(self.ids_a)._create_contract_invoices(
                date(2026, 1, 31), date(2026, 1, 31), post=True)
            self.assertEqual(set(first.invoices.mapped('state')), {'posted'})
            cr_a.commit()  # pylint: disable=invalid-commit
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})

            def run_b():
                attempts.append(len(attempts) + 1)
                wizard = env_b['service.contract.invoice.wizard'].create({
                    'contract_ids': [Command.set(self.ids_b)], 'post_invoices': True,
                    'invoice_to_date': date(2026, 1, 31), 'posting_date': date(2026, 1, 31)})
                wizard.action_run()
                return wizard.read(['created_count', 'failed_count'])[0]

            # What Odoo does with every RPC and HTTP request (and commits at the end).
            with mute_logger('odoo.service.model', 'odoo.sql_db'):
                figures = retrying(run_b, env_b)
        self.assertEqual(attempts, [1, 2], "the first attempt met the customers' new rank")
        self.assertEqual((figures['created_count'], figures['failed_count']), (3, 0))
        self.assertEqual(self.states(self.ids_b), ['posted'] * 3)

    def test_a_run_that_commits_per_chunk_does_its_chunk_again(self):
        self.reset()
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            cr_b.execute("SELECT 1")  # the daily job's transaction begins
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            env_a['service.contract'].browse(self.ids_a)._create_contract_invoices(
                date(2026, 1, 31), date(2026, 1, 31), post=True)
            cr_a.commit()  # pylint: disable=invalid-commit
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            with mute_logger('odoo.addons.service_invoicing.models.service_contract_billing',
                             'odoo.sql_db'):
                result = env_b['service.contract']._run_contract_invoicing(
                    [('id', 'in', self.ids_b)], date(2026, 1, 31), date(2026, 1, 31),
                    post=True, commit=True)
            self.assertFalse(result.failed)
            self.assertEqual(len(result.invoices), 3)
        self.assertEqual(self.states(self.ids_b), ['posted'] * 3)
        self.assertEqual(self.states(self.ids_a), ['posted'] * 3)
