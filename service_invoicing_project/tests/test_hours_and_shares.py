"""Hours and milestone shares driven through JSON-RPC as hostile users would: never more than
a day's 24 hours per employee, never a number that is not one, shares between 0 and 100 %."""

from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.service_invoicing.tests.test_rpc_hostile_input import HostileRpcMixin

from .common import ProjectBillingCommon

NAN, INF = float('nan'), float('inf')


@tagged('post_install', '-at_install')
class TestHoursAndShares(HostileRpcMixin, ProjectBillingCommon):

    def test_hours_beyond_a_day_or_not_numbers_are_refused(self):
        monday = date(2026, 3, 2)
        logged = self.log(6.0, monday, employee=self.eric)
        nina_logged = self.log(10.0, monday)
        day_full = (r"Eric Employee would have (\S+) h of timesheets on 03/02/2026: a day has "
                    r"24 hours")
        not_a_number = "Timesheet of Eric Employee on 03/02/2026: \\S+ is not a number"

        def create(user, hours, **vals):
            return (ValidationError, day_full if hours == hours and abs(hours) != INF
                    else not_a_number, user, 'account.analytic.line', 'create', {
                        'project_id': self.project.id, 'employee_id': self.eric.id,
                        'date': '2026-03-02', 'name': "Work", 'unit_amount': hours, **vals})
        self.assert_each_refused([
            create(self.employee_user, 1e300), create(self.employee_user, 18.5),
            create(self.employee_user, -1e300), create(self.env.user, 30.0),
            create(self.employee_user, NAN), create(self.employee_user, INF),
            create(self.employee_user, -INF),
        ] + [
            (ValidationError, day_full if hours == hours and abs(hours) != INF
             else not_a_number, self.employee_user, 'account.analytic.line', 'write',
             logged.ids, {'unit_amount': hours})
            for hours in (24.01, 1e300, NAN, INF)
        ], logged, nina_logged)
        # What a day holds is accepted, and negative corrections as Odoo takes them.
        self.rpc(self.employee_user, 'account.analytic.line', 'write', logged.ids,
                 {'unit_amount': 24.0})
        self.assertEqual(logged.unit_amount, 24.0)
        correction = self.rpc(self.employee_user, 'account.analytic.line', 'create', {
            'project_id': self.project.id, 'employee_id': self.eric.id, 'date': '2026-03-02',
            'name': "Correction", 'unit_amount': -2.0})
        self.assertEqual(self.env['account.analytic.line'].browse(correction).unit_amount, -2.0)
        self.assertEqual(self.items(logged).qty_to_invoice, 0.0)  # not approved yet
        self.assertEqual(nina_logged.unit_amount, 10.0)

    def test_a_day_is_summed_over_the_employees_timesheets(self):
        monday = date(2026, 3, 2)
        self.log(16.0, monday, employee=self.eric)
        other_day = self.log(8.0, date(2026, 3, 3), employee=self.eric)
        self.log(20.0, monday)
        self.assert_each_refused([
            (ValidationError, "Eric Employee would have 25.00 h of timesheets on 03/02/2026",
             self.env.user, 'account.analytic.line', 'write', other_day.ids,
             {'date': '2026-03-02', 'unit_amount': 9.0}),
            (ValidationError, "Eric Employee would have 25.00 h of timesheets on 03/02/2026",
             self.employee_user, 'account.analytic.line', 'create', {
                 'project_id': self.project.id, 'employee_id': self.eric.id,
                 'date': '2026-03-02', 'name': "Late evening", 'unit_amount': 9.0}),
        ], other_day)
        # Nina's 20 h that day are hers: Eric may still log his last 8.
        self.log(8.0, monday, employee=self.eric)

    def test_approved_hours_beyond_a_day_never_reach_the_backlog(self):
        timesheet = self.log(8.0, date(2026, 3, 2), employee=self.eric)
        timesheet.with_user(self.project_manager).action_service_approve()
        self.assert_each_refused([
            (ValidationError, "a day has 24 hours", self.env.user,
             'account.analytic.line', 'write', timesheet.ids, {'unit_amount': 1e300})],
            timesheet)
        self.assertRecordValues(self.items(timesheet), [
            {'billing_status': 'ready', 'qty_to_invoice': 8.0, 'amount': 800.0}])

    def test_milestone_shares_between_0_and_100_percent(self):
        design, build = self.milestones([("Design", 0.3), ("Build", 0.7)])
        share = r"Milestone %s: its share of the order line \(%s\) must be between 0 %% and " \
            r"100 %%\. Type the share as a percentage of the line\."
        self.assert_each_refused([
            (ValidationError, share % (milestone.name, shown), self.project_manager,
             'project.milestone', 'write', milestone.ids, {'quantity_percentage': value})
            for milestone in (design, build)
            for value, shown in ((-0.01, "-1.00 %"), (1.01, "101.00 %"), (1e300, r"1e\+302 %"))
        ] + [
            (ValidationError, rf"Milestone {milestone.name}, share of the order line: \S+ is "
             "not a number that can be billed", self.project_manager, 'project.milestone',
             'write', milestone.ids, {'quantity_percentage': value})
            for milestone in (design, build) for value in (NAN, INF, -INF)
        ] + [
            (ValidationError, "Milestone Testing, share of the order line: nan is not a number",
             self.project_manager, 'project.milestone', 'create', {
                 'name': "Testing", 'project_id': self.project.id,
                 'sale_line_id': self.fixed_line.id, 'quantity_percentage': NAN}),
        ], design, build)
        # Mark Reached after the refusals: the share the milestone had is billed.
        self.rpc(self.project_manager, 'project.milestone', 'toggle_is_reached', design.ids,
                 True)
        self.assertRecordValues(self.items(design), [
            {'billing_status': 'ready', 'qty_to_invoice': 0.3, 'amount': 3000.0}])
        # The whole line is a share too.
        self.rpc(self.project_manager, 'project.milestone', 'write', build.ids,
                 {'quantity_percentage': 1.0})
        self.assertEqual(build.quantity_percentage, 1.0)
