"""One proforma flow with time and material: Recalculate keeps the hours typed on the
proforma, time written off whole posts no invoice. As a Service User and a Service
Manager, through Create Proforma Invoices of the project."""

from datetime import date

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
class TestProformaFlowTime(ProjectBillingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service_manager = new_test_user(
            cls.env, login='si_project_proforma_manager', name="Max Manager",
            groups='service_invoicing.group_service_manager')

    def proforma_as(self, user):
        """Create Proforma Invoices of the project, as ``user`` (the order's salesperson)."""
        self.order.user_id = user
        wizard = self.env['service.proforma.wizard'].with_user(user).create({
            'project_ids': [Command.set(self.project.ids)], 'cutoff_date': date(2026, 3, 31)})
        wizard.action_create()
        self.assertEqual(len(wizard.invoice_ids), 1, wizard.result_message)
        return wizard.invoice_ids

    def approve(self, timesheets):
        timesheets.with_user(self.project_manager).action_service_approve()

    def test_recalculate_keeps_the_hours_lowered_on_the_proforma(self):
        for week, user in enumerate((self.billing_user, self.service_manager)):
            with self.subTest(user=user.name):
                self.approve(self.log(14.5, date(2026, 3, 2 + 7 * week)))
                invoice = self.proforma_as(user).with_user(user)
                # 14.5 h (and for the second, the 6.5 h the first left in the backlog).
                made = invoice.invoice_line_ids.quantity
                self.assertEqual(made, 14.5 + 6.5 * week)
                invoice.invoice_line_ids.quantity = 8.0
                said = invoice.action_service_recalculate()['params']['message']
                self.assertEqual(invoice.invoice_line_ids.quantity, 8.0)
                self.assertEqual(invoice.amount_untaxed, 800.0)
                self.assertIn("kept the quantity typed on Consulting: 8.00 (the sources give "
                              f"{made:.2f})", said)
                # Time approved since joins the line: 8 h typed, 2 h more.
                self.approve(self.log(2.0, date(2026, 3, 3 + 7 * week)))
                invoice.action_service_recalculate()
                self.assertEqual(invoice.invoice_line_ids.quantity, 10.0)
                invoice.action_service_confirm()
                self.assertEqual(invoice.state, 'posted')
                self.assertEqual(invoice.amount_untaxed, 1000.0)
                # The hours not billed wait in the backlog.
                self.assertEqual(self.time_line.qty_invoiced, 10.0 if user == self.billing_user
                                 else 20.0)

    def test_time_written_off_whole_posts_no_invoice(self):
        for week, user in enumerate((self.billing_user, self.service_manager)):
            with self.subTest(user=user.name):
                timesheet = self.log(6.0, date(2026, 3, 2 + 7 * week))
                self.approve(timesheet)
                invoice = self.proforma_as(user).with_user(user)
                invoice.invoice_line_ids.service_billing_type = 'non_chargeable'
                action = invoice.action_service_confirm()
                self.assertEqual(action['params']['title'], "Written off, nothing invoiced")
                self.assertEqual(invoice.state, 'cancel')
                self.assertEqual(timesheet.service_qty_non_chargeable, 6.0)
                self.assertEqual(self.items(timesheet).billing_status, 'non_chargeable')
                self.assertFalse(self.order.invoice_ids.filtered(
                    lambda move: move.state == 'posted'))
                self.assertEqual(self.time_line.qty_to_invoice, 0.0)
