"""Invoice schedules driven through JSON-RPC as a Service Manager: a run's record is written by
its schedule only, and a schedule's dates stay within what the company can bill."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import ServiceOrderCommon
from .test_rpc_hostile_input import HostileRpcMixin

WRITTEN_BY_THE_SCHEDULE = "is written by its schedule"
OUTSIDE = "is outside the dates .* can bill"


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestScheduleRunsHostileRpc(HostileRpcMixin, ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        with freeze_time('2026-03-15'):
            cls.order = cls.create_order([(cls.labour, 2.0)])
            cls.schedule = cls.env['service.invoice.schedule'].create({
                'order_id': cls.order.id, 'grouping': 'source', 'day_of_month': 1,
                'date_from': date(2026, 1, 1), 'date_to': date(2026, 6, 30)})
            cls.schedule.action_generate_runs()
            # Another customer's invoice, which no run made.
            cls.unrelated = cls.init_invoice('out_invoice', partner=cls.customer_2,
                                             amounts=[500.0], post=True)

    def run_of(self, day):
        return self.schedule.run_ids.filtered(lambda run: run.run_date == day)

    def test_a_run_is_written_by_its_schedule_only(self):
        march = self.run_of(date(2026, 3, 1))
        runs_before = self.schedule.run_ids
        Run = 'service.invoice.schedule.run'
        cases = [
            (UserError, WRITTEN_BY_THE_SCHEDULE, self.si_manager, Run, 'write', march.ids, vals)
            for vals in [
                {'state': 'succeeded'},
                {'message': "Paid in full"},
                {'run_date': '2026-07-01'},
                {'cutoff_date': '2026-12-31'},
                {'invoice_ids': [Command.set(self.unrelated.ids)]},
                {'invoice_ids': [Command.link(self.unrelated.id)], 'state': 'succeeded',
                 'message': "1 invoices made."},
                {'schedule_id': self.env['service.invoice.schedule'].create({
                    'partner_id': self.customer_2.id, 'date_from': date(2026, 1, 1),
                    'date_to': date(2026, 1, 31)}).id},
            ]
        ] + [
            (UserError, WRITTEN_BY_THE_SCHEDULE, self.si_manager, Run, 'create', vals)
            for vals in [
                {'schedule_id': self.schedule.id, 'run_date': '2026-03-02',
                 'state': 'succeeded', 'message': "1 invoices made.",
                 'invoice_ids': [Command.set(self.unrelated.ids)]},
                {'schedule_id': self.schedule.id, 'run_date': '2026-03-03'},
            ]
        ] + [
            # Through the schedule's runs too (the form's list of runs).
            (UserError, WRITTEN_BY_THE_SCHEDULE, self.si_manager, 'service.invoice.schedule',
             'write', self.schedule.ids, vals)
            for vals in [
                {'run_ids': [Command.update(march.id, {'state': 'succeeded'})]},
                {'run_ids': [Command.create({'run_date': '2026-03-04', 'state': 'failed'})]},
            ]
        ] + [
            (AccessError, "not allowed", self.si_user, Run, 'write', march.ids,
             {'state': 'succeeded'}),
            (AccessError, "", self.other_manager, Run, 'action_run_now', march.ids),
        ]
        with freeze_time('2026-02-10'):
            self.post(self.order, 'ship', ship={self.labour: 2.0})
        self.assert_each_refused(cases, march, self.unrelated)
        self.assertEqual(self.schedule.run_ids, runs_before)
        self.assertRecordValues(march, [{'state': 'not_run', 'message': False,
                                         'invoice_ids': [], 'run_date': date(2026, 3, 1)}])
        # What may be done, through the API: generate the runs, carry one out.
        self.rpc(self.si_manager, 'service.invoice.schedule', 'write', self.schedule.ids,
                 {'date_to': '2026-08-31'})
        self.rpc(self.si_manager, 'service.invoice.schedule', 'action_generate_runs',
                 self.schedule.ids)
        self.assertEqual(len(self.schedule.run_ids), 8)
        self.rpc(self.si_manager, Run, 'action_run_now', march.ids)
        self.assertEqual(march.state, 'succeeded')
        self.assertEqual(march.invoice_ids.invoice_line_ids.quantity, 2.0)
        self.assertNotIn(self.unrelated, march.invoice_ids)

    def test_the_message_names_the_run_and_what_to_do(self):
        march = self.run_of(date(2026, 3, 1))
        with self.assertRaises(UserError) as caught:
            self.rpc(self.si_manager, 'service.invoice.schedule.run', 'write', march.ids,
                     {'state': 'succeeded'})
        message = str(caught.exception)
        self.assertIn(self.schedule.display_name, message)
        self.assertIn("03/01/2026", message)
        self.assertIn("Generate Invoice Schedule", message)
        self.assertIn("Run Now", message)


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestScheduleDates(HostileRpcMixin, ServiceOrderCommon):
    """A schedule's dates and its runs' dates stay between 1990 and ten years after today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()

    def values(self, date_from, date_to, **values):
        return {'partner_id': self.customer.id, 'date_from': date_from, 'date_to': date_to,
                **values}

    def test_dates_outside_what_the_company_bills_are_refused(self):
        Schedule = 'service.invoice.schedule'
        schedule_id = self.rpc(self.si_manager, Schedule, 'create',
                               self.values('2026-01-01', '2026-12-31'))
        schedule = self.env[Schedule].browse(schedule_id)
        self.assert_each_refused([
            # 1899: twelve runs due at once.
            (ValidationError, f"First Run On or After: 01/01/1899 {OUTSIDE}", self.si_manager,
             Schedule, 'create', self.values('1899-01-01', '1899-12-31')),
            (ValidationError, f"Last Run On or Before: 12/31/9999 {OUTSIDE}", self.si_manager,
             Schedule, 'create', self.values('2026-01-01', '9999-12-31')),
            (ValidationError, f"First Run On or After: 11/01/9999 {OUTSIDE}", self.si_manager,
             Schedule, 'create', self.values('9999-11-01', '9999-12-31', frequency='biweekly')),
            (ValidationError, "12/31/1989", self.si_manager, Schedule, 'write',
             schedule.ids, {'date_from': '1989-12-31'}),
            (ValidationError, "03/16/2036", self.si_manager, Schedule, 'write',
             schedule.ids, {'date_to': '2036-03-16'}),
        ], schedule)
        with self.assertRaises(ValidationError) as caught:
            self.rpc(self.si_manager, Schedule, 'write', schedule.ids, {'date_from': '1899-01-01'})
        self.assertEqual(str(caught.exception), (
            f"Invoice schedule {schedule.name}, First Run On or After: 01/01/1899 is outside "
            f"the dates {self.env.company.name} can bill, 01/01/1990 to 03/15/2036. Correct "
            "the date."))
        # The last day allowed is allowed, and its runs are planned.
        self.rpc(self.si_manager, Schedule, 'write', schedule.ids,
                 {'date_from': '2036-01-01', 'date_to': '2036-03-15', 'day_of_month': 31})
        self.rpc(self.si_manager, Schedule, 'action_generate_runs', schedule.ids)
        self.assertEqual(schedule.run_ids.mapped('run_date'),
                         [date(2036, 1, 31), date(2036, 2, 29)])

    def test_a_schedule_saved_before_the_rule_gets_an_error_not_a_traceback(self):
        schedule = self.env['service.invoice.schedule'].create(
            self.values(date(2026, 1, 1), date(2026, 1, 31), frequency='weekly'))
        # Saved with the dates of an older release, which did not refuse them.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE service_invoice_schedule SET date_from = '9999-11-01', "
            "date_to = '9999-12-31' WHERE id = %s", [schedule.id])
        self.env.invalidate_all()
        self.assert_each_refused([
            (ValidationError, f"First Run On or After: 11/01/9999 {OUTSIDE}", self.si_manager,
             'service.invoice.schedule', 'action_generate_runs', schedule.ids),
        ], schedule)
        self.assertFalse(schedule.run_ids)

    def test_a_run_dated_1899_is_not_carried_out(self):
        order = self.create_order([(self.labour, 1.0)])
        self.post(order, 'ship', ship={self.labour: 1.0})
        schedule = self.env['service.invoice.schedule'].create(
            self.values(date(2026, 1, 1), date(2026, 1, 31), order_id=order.id))
        schedule.action_generate_runs()
        # A run planned by an older release, which did not refuse its date.
        self.env.flush_all()
        self.env.cr.execute("UPDATE service_invoice_schedule_run SET run_date = '1899-01-01', "
                            "cutoff_date = '1898-12-31' WHERE id = %s", [schedule.run_ids.id])
        self.env.invalidate_all()
        self.env['service.invoice.schedule']._run_due_schedules()
        self.assertEqual(schedule.run_ids.state, 'failed')
        self.assertRegex(schedule.run_ids.message, f"01/01/1899 {OUTSIDE}")
        self.assertFalse(schedule.run_ids.invoice_ids)

    def test_run_dates_up_to_the_last_day_of_year_9999(self):
        """The arithmetic of run dates never goes beyond the last run date: nothing after
        31 December 9999 is ever computed (it raised "year 10000 is out of range")."""
        last = date(9999, 12, 31)  # a Friday
        for start, values, expected in [
            (date(9999, 11, 1), {'day_of_month': 31}, [date(9999, 11, 30), last]),
            (date(9999, 11, 1), {'day_of_month': 1}, [date(9999, 11, 1), date(9999, 12, 1)]),
            (date(9999, 12, 1), {'frequency': 'weekly', 'weekday': '4'},
             [date(9999, 12, 3), date(9999, 12, 10), date(9999, 12, 17), date(9999, 12, 24),
              last]),
            (date(9999, 12, 1), {'frequency': 'biweekly', 'weekday': '4'},
             [date(9999, 12, 3), date(9999, 12, 17), last]),
            (last, {'frequency': 'weekly', 'weekday': '3'}, []),  # no Thursday left
        ]:
            with self.subTest(start=start, values=values):
                schedule = self.env['service.invoice.schedule'].new(
                    {'date_from': start, 'date_to': last, **values})
                self.assertEqual(schedule._run_dates(), expected)


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestScheduleRunsKept(HostileRpcMixin, ServiceOrderCommon):

    def test_a_run_carried_out_is_kept_as_its_record(self):
        self.setup_hostile_users()
        schedule = self.env['service.invoice.schedule'].create({
            'partner_id': self.customer.id, 'day_of_month': 1,
            'date_from': date(2026, 2, 1), 'date_to': date(2026, 4, 30)})
        schedule.action_generate_runs()
        self.env['service.invoice.schedule']._run_due_schedules()
        done = schedule.run_ids.filtered(lambda run: run.state != 'not_run')
        self.assertEqual(len(done), 2)
        self.assert_each_refused([
            (UserError, "was carried out: it stays as the record of what it billed",
             self.si_manager, 'service.invoice.schedule.run', 'unlink', done[:1].ids),
        ], done)
        # A run not carried out yet may go; the schedule goes with all its runs.
        april = schedule.run_ids - done
        self.rpc(self.si_manager, 'service.invoice.schedule.run', 'unlink', april.ids)
        self.assertFalse(april.exists())
        self.rpc(self.si_manager, 'service.invoice.schedule', 'unlink', schedule.ids)
        self.assertFalse(done.exists())
