"""Honest figures of time and milestones (issue 23, items 7 and 8): the backlog shows each
item's value whatever its status, only ready items count as To Invoice, and the order line,
its backlog items and Odoo's figures agree (docs/glossary.md)."""

from datetime import date

from odoo.tests import tagged

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
class TestHonestProjectFigures(ProjectBillingCommon):

    def label(self, record, field_name):
        field = record._fields[field_name]
        return dict(field._description_selection(self.env))[record[field_name]]

    def backlog_sums(self, line):
        """The backlog list's sums under its default filter (Not Invoiced) for ``line``."""
        [sums] = self.env['service.billing.item'].read_group(
            [('sale_line_id', '=', line.id), ('billing_status', 'in', ('not_ready', 'ready'))],
            ['amount_to_invoice:sum', 'amount_waiting:sum', 'qty_to_invoice:sum'], [])
        return sums['amount_to_invoice'], sums['amount_waiting']

    def approve(self, timesheets):
        timesheets.with_user(self.project_manager).action_service_approve()

    def test_time_waiting_for_approval_shows_its_value(self):
        timesheet = self.log(5.0, date(2026, 3, 2))
        item = self.items(timesheet)
        self.assertRecordValues(item, [{
            'billing_status': 'not_ready', 'amount_waiting': 500.0, 'amount_to_invoice': 0.0,
            'amount_status': 500.0}])
        self.assertIn("waits for approval", item.not_ready_reason)
        self.assertEqual(self.label(item, 'source_type'), "Timesheet")
        self.approve(timesheet)
        self.assertRecordValues(item, [{
            'billing_status': 'ready', 'amount_waiting': 0.0, 'amount_to_invoice': 500.0,
            'amount_status': 500.0}])

    def test_milestone_not_reached_shows_its_value(self):
        design, build = self.milestones([("Design", 0.3), ("Build", 0.7)])
        self.assertRecordValues(self.items(design) | self.items(build), [
            {'billing_status': 'not_ready', 'amount_waiting': 3000.0, 'amount_to_invoice': 0.0},
            {'billing_status': 'not_ready', 'amount_waiting': 7000.0, 'amount_to_invoice': 0.0},
        ])
        self.assertEqual(self.label(self.items(design), 'source_type'), "Milestone")
        design.is_reached = True
        self.assertEqual(self.backlog_sums(self.fixed_line), (3000.0, 7000.0))

    def test_time_beyond_the_limit_waits_and_is_not_to_invoice(self):
        """Two approved timesheets under a limit of 10 h: the one beyond it is not ready, so
        its value is Waiting, not To Invoice."""
        self.time_line.write({'service_limit_type': 'hours', 'service_limit': 10.0})
        first = self.log(6.0, date(2026, 3, 2))
        second = self.log(2.8, date(2026, 3, 3))
        third = self.log(2.8, date(2026, 3, 4))
        self.approve(first | second | third)
        self.assertRecordValues(self.items(first | second | third), [
            {'billing_status': 'ready', 'amount_to_invoice': 600.0, 'amount_waiting': 0.0},
            {'billing_status': 'ready', 'amount_to_invoice': 280.0, 'amount_waiting': 0.0},
            {'billing_status': 'not_ready', 'amount_to_invoice': 0.0, 'amount_waiting': 280.0},
        ])
        self.assertIn("not-to-exceed", self.items(third).not_ready_reason)
        self.assertEqual(self.backlog_sums(self.time_line), (880.0, 280.0))

    def test_billed_time_shows_the_billed_amount(self):
        timesheet = self.log(8.0, date(2026, 3, 2))
        self.approve(timesheet)
        item = self.items(timesheet)
        invoices, _left_out = self.proforma()
        self.assertRecordValues(item, [{
            'billing_status': 'invoice_created', 'amount_status': 800.0,
            'amount_in_draft': 800.0, 'qty_in_draft': 8.0, 'amount_to_invoice': 0.0}])
        self.assertEqual(self.time_line.service_qty_in_draft, 8.0)
        invoices.action_post()
        self.assertRecordValues(item, [{
            'billing_status': 'invoice_posted', 'amount_status': 800.0,
            'amount_invoiced': 800.0, 'amount_in_draft': 0.0, 'payment_status': 'not_paid'}])

    def test_hours_given_back_by_a_credit_note_are_not_paid(self):
        timesheet = self.log(8.0, date(2026, 3, 2))
        self.approve(timesheet)
        invoices, _left_out = self.proforma()
        invoices.action_post()
        self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=invoices.ids).create({
                'payment_date': date(2026, 3, 15),
                'journal_id': self.company_data['default_journal_bank'].id,
            }).action_create_payments()
        item = self.items(timesheet)
        self.assertEqual(item.payment_status, 'paid')
        self.credit(invoices, corrected=7.0).action_post()
        self.assertRecordValues(item, [{'billing_status': 'ready', 'payment_status': False}])
        self.assertRecordValues(item, [{
            'billing_status': 'ready', 'qty_to_invoice': 1.0, 'qty_invoiced': 7.0,
            'amount_to_invoice': 100.0, 'payment_status': False}])

    def test_milestone_line_agrees_with_its_backlog(self):
        """0.3 reached and invoiced, 0.5 reached since: the order line shows Delivered 0.8,
        Invoiced 0.3 and Shipped Not Invoiced 0.5, the 0.5 its backlog holds ready."""
        design, build, _handover = self.milestones(
            [("Design", 0.3), ("Build", 0.5), ("Handover", 0.2)])
        design.is_reached = True
        invoices, _left_out = self.proforma()
        invoices.action_post()
        build.is_reached = True
        self.assertRecordValues(self.fixed_line, [{
            'qty_delivered': 0.8, 'qty_invoiced_posted': 0.3,
            'service_qty_shipped_not_invoiced': 0.5}])
        self.assertEqual(self.fixed_line.service_qty_in_draft, 0.0)
        ready = self.env['service.billing.item'].search(
            [('sale_line_id', '=', self.fixed_line.id), ('billing_status', '=', 'ready')])
        self.assertEqual(ready, self.items(build))
        self.assertEqual(sum(ready.mapped('qty_to_invoice')), 0.5)
        # In a draft: still shipped not invoiced, and shown in draft invoices.
        self.proforma()
        self.assertRecordValues(self.fixed_line, [{
            'qty_invoiced_posted': 0.3, 'service_qty_in_draft': 0.5,
            'service_qty_shipped_not_invoiced': 0.5}])
        self.assertRecordValues(self.items(build), [{
            'billing_status': 'invoice_created', 'qty_in_draft': 0.5,
            'amount_in_draft': 5000.0}])

    def test_time_line_agrees_with_its_backlog(self):
        """Approved hours less non-chargeable ones, less what was invoiced: the order line's
        Shipped Not Invoiced is what its timesheets' items have left."""
        first = self.log(8.0, date(2026, 3, 2))
        second = self.log(4.0, date(2026, 3, 3))
        self.log(3.0, date(2026, 3, 4))  # not approved
        self.approve(first | second)
        invoices, _left_out = self.proforma(self.items(first))
        invoices.action_post()
        items = self.items(self.time_line)
        self.assertRecordValues(self.time_line, [{
            'qty_delivered': 12.0, 'qty_invoiced_posted': 8.0,
            'service_qty_shipped_not_invoiced': 4.0}])
        self.assertEqual(sum(items.mapped('qty_billable'))
                         - sum(items.mapped('qty_invoiced')), 4.0)

    def test_left_to_invoice_of_time_and_milestone_lines_agrees_with_the_backlog(self):
        """Shipped = Consumed + Invoiced + In Draft Invoices + Left to Invoice on an order
        line billed on time or on milestones, as on a shipped one; its Left to Invoice is
        what its backlog items have left (docs/glossary.md)."""
        first, second, third = (self.log(hours, date(2026, 3, day))
                                for hours, day in ((8.0, 2), (4.0, 3), (3.0, 4)))
        self.approve(first | second | third)
        design, build, handover = self.milestones(
            [("Design", 0.3), ("Build", 0.5), ("Handover", 0.2)])
        design.is_reached = True
        invoices, _left_out = self.proforma(self.items(first) | self.items(design))
        invoices.action_post()
        build.is_reached = True
        self.proforma(self.items(second) | self.items(build))
        handover.is_reached = True
        self.assertRecordValues(self.time_line | self.fixed_line, [
            {'qty_delivered': 15.0, 'service_qty_consumed': 0.0, 'qty_invoiced_posted': 8.0,
             'service_qty_in_draft': 4.0, 'service_qty_to_invoice': 3.0},
            {'qty_delivered': 1.0, 'service_qty_consumed': 0.0, 'qty_invoiced_posted': 0.3,
             'service_qty_in_draft': 0.5, 'service_qty_to_invoice': 0.2},
        ])
        for line in self.time_line | self.fixed_line:
            self.assertAlmostEqual(line.service_qty_to_invoice,
                                   sum(self.items(line).mapped('qty_to_invoice')))
