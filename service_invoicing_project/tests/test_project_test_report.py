from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
class TestProjectTestReport(ProjectBillingCommon):
    """Invoice Project has the test report of every proforma run: the order it bills, its
    lines and proforma, what stays in the backlog; Create as Shown makes it, Close returns
    to the wizard."""

    def test_invoice_project_test_report_then_create_as_shown(self):
        with freeze_time('2026-03-10'):
            design, _build = self.milestones([("Design", 0.3), ("Build", 0.7)])
            design.is_reached = True
        timesheets = self.log(8.0, date(2026, 3, 2)) | self.log(2.0, date(2026, 3, 18))
        timesheets.with_user(self.project_manager).action_service_approve()
        wizard = self.env['service.project.invoice.wizard'].create({
            'project_ids': [Command.set(self.project.ids)], 'cutoff_date': date(2026, 3, 10),
            'invoice_date': date(2026, 3, 20)})
        action = wizard.action_test_report()
        report = self.env['service.test.report'].browse(action['res_id'])
        self.assertRecordValues(report, [{'origin': 'project_invoice', 'invoice_count': 1,
                                          'error_count': 0, 'row_source': 'order'}])
        # One row, the order: 8 hours at 100 and Design (30 % of 10,000).
        self.assertRecordValues(report.row_ids, [{
            'status': 'invoice', 'order_id': self.order.id, 'partner_id': self.customer.id,
            'amount': 800.0 + 3000.0, 'invoice_id': report.invoice_ids.id}])
        self.assertEqual(sorted((line.product_id.id, line.quantity, line.amount)
                                for line in report.row_ids.line_ids),
                         sorted([(self.consulting.id, 8.0, 800.0),
                                 (self.implementation.id, 0.3, 3000.0)]))
        self.assertEqual(report.row_ids.action_open_source()['res_id'], self.order.id)
        # The time of the 18th stays in the backlog, and the report says so.
        self.assertIn("Ready after the cut-off date 03/10/2026",
                      ' '.join(report.problem_ids.mapped('message')))
        self.assertFalse(wizard.invoice_ids)
        self.assertEqual(report.action_back()['res_id'], wizard.id)
        report.action_run_as_shown()
        self.assertEqual(wizard.invoice_ids.amount_untaxed, 3800.0)
        self.assertTrue(wizard.invoice_ids.service_proforma)
