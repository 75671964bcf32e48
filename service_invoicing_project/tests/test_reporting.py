from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
@freeze_time('2026-03-20')
class TestProjectReporting(ProjectBillingCommon):
    """Billed Revenue shows time and milestones billed through the order's lines."""

    def test_billed_revenue_of_time_and_milestones(self):
        monday = self.log(5.0, date(2026, 3, 16))
        monday.with_user(self.project_manager).action_service_approve()
        design = self.milestones([("Design", 0.3)])
        design.is_reached = True
        invoice = self.odoo_invoice()
        invoice.action_post()
        credit_note = invoice._reverse_moves([{'invoice_date': date(2026, 3, 20)}])
        credit_note.invoice_line_ids.filtered(
            lambda line: line.product_id == self.consulting).quantity = 2.0
        credit_note.invoice_line_ids.filtered(
            lambda line: line.product_id == self.implementation).unlink()
        credit_note.action_post()
        revenue = {
            (source, order.id): amount for source, order, amount in
            self.env['service.billing.revenue.report']._read_group(
                [], ['source_type', 'order_id'], ['amount_untaxed:sum'])}
        # 5 hours at 100 less 2 credited; 30% of 10,000.
        self.assertEqual(revenue, {
            ('timesheet', self.order.id): 300.0,
            ('milestone', self.order.id): 3000.0,
        })
        self.assertEqual(sum(revenue.values()),
                         invoice.amount_untaxed_signed + credit_note.amount_untaxed_signed)
