from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
class TestInvoiceSchedules(ServiceOrderCommon):
    """Run dates with their cut-off and status, carried out by a daily job."""

    def schedule(self, **values):
        return self.env['service.invoice.schedule'].create({
            'date_from': date(2026, 1, 1), 'date_to': date(2026, 3, 31), **values})

    def test_generated_run_dates_and_cutoffs(self):
        monthly = self.schedule(partner_id=self.customer.id, day_of_month=31)
        monthly.action_generate_runs()
        self.assertEqual(monthly.run_ids.mapped('run_date'),
                         [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)])
        self.assertEqual(monthly.run_ids.mapped('cutoff_date'),
                         [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 30)])
        self.assertEqual(set(monthly.run_ids.mapped('state')), {'not_run'})
        biweekly = self.schedule(frequency='biweekly', weekday='4')  # Fridays
        biweekly.action_generate_runs()
        self.assertEqual(biweekly.run_ids[:3].mapped('run_date'),
                         [date(2026, 1, 2), date(2026, 1, 16), date(2026, 1, 30)])
        weekly = self.schedule(frequency='weekly', weekday='0', date_to=date(2026, 1, 31))
        weekly.action_generate_runs()
        weekly.action_generate_runs()  # planned dates are kept, not doubled
        self.assertEqual(len(weekly.run_ids), 4)
        with self.assertRaises(ValidationError):
            self.schedule(day_of_month=0)

    def test_the_daily_job_bills_what_is_ready_up_to_the_cutoff_once(self):
        order = self.create_order([(self.labour, 5.0)])
        with freeze_time('2026-01-20'):
            self.post(order, 'ship', ship={self.labour: 2.0})
        with freeze_time('2026-02-10'):
            self.post(order, 'ship', ship={self.labour: 3.0})
        schedule = self.schedule(order_id=order.id, grouping='source', day_of_month=1)
        schedule.action_generate_runs()
        january, february, march = schedule.run_ids
        with freeze_time('2026-02-01'):
            self.env['service.invoice.schedule']._run_due_schedules()
        # The January run (cut-off 31 December) found nothing; February's took January's 2 h.
        self.assertEqual((january | february | march).mapped('state'),
                         ['succeeded', 'succeeded', 'not_run'])
        self.assertFalse(january.invoice_ids)
        self.assertIn("Nothing was ready", january.message)
        self.assertEqual(february.invoice_ids.invoice_line_ids.quantity, 2.0)
        self.assertTrue(february.invoice_ids.service_proforma)
        # Running a run date again makes nothing twice.
        february.action_run_now()
        self.assertEqual(len(february.invoice_ids), 1)
        with freeze_time('2026-03-01'):
            self.env['service.invoice.schedule']._run_due_schedules()
        self.assertEqual(march.invoice_ids.invoice_line_ids.quantity, 3.0)

    def test_a_failing_run_is_recorded_and_the_others_go_on(self):
        contract = self.create_contract()
        contract.action_open()  # cannot be invoiced while Open
        order = self.create_order([(self.labour, 1.0)], partner=self.customer_2)
        with freeze_time('2026-01-05'):
            self.post(order, 'ship', ship={self.labour: 1.0})
        failing = self.schedule(contract_id=contract.id, day_of_month=1)
        working = self.schedule(partner_id=self.customer_2.id, day_of_month=1)
        (failing | working).action_generate_runs()
        with freeze_time('2026-02-01'):
            self.env['service.invoice.schedule']._run_due_schedules()
        failed_run = failing.run_ids.filtered(lambda run: run.run_date == date(2026, 2, 1))
        self.assertEqual(failed_run.state, 'failed')
        self.assertIn("is Open", failed_run.message)
        done = working.run_ids.filtered(lambda run: run.run_date == date(2026, 2, 1))
        self.assertEqual(done.state, 'succeeded')
        self.assertEqual(done.invoice_ids.partner_id, self.customer_2)
