import re

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
class TestMilestones(ProjectBillingCommon):
    """Fixed-price milestones: a reached milestone is a ready item for its share of the order
    line, billed as Odoo's own Create Invoice bills it; credited whole or not at all, and then
    ready again; never billed twice whichever way the order is invoiced."""

    def setUp(self):
        super().setUp()
        self.design, self.build = self.milestones([("Design", 0.3), ("Build", 0.7)])

    def odoo_reversal(self, invoice):
        """Odoo's Credit Note (full reversal) of ``invoice``, left in draft."""
        reversal = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=invoice.ids).create({
                'journal_id': invoice.journal_id.id, 'reason': "Milestone not accepted"})
        return self.env['account.move'].browse(reversal.refund_moves()['res_id'])

    def test_reached_milestone_is_ready_for_its_share(self):
        design_item, build_item = self.items(self.design), self.items(self.build)
        self.assertRecordValues(design_item | build_item, [
            {'source_type': 'milestone', 'billing_status': 'not_ready', 'qty_to_invoice': 0.0,
             'amount': 0.0, 'sale_line_id': self.fixed_line.id, 'project_id': self.project.id},
            {'source_type': 'milestone', 'billing_status': 'not_ready', 'qty_to_invoice': 0.0,
             'amount': 0.0, 'sale_line_id': self.fixed_line.id, 'project_id': self.project.id},
        ])
        self.assertEqual(design_item.not_ready_reason,
                         "Milestone Design is not reached: mark it reached before it is billed.")
        with self.assert_refused(UserError, "Milestone Design is not reached"):
            design_item.action_mark_ready()

        self.design.is_reached = True
        self.assertRecordValues(design_item, [{
            'billing_status': 'ready', 'qty_to_invoice': 0.3, 'qty_billable': 0.3,
            'amount': 3000.0, 'date': self.design.reached_date}])
        self.assertEqual(self.design.service_amount, 3000.0)
        self.assertEqual(build_item.billing_status, 'not_ready')
        self.assertIn("Milestone Build is not reached", build_item.not_ready_reason)
        self.assertEqual(self.fixed_line.qty_delivered, 0.3)

        # Odoo's Create Invoice of the same reached milestone bills the same money.
        invoices, left_out = self.proforma_billing_as_odoo()
        self.assertRecordValues(invoices, [{'amount_untaxed': 3000.0, 'amount_tax': 450.0,
                                            'amount_total': 3450.0}])
        self.assertEqual([reason for item, reason in left_out if item == build_item],
                         ["Build is not ready to invoice (Not Ready to Invoice)."])
        line = invoices.invoice_line_ids
        self.assertEqual(line.service_milestone_id, self.design)
        self.assertEqual(line.name, "Implementation\nMilestone: Design")
        self.assertEqual(design_item.billing_status, 'invoice_created')
        with self.assert_refused(
                UserError, rf"cannot be changed \({re.escape(invoices.display_name)}\)"):
            line.service_milestone_id = self.build
        invoices.action_post()
        self.assertRecordValues(design_item, [{
            'billing_status': 'invoice_posted', 'qty_to_invoice': 0.0, 'qty_invoiced': 0.3,
            'amount_invoiced': 3000.0}])
        self.assertEqual(design_item.invoice_ids, invoices)
        self.assertEqual(self.fixed_line.qty_invoiced, 0.3)

    def test_shares_of_a_line_sold_by_several_units(self):
        """Three units of a fixed price, in milestones of a third each: each bills one unit;
        the last one billed leaves nothing of the line."""
        self.fixed_line.product_uom_qty = 3.0
        (self.design | self.build).unlink()
        milestones = self.milestones([("Phase 1", 1 / 3), ("Phase 2", 1 / 3), ("Phase 3", 1 / 3)])
        self.assertFalse(self.fixed_line.service_milestone_error)
        milestones.is_reached = True
        self.assertEqual(self.items(milestones).mapped('qty_to_invoice'), [1.0, 1.0, 1.0])
        self.assertEqual(self.items(milestones).mapped('amount'), [10000.0] * 3)
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.invoice_line_ids.mapped('quantity'), [1.0, 1.0, 1.0])
        self.assertEqual(invoices.amount_untaxed, 30000.0)
        invoices.action_post()
        self.assertEqual(self.fixed_line.qty_to_invoice, 0.0)
        self.assertEqual(set(self.items(milestones).mapped('billing_status')), {'invoice_posted'})

    def test_credited_whole_is_ready_again_and_billed_once_more(self):
        self.design.is_reached = True
        invoices, _left_out = self.proforma()
        invoices.action_post()
        item = self.items(self.design)

        credit_note = self.credit(invoices)
        self.assertRecordValues(credit_note.invoice_line_ids, [{
            'quantity': 0.3, 'price_subtotal': 3000.0, 'service_milestone_id': self.design.id}])
        # A draft credit note gives nothing back yet.
        self.assertEqual(item.billing_status, 'invoice_posted')
        credit_note.action_post()
        self.assertRecordValues(item, [{'billing_status': 'ready', 'qty_to_invoice': 0.3,
                                        'qty_invoiced': 0.0, 'amount': 3000.0,
                                        'amount_invoiced': 0.0}])
        self.assertEqual(self.fixed_line.qty_invoiced, 0.0)

        again, _left_out = self.proforma()
        self.assertRecordValues(again.invoice_line_ids, [{
            'quantity': 0.3, 'price_subtotal': 3000.0, 'service_milestone_id': self.design.id}])
        again.action_post()
        self.assertEqual(item.billing_status, 'invoice_posted')
        self.assertEqual(self.fixed_line.qty_invoiced, 0.3)
        # Once: nothing left to bill of it.
        third, left_out = self.proforma()
        self.assertFalse(third)
        self.assertIn((item, "Design is not ready to invoice (Invoice Posted)."), left_out)

    def test_odoo_reversal_credits_the_milestone_whole(self):
        (self.design | self.build).is_reached = True
        invoices, _left_out = self.proforma()
        invoices.action_post()
        credit_note = self.odoo_reversal(invoices)
        self.assertEqual(credit_note.invoice_line_ids.service_milestone_id,
                         self.design | self.build)
        credit_note.action_post()
        self.assertEqual(self.items(self.design | self.build).mapped('billing_status'),
                         ['ready', 'ready'])
        again, _left_out = self.proforma()
        self.assertEqual(again.amount_untaxed, 10000.0)
        again.action_post()
        self.assertEqual(self.fixed_line.qty_invoiced, 1.0)

    def test_partial_credit_of_a_milestone_is_refused(self):
        self.design.is_reached = True
        invoices, _left_out = self.proforma()
        invoices.action_post()
        credit_note = self.credit(invoices, corrected=0.1)
        self.assertEqual(credit_note.invoice_line_ids.quantity, 0.2)
        with self.assert_refused(UserError, r"Milestone Design is credited whole or not at all: "
                                            r"credit 0\.30 on "):
            credit_note.action_post()
        self.assertEqual(credit_note.state, 'draft')
        self.assertEqual(self.items(self.design).billing_status, 'invoice_posted')
        # Made whole, it posts.
        credit_note.invoice_line_ids.quantity = 0.3
        credit_note.action_post()
        self.assertEqual(self.items(self.design).billing_status, 'ready')

    def test_odoo_create_invoice_then_the_backlog_bills_nothing_twice(self):
        self.design.is_reached = True
        odoo_invoice = self.odoo_invoice()
        self.assertRecordValues(odoo_invoice.invoice_line_ids, [{
            'product_id': self.implementation.id, 'quantity': 0.3, 'price_subtotal': 3000.0}])
        item = self.items(self.design)
        self.assertEqual(item.billing_status, 'invoice_created')
        invoices, left_out = self.proforma()
        self.assertFalse(invoices)
        self.assertIn((item, "Design is not ready to invoice (Invoice Created)."), left_out)
        odoo_invoice.action_post()
        self.assertRecordValues(item, [{'billing_status': 'invoice_posted', 'qty_to_invoice': 0.0,
                                        'qty_invoiced': 0.3, 'amount_invoiced': 3000.0}])
        # Build reached later: the backlog bills Build only, Odoo then finds nothing.
        self.build.is_reached = True
        self.assertRecordValues(item | self.items(self.build), [
            {'billing_status': 'invoice_posted', 'qty_to_invoice': 0.0, 'qty_invoiced': 0.3},
            {'billing_status': 'ready', 'qty_to_invoice': 0.7, 'qty_invoiced': 0.0},
        ])
        invoices, _left_out = self.proforma()
        self.assertRecordValues(invoices.invoice_line_ids, [{
            'quantity': 0.7, 'price_subtotal': 7000.0, 'service_milestone_id': self.build.id}])
        invoices.action_post()
        self.assertEqual(self.fixed_line.qty_invoiced, 1.0)
        self.assertEqual(self.fixed_line.qty_to_invoice, 0.0)

    def test_odoo_invoice_between_two_milestones_reached_the_same_day(self):
        """Build reached and billed by Odoo's Create Invoice, then Design reached the same
        day: what is left to bill is still exactly Design's share, billed once."""
        self.build.is_reached = True
        self.odoo_invoice().action_post()
        items = self.items(self.design | self.build)
        self.assertEqual(items.mapped('billing_status'), ['not_ready', 'invoice_posted'])
        self.env.flush_all()  # as the posting's request ends
        self.design.is_reached = True
        self.assertEqual(sum(items.mapped('qty_to_invoice')), 0.3)
        self.assertEqual(sum(items.mapped('qty_invoiced')), 0.7)
        invoices, _left_out = self.proforma()
        self.assertRecordValues(invoices, [{'amount_untaxed': 3000.0, 'amount_total': 3450.0}])
        invoices.action_post()
        self.assertEqual(self.fixed_line.qty_invoiced, 1.0)
        self.assertEqual(set(items.mapped('billing_status')), {'invoice_posted'})
        self.assertFalse(self.proforma()[0])

    def test_odoo_credit_note_of_its_own_invoice_gives_the_milestone_back(self):
        self.design.is_reached = True
        odoo_invoice = self.odoo_invoice()
        odoo_invoice.action_post()
        self.odoo_reversal(odoo_invoice).action_post()
        item = self.items(self.design)
        self.assertRecordValues(item, [{'billing_status': 'ready', 'qty_to_invoice': 0.3}])
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.amount_untaxed, 3000.0)

    def test_odoo_partial_credit_note_gives_back_whole_milestones_only(self):
        """Odoo's credit note names no milestone: it gives back those billed last, whole or
        not at all."""
        (self.design | self.build).is_reached = True
        odoo_invoice = self.odoo_invoice()
        self.assertEqual(odoo_invoice.invoice_line_ids.quantity, 1.0)
        odoo_invoice.action_post()
        credit_note = self.odoo_reversal(odoo_invoice)
        credit_note.invoice_line_ids.quantity = 0.5
        with self.assert_refused(UserError, r"Milestone Build is credited whole or not at all: "
                                            r"RINV/\S+ would leave 0\.20 of its 0\.70 billed\."):
            credit_note.action_post()
        self.assertEqual(credit_note.state, 'draft')
        self.assertEqual(self.items(self.design | self.build).mapped('billing_status'),
                         ['invoice_posted', 'invoice_posted'])
        # Build whole (billed last): it posts, and Build is ready again for its share.
        credit_note.invoice_line_ids.quantity = 0.7
        credit_note.action_post()
        self.assertRecordValues(self.items(self.design | self.build), [
            {'billing_status': 'invoice_posted', 'qty_to_invoice': 0.0, 'qty_invoiced': 0.3},
            {'billing_status': 'ready', 'qty_to_invoice': 0.7, 'qty_invoiced': 0.0},
        ])
        self.assertEqual(self.proforma()[0].amount_untaxed, 7000.0)

    def test_milestones_must_add_up_to_the_line(self):
        self.assertFalse(self.fixed_line.service_milestone_error)
        self.build.product_uom_qty = 0.5
        self.assertEqual(self.fixed_line.service_milestone_error,
                         "The milestones of this line add up to 80.00 % of it: they must make "
                         "100 % of the line value.")
        self.milestones([("Acceptance", 0.2)])
        self.assertFalse(self.fixed_line.service_milestone_error)
        # A line without milestones has nothing to add up.
        self.assertFalse(self.time_line.service_milestone_error)

    def test_a_billed_milestone_keeps_its_share(self):
        """A milestone on an invoice (draft or posted) keeps the share it bills, whoever asks
        through the API: re-priced afterwards, the backlog and Odoo's Create Invoice would
        bill the difference as if the customer had agreed to it. Credited whole, it is free
        again."""
        self.design.is_reached = True
        invoices, _left_out = self.proforma()
        for user in (self.project_manager, self.env.user):
            design = self.design.with_user(user)
            for vals in ({'quantity_percentage': 0.5}, {'product_uom_qty': 0.5},
                         {'sale_line_id': self.time_line.id}):
                with self.assert_refused(UserError, "Milestone Design is invoiced"):
                    design.write(vals)
            with self.assert_refused(UserError, "Milestone Design is invoiced"):
                design.unlink()
        # Its name and deadline, and the milestones not billed, stay free.
        self.design.with_user(self.project_manager).name = "Design and survey"
        self.build.with_user(self.project_manager).quantity_percentage = 0.6
        self.assertEqual(self.items(self.build).qty_billable, 0.0)
        self.build.with_user(self.project_manager).quantity_percentage = 0.7
        invoices.action_post()
        with self.assert_refused(UserError, "Milestone Design and survey is invoiced"):
            self.design.with_user(self.project_manager).quantity_percentage = 0.5
        self.assertEqual(self.design.quantity_percentage, 0.3)
        self.assertEqual(self.items(self.design).billing_status, 'invoice_posted')
        self.credit(invoices).action_post()
        self.design.with_user(self.project_manager).quantity_percentage = 0.4
        self.assertRecordValues(self.items(self.design), [{
            'billing_status': 'ready', 'qty_to_invoice': 0.4, 'amount': 4000.0}])

    def test_a_fixed_price_is_never_invoiced_beyond_the_line(self):
        """Milestones adding up to more than the line (the line says so) are not billed
        beyond it: neither a proforma nor Odoo's own invoice of them is posted."""
        self.design.quantity_percentage = 0.5
        self.assertIn("120.00 %", self.fixed_line.service_milestone_error)
        (self.design | self.build).is_reached = True
        self.assertEqual(self.fixed_line.qty_delivered, 1.2)
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.amount_untaxed, 12000.0)
        with self.assert_refused(UserError, r"fixed price of 1\.0.*would be invoiced 1\.2"):
            invoices.action_post()
        self.assertEqual(invoices.state, 'draft')
        invoices.unlink()
        odoo_invoice = self.odoo_invoice()
        with self.assert_refused(UserError, "fixed price"):
            odoo_invoice.action_post()
        odoo_invoice.unlink()
        # Put right, the line bills its price once.
        self.design.quantity_percentage = 0.3
        invoices, _left_out = self.proforma()
        invoices.action_post()
        self.assertEqual(invoices.amount_untaxed, 10000.0)
        self.assertEqual(self.fixed_line.qty_invoiced, 1.0)

    def test_unreaching_an_unbilled_milestone_takes_it_back(self):
        self.design.is_reached = True
        item = self.items(self.design)
        self.assertEqual(item.billing_status, 'ready')
        self.design.is_reached = False
        self.assertRecordValues(item, [{'billing_status': 'not_ready', 'qty_to_invoice': 0.0,
                                        'ready': False}])
