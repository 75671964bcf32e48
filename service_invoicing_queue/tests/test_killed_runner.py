import os
import signal
import time
from datetime import date

from odoo import api
from odoo.tests import get_db_name, tagged

from odoo.addons.service_invoicing.tests.test_contract_concurrency import (
    CommittedContractsCase)
from .common import free_port, start_job_runner

JANUARY_END = date(2026, 1, 31)


@tagged('post_install', '-at_install')
class TestKilledRunner(CommittedContractsCase):
    """A job runner's Odoo server killed (SIGKILL) in the middle of a chunk: the chunk's
    transaction dies with it, queue_job runs the job again on the next runner, and every
    period is billed once, none lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            parameters = api.Environment(cr, api.SUPERUSER_ID, {})['ir.config_parameter']
            cls.chunk_size = parameters.get_param('service_invoicing_queue.chunk_size')
            parameters.set_param('service_invoicing_queue.chunk_size', 5)
        cls.servers = []

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=60)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            runs = env['service.invoicing.run'].search(
                [('chunk_ids.contract_ids', 'in', cls.contract_ids)])
            env['queue.job'].search([('uuid', 'in', runs._job_uuids())]).unlink()
            runs.unlink()
            env['ir.config_parameter'].set_param(
                'service_invoicing_queue.chunk_size', cls.chunk_size or False)
        super().tearDownClass()

    def sql(self, query, params=()):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def wait_for(self, condition, what, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.5)
        self.fail(f"Waited {timeout} s for {what}")

    def test_a_runner_killed_mid_chunk_bills_every_period_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            run = env['service.invoicing.run']._enqueue_contract_run(
                self.contract_ids, JANUARY_END, JANUARY_END, 'wizard')
            run_id, jobs = run.id, len(run.chunk_ids)
        self.assertEqual(jobs, 4)

        # Billed periods cannot be written while this transaction holds their table: the
        # first chunk's job stops mid-chunk, its invoices created, until the server dies.
        blocker = self.registry.cursor()
        try:
            blocker.execute("LOCK TABLE service_contract_period IN EXCLUSIVE MODE")
            first = start_job_runner(get_db_name(), free_port())
            self.servers.append(first)
            self.wait_for(lambda: self.sql(
                """SELECT 1 FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock'
                      AND query ILIKE '%%service_contract_period%%'"""),
                "a job waiting in the middle of its chunk")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            blocker.rollback()
            blocker.close()
        started = self.sql(
            "SELECT count(*) FROM queue_job WHERE state = 'started' AND uuid IN "
            "(SELECT job_uuid FROM service_invoicing_run_chunk WHERE run_id = %s)", [run_id])
        self.assertEqual(started, [(1,)], "The killed server left its job started")
        self.wait_for(lambda: not self.sql(
            """SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                AND wait_event_type = 'Lock' AND query ILIKE '%%service_contract_period%%'"""),
            "the killed server's transaction to end", timeout=60)
        self.assertEqual(self.count_periods(), (0, 0),
                         "Nothing of the killed chunk was committed")

        # Run again: the next runner finds the dead job, runs it again, and the rest.
        second = start_job_runner(get_db_name(), free_port())
        self.servers.append(second)
        self.wait_for(lambda: self.sql(
            "SELECT state FROM service_invoicing_run WHERE id = %s", [run_id]) == [('done',)],
            "the run to end")
        self.assertEqual(self.count_periods(), (20, 20))
        self.assertEqual(self.sql(
            """SELECT created_count, invoiced_count, skipped_count, failed_count
                 FROM service_invoicing_run WHERE id = %s""", [run_id]), [(20, 20, 0, 0)])
        # queue_job counts each start of a job: the killed chunk's job ran twice.
        runs = self.sql(
            "SELECT retry FROM queue_job WHERE uuid IN (SELECT job_uuid FROM "
            "service_invoicing_run_chunk WHERE run_id = %s) ORDER BY retry", [run_id])
        self.assertEqual(runs, [(1,), (1,), (1,), (2,)])
