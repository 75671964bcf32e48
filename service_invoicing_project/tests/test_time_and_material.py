from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.service_invoicing.tools.trusted import trusted

from ..const import TIMESHEET_FROZEN_WHEN_BILLED
from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
class TestTimeAndMaterial(ProjectBillingCommon):
    """Approved timesheets become ready backlog items billed at the order line's rate; Odoo's
    own Create Invoice bills the same approved hours, and nothing is billed twice whichever
    way the order is invoiced."""

    def test_approval_gates_every_way_of_invoicing(self):
        self.assertTrue(self.env.company.service_timesheet_approval)
        monday = self.log(8.0, date(2026, 3, 2))
        tuesday = self.log(4.0, date(2026, 3, 3), employee=self.eric)
        item = self.items(monday)
        self.assertRecordValues(item, [{
            'source_type': 'timesheet', 'billing_status': 'not_ready', 'qty_to_invoice': 0.0,
            'sale_line_id': self.time_line.id, 'project_id': self.project.id,
            'employee_id': self.nina.id}])
        self.assertIn("waits for approval", item.not_ready_reason)
        with self.assert_refused(UserError, "waits for approval"):
            item.action_mark_ready()
        # Odoo's delivered quantity counts approved time only: nothing to invoice yet.
        self.assertEqual(self.time_line.qty_delivered, 0.0)
        self.assertEqual(self.time_line.qty_to_invoice, 0.0)

        monday.with_user(self.project_manager).action_service_approve()
        self.assertEqual(self.time_line.qty_delivered, 8.0)
        self.assertRecordValues(item, [{'billing_status': 'ready', 'qty_to_invoice': 8.0,
                                        'amount': 800.0}])
        self.assertEqual(self.items(tuesday).billing_status, 'not_ready')
        invoices, left_out = self.proforma()
        self.assertFalse([reason for _item, reason in left_out if 'Eric' in reason])
        line = invoices.invoice_line_ids
        self.assertRecordValues(line, [{'quantity': 8.0, 'price_unit': 100.0,
                                        'price_subtotal': 800.0}])
        self.assertEqual(line.service_timesheet_ids, monday)
        self.assertEqual(monday.timesheet_invoice_id, invoices)
        self.assertEqual(item.billing_status, 'invoice_created')
        invoices.action_post()
        self.assertEqual(item.billing_status, 'invoice_posted')
        self.assertEqual(item.amount_invoiced, 800.0)

        # Tuesday's 4 hours, once approved, are all Odoo's Create Invoice finds.
        tuesday.with_user(self.project_manager).action_service_approve()
        odoo_invoice = self.odoo_invoice()
        self.assertEqual(odoo_invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.consulting).quantity, 4.0)
        self.assertEqual(tuesday.timesheet_invoice_id, odoo_invoice)
        self.assertEqual(self.items(tuesday).billing_status, 'invoice_created')
        odoo_invoice.action_post()
        self.assertEqual(self.items(tuesday).billing_status, 'invoice_posted')
        self.assertEqual(self.time_line.qty_invoiced, 12.0)
        # Nothing left anywhere.
        self.assertFalse(self.env['service.billing.item'].search(
            [('sale_line_id', '=', self.time_line.id), ('billing_status', '=', 'ready')]))

    def test_odoo_invoice_links_only_the_time_it_bills(self):
        """Odoo's Create Invoice links the timesheets it bills to its invoice: the approved
        ones only. Time approved later is billed by the next Create Invoice of its dates, and
        its employee may still correct it until then."""
        approved = self.log(8.0, date(2026, 3, 2))
        waiting = self.log(4.0, date(2026, 3, 3), employee=self.eric)
        approved.with_user(self.project_manager).action_service_approve()
        march = {'date_start_invoice_timesheet': date(2026, 3, 1),
                 'date_end_invoice_timesheet': date(2026, 3, 31)}
        first = self.odoo_invoice(**march)
        self.assertEqual(first.invoice_line_ids.filtered(
            lambda line: line.product_id == self.consulting).quantity, 8.0)
        self.assertEqual(approved.timesheet_invoice_id, first)
        self.assertFalse(waiting.timesheet_invoice_id)
        first.action_post()
        waiting.with_user(self.employee_user).unit_amount = 5.0
        waiting.with_user(self.project_manager).action_service_approve()
        second = self.odoo_invoice(**march)
        self.assertEqual(second.invoice_line_ids.filtered(
            lambda line: line.product_id == self.consulting).quantity, 5.0)
        self.assertEqual(waiting.timesheet_invoice_id, second)
        second.action_post()
        self.assertEqual(self.time_line.qty_invoiced, 13.0)
        self.assertEqual(set(self.items(approved | waiting).mapped('billing_status')),
                         {'invoice_posted'})

    def test_without_approval_every_timesheet_is_billable(self):
        self.env.company.service_timesheet_approval = False
        timesheet = self.log(6.0, date(2026, 3, 2))
        self.assertEqual(self.time_line.qty_delivered, 6.0)
        self.assertRecordValues(self.items(timesheet), [{'billing_status': 'ready',
                                                         'qty_to_invoice': 6.0}])
        # Back on: the unapproved hours leave the delivered quantity and the ready items.
        self.env.company.service_timesheet_approval = True
        self.assertEqual(self.time_line.qty_delivered, 0.0)
        self.assertEqual(self.items(timesheet).billing_status, 'not_ready')

    def test_backlog_and_odoo_invoice_the_same_money(self):
        """The proforma of approved time is the invoice Odoo's Create Invoice makes of the
        same hours: same lines, taxes and totals."""
        for day, hours in ((2, 7.5), (3, 8.0), (4, 3.25)):
            self.log(hours, date(2026, 3, day)).with_user(
                self.project_manager).action_service_approve()
        self.time_line.discount = 10.0
        invoices, _left_out = self.proforma_billing_as_odoo()
        self.assertRecordValues(invoices, [{'amount_untaxed': 1687.5, 'amount_tax': 253.13,
                                            'amount_total': 1940.63}])

    def test_hours_billed_by_the_day_as_odoo_converts_them(self):
        """An order line sold by the day, time logged by the hour: Odoo converts each day's
        sum of hours, not each timesheet; three hours are 0.38 day, not 3 x 0.13."""
        day = self.env.ref('uom.product_uom_day')
        self.time_line.write({'product_uom_id': day.id, 'price_unit': 800.0})
        timesheets = self.log(1.0, date(2026, 3, 2)) | self.log(1.0, date(2026, 3, 3)) \
            | self.log(1.0, date(2026, 3, 4))
        timesheets.with_user(self.project_manager).action_service_approve()
        self.assertEqual(self.time_line.qty_delivered, 0.38)
        self.assertEqual(self.items(timesheets).mapped('qty_to_invoice'), [0.13, 0.12, 0.13])
        invoices, _left_out = self.proforma_billing_as_odoo()
        self.assertEqual(invoices.invoice_line_ids.quantity, 0.38)
        self.assertEqual(invoices.amount_untaxed, 304.0)
        invoices.action_post()
        # Nothing left of them, in the backlog or for Odoo.
        self.assertEqual(set(self.items(timesheets).mapped('billing_status')),
                         {'invoice_posted'})
        self.assertEqual(self.time_line.qty_to_invoice, 0.0)

    def test_hours_sold_by_the_day_written_off_whole(self):
        """A non-chargeable line of time sold by the day writes off its timesheets' hours
        whole: nothing, not a hundredth of a day, is left to bill of them."""
        day = self.env.ref('uom.product_uom_day')
        self.time_line.write({'product_uom_id': day.id, 'price_unit': 800.0})
        timesheets = self.log(1.0, date(2026, 3, 2)) | self.log(1.0, date(2026, 3, 3)) \
            | self.log(1.0, date(2026, 3, 4))
        timesheets.with_user(self.project_manager).action_service_approve()
        self.milestones([("Handover", 1.0)]).is_reached = True
        invoices, _left_out = self.proforma()
        invoices.invoice_line_ids.filtered('service_timesheet_ids').service_billing_type = \
            'non_chargeable'
        invoices.action_service_confirm()
        self.assertEqual(invoices.amount_untaxed, 10000.0)
        self.assertEqual(timesheets.mapped('service_qty_non_chargeable'), [1.0, 1.0, 1.0])
        self.assertEqual(self.items(timesheets).mapped('qty_to_invoice'), [0.0, 0.0, 0.0])
        self.assertEqual(set(self.items(timesheets).mapped('billing_status')),
                         {'non_chargeable'})
        self.assertEqual(self.time_line.qty_to_invoice, 0.0)

    def test_invoice_lines_say_what_they_bill(self):
        for day, hours, employee, text in ((2, 3.0, self.nina, "Survey"),
                                           (5, 2.0, self.eric, "Wiring")):
            self.log(hours, date(2026, 3, day), employee=employee, description=text) \
                .with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma()
        self.assertRegex(invoices.invoice_line_ids.name,
                         r"(?s)Consulting.*03/02/2026 to 03/05/2026: 5.00 Hours "
                         r"\(Eric Employee, Nina Engineer\)")
        invoices.unlink()
        self.env.company.service_timesheet_invoice_detail = 'timesheet'
        invoices, _left_out = self.proforma()
        self.assertEqual(len(invoices.invoice_line_ids), 2)
        self.assertRegex(invoices.invoice_line_ids[0].name, r"03/02/2026, Nina Engineer: Survey")
        self.assertRegex(invoices.invoice_line_ids[1].name, r"03/05/2026, Eric Employee: Wiring")

    def test_deleting_a_draft_line_releases_its_timesheets(self):
        timesheet = self.log(5.0, date(2026, 3, 2))
        timesheet.with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma()
        self.assertEqual(timesheet.timesheet_invoice_id, invoices)
        with self.assert_refused(UserError, "invoiced"):
            timesheet.unit_amount = 9.0
        invoices.invoice_line_ids.unlink()
        self.assertFalse(timesheet.timesheet_invoice_id)
        self.assertRecordValues(self.items(timesheet), [{'billing_status': 'ready',
                                                         'qty_to_invoice': 5.0}])
        # Free again: its hours can be corrected.
        timesheet.unit_amount = 4.0
        self.assertEqual(self.items(timesheet).qty_to_invoice, 4.0)

    def test_billed_timesheets_keep_what_odoo_keeps(self):
        """Linking timesheets to their invoice (a proforma, Odoo's Create Invoice) does not
        compute again their project, task, partner, order line and billing type: Odoo keeps
        them on billed time, and computed again they are the same."""
        task = self.env['project.task'].create({'name': "Survey", 'project_id': self.project.id})
        on_task = self.env['account.analytic.line'].create({
            'task_id': task.id, 'employee_id': self.eric.id, 'unit_amount': 3.0,
            'date': date(2026, 3, 2), 'name': "Survey"})
        timesheets = on_task | self.log(5.0, date(2026, 3, 3))
        timesheets.with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma()
        later = self.log(2.0, date(2026, 3, 4))
        later.with_user(self.project_manager).action_service_approve()
        odoo_invoice = self.odoo_invoice()
        timesheets |= later
        self.assertEqual(timesheets.timesheet_invoice_id, invoices | odoo_invoice)
        frozen = list(TIMESHEET_FROZEN_WHEN_BILLED)
        kept = timesheets.read(frozen)
        self.assertRecordValues(on_task, [{
            'task_id': task.id, 'partner_id': self.customer.id, 'so_line': self.time_line.id,
            'timesheet_invoice_type': 'billable_time'}])
        for name in frozen:
            self.env.add_to_compute(timesheets._fields[name], timesheets)
        self.env.flush_all()
        self.assertEqual(timesheets.read(frozen), kept)

    def test_a_partial_credit_gives_the_hours_back(self):
        """8 h billed, corrected to 6 h: 2 h are ready to invoice again."""
        timesheet = self.log(8.0, date(2026, 3, 2))
        timesheet.with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma()
        invoices.action_post()
        credit_note = self.credit(invoices, corrected=6.0)
        self.assertEqual(credit_note.invoice_line_ids.quantity, 2.0)
        self.assertEqual(credit_note.invoice_line_ids.service_timesheet_ids, timesheet)
        credit_note.action_post()
        item = self.items(timesheet)
        self.assertRecordValues(item, [{'billing_status': 'ready', 'qty_to_invoice': 2.0,
                                        'qty_invoiced': 6.0, 'amount': 200.0}])
        again, _left_out = self.proforma()
        self.assertEqual(again.invoice_line_ids.quantity, 2.0)
        again.action_post()
        self.assertEqual(self.time_line.qty_invoiced, 8.0)
        self.assertEqual(item.billing_status, 'invoice_posted')

    def test_odoo_invoice_of_the_dates_after_a_partial_credit(self):
        """8 h billed, corrected to 6 h: Odoo's Create Invoice of their dates bills the 2 h
        given back, not the 8 h again."""
        timesheet = self.log(8.0, date(2026, 3, 2))
        timesheet.with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma()
        invoices.action_post()
        self.credit(invoices, corrected=6.0).action_post()
        odoo_invoice = self.odoo_invoice(date_start_invoice_timesheet=date(2026, 3, 1),
                                         date_end_invoice_timesheet=date(2026, 3, 31))
        self.assertEqual(odoo_invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.consulting).quantity, 2.0)
        odoo_invoice.action_post()
        self.assertEqual(self.time_line.qty_invoiced, 8.0)

    def test_odoo_credit_note_gives_the_hours_back_once(self):
        timesheet = self.log(8.0, date(2026, 3, 2))
        timesheet.with_user(self.project_manager).action_service_approve()
        odoo_invoice = self.odoo_invoice()
        odoo_invoice.action_post()
        reversal = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=odoo_invoice.ids).create({
                'journal_id': odoo_invoice.journal_id.id, 'reason': "Wrong hours"})
        credit_note = self.env['account.move'].browse(reversal.refund_moves()['res_id'])
        credit_note.action_post()
        item = self.items(timesheet)
        self.assertRecordValues(item, [{'billing_status': 'ready', 'qty_to_invoice': 8.0}])
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.invoice_line_ids.quantity, 8.0)
        invoices.action_post()
        # And Odoo's Create Invoice finds nothing left.
        self.assertEqual(self.time_line.qty_to_invoice, 0.0)

    def test_posting_never_bills_more_than_the_approved_hours(self):
        self.log(5.0, date(2026, 3, 2)).with_user(self.project_manager).action_service_approve()
        self.log(5.0, date(2026, 3, 3))  # not approved
        invoices, _left_out = self.proforma()
        invoices.invoice_line_ids.quantity = 9.0
        with self.assert_refused(UserError, r"approved hours come to 5.0"):
            invoices.action_post()

    def test_non_chargeable_hours_are_never_billed(self):
        self.env.company.service_timesheet_invoice_detail = 'timesheet'
        timesheet = self.log(4.0, date(2026, 3, 2))
        billed = self.log(3.0, date(2026, 3, 3))
        (timesheet | billed).with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma()
        invoices.invoice_line_ids[0].service_billing_type = 'non_chargeable'
        invoices.action_service_confirm()
        self.assertEqual(invoices.invoice_line_ids.service_timesheet_ids, billed)
        self.assertEqual(invoices.amount_untaxed, 300.0)
        self.assertEqual(timesheet.service_qty_non_chargeable, 4.0)
        self.assertEqual(self.items(timesheet).billing_status, 'non_chargeable')
        self.assertEqual(self.time_line.qty_to_invoice, 0.0)
        self.assertEqual(invoices.state, 'posted')
        # Nor by Odoo's Create Invoice of their dates: the written-off hours are not billed.
        with self.assert_refused(UserError, "No items are available to invoice"):
            self.odoo_invoice(date_start_invoice_timesheet=date(2026, 3, 1),
                              date_end_invoice_timesheet=date(2026, 3, 31))

    def test_recalculate_adds_time_approved_after_the_draft(self):
        self.log(4.0, date(2026, 3, 2)).with_user(self.project_manager).action_service_approve()
        later = self.log(2.0, date(2026, 3, 3))
        invoices, _left_out = self.proforma()
        # As Create Proforma Invoices records them on its drafts.
        trusted(invoices).write({'service_proforma': True,
                                 'service_cutoff_date': date(2026, 3, 31),
                                 'service_grouping': 'customer'})
        self.assertEqual(invoices.invoice_line_ids.quantity, 4.0)
        later.with_user(self.project_manager).action_service_approve()
        invoices.action_service_recalculate()
        self.assertEqual(invoices.invoice_line_ids.quantity, 6.0)
        self.assertEqual(invoices.invoice_line_ids.service_timesheet_ids,
                         self.env['account.analytic.line'].search(
                             [('so_line', '=', self.time_line.id)]))
        self.assertEqual(invoices.amount_untaxed, 600.0)

    def test_invoice_lines_bill_only_their_own_timesheets(self):
        """Through the API: a line cannot claim another order's timesheets, nor be re-pointed
        to other timesheets once created."""
        other_order = self.create_project_order(name="Other site")
        foreign = self.log(3.0, date(2026, 3, 2), project=other_order.project_id)
        mine = self.log(3.0, date(2026, 3, 2))
        (foreign | mine).with_user(self.project_manager).action_service_approve()
        invoice = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id})
        with self.assert_refused(ValidationError, "only those of the order line it bills"):
            invoice.write({'invoice_line_ids': [Command.create({
                **self.time_line._prepare_invoice_line(quantity=3.0),
                'service_timesheet_ids': [Command.set(foreign.ids)]})]})
        invoices, _left_out = self.proforma()
        with self.assert_refused(UserError, "cannot be changed"):
            invoices.invoice_line_ids.service_timesheet_ids = [Command.set(foreign.ids)]
        self.assertEqual(self.items(foreign).billing_status, 'ready')

    def test_hours_of_one_customer_are_never_billed_to_another(self):
        """Hole 2 of issue 22: an invoice of customer X with a line naming customer Y's order
        line and approved timesheet posted, and Y's hours showed billed (a Service User may
        not even read Y's order: a Manager's invoice)."""
        order_y = self.create_project_order(partner=self.customer_2, name="Y's site")
        line_y = order_y.order_line.filtered(lambda line: line.product_id == self.consulting)
        hours_y = self.log(4.0, date(2026, 3, 2), project=order_y.project_id)
        hours_y.with_user(self.project_manager).action_service_approve()
        values = {'move_type': 'out_invoice', 'partner_id': self.customer.id,
                  'invoice_date': '2026-03-31', 'invoice_line_ids': [Command.create({
                      'product_id': self.consulting.id, 'quantity': 4.0, 'price_unit': 100.0,
                      'sale_line_ids': [Command.set(line_y.ids)],
                      'service_timesheet_ids': [Command.set(hours_y.ids)]})]}
        with self.assert_refused(ValidationError, rf"bills order {order_y.name} of "
                                 rf"{self.customer_2.name}.*own customer"):
            self.env['account.move'].create(values)
        # Made for Y, given to X before posting: posting looks again.
        invoice = self.env['account.move'].create({**values, 'partner_id': self.customer_2.id})
        invoice.partner_id = self.customer
        with self.assert_refused(ValidationError, rf"bills order {order_y.name}"):
            invoice.action_post()
        self.assertEqual(invoice.state, 'draft')
        self.assertEqual(line_y.qty_invoiced_posted, 0.0)


@tagged('post_install', '-at_install')
class TestNotToExceed(ProjectBillingCommon):

    def test_hours_beyond_the_limit_cannot_be_made_ready(self):
        self.time_line.write({'service_limit_type': 'hours', 'service_limit': 10.0})
        first = self.log(6.0, date(2026, 3, 2))
        second = self.log(6.0, date(2026, 3, 3))
        (first | second).with_user(self.project_manager).action_service_approve()
        self.assertEqual(self.items(first).billing_status, 'ready')
        second_item = self.items(second)
        self.assertEqual(second_item.billing_status, 'not_ready')
        self.assertIn("not-to-exceed limit of 10.00 Hours", second_item.not_ready_reason)
        with self.assert_refused(UserError, "not-to-exceed"):
            second_item.action_mark_ready()
        # Raising the limit lets it through.
        self.time_line.service_limit = 12.0
        second_item.action_mark_ready()
        self.assertEqual(second_item.billing_status, 'ready')

    def test_changing_the_limit_decides_its_time_again(self):
        """Raised, lowered or removed, on the line or through its order, the limit decides
        again the approved time still to invoice, oldest first, as approval does: ready
        within the limit, not ready beyond it saying why. Time the clerk held back within
        the limit stays held back."""
        self.time_line.write({'service_limit_type': 'hours', 'service_limit': 10.0})
        first = self.log(6.0, date(2026, 3, 2))
        second = self.log(6.0, date(2026, 3, 3))
        (first | second).with_user(self.project_manager).action_service_approve()
        items = self.items(first | second)
        self.assertEqual(items.mapped('billing_status'), ['ready', 'not_ready'])
        # Raised: the second is ready by itself.
        self.time_line.service_limit = 12.0
        self.assertEqual(items.mapped('billing_status'), ['ready', 'ready'])
        self.assertEqual(items.mapped('not_ready_reason'), [False, False])
        # Lowered, through the order: the newest goes back, saying why.
        self.order.write({'order_line': [Command.update(self.time_line.id,
                                                        {'service_limit': 8.0})]})
        self.assertEqual(items.mapped('billing_status'), ['ready', 'not_ready'])
        self.env.invalidate_all()  # the reason is read afresh, as the next page reads it
        self.assertIn("not-to-exceed limit of 8", items[1].not_ready_reason)
        self.assertIn("Raise the Not-to-Exceed Limit of the line (Order Lines tab",
                      items[1].not_ready_reason)
        self.time_line.service_limit = 5.0
        self.assertEqual(items.mapped('billing_status'), ['not_ready', 'not_ready'])
        self.env.invalidate_all()
        self.assertTrue(all("not-to-exceed limit of 5" in reason
                            for reason in items.mapped('not_ready_reason')))
        # An hour within the limit, held back by the clerk: raising the limit leaves it so.
        third = self.log(1.0, date(2026, 3, 4))
        third.with_user(self.project_manager).action_service_approve()
        held = self.items(third)
        self.assertEqual(held.billing_status, 'ready')
        held.action_mark_not_ready()
        self.time_line.service_limit = 20.0
        self.assertEqual((items | held).mapped('billing_status'),
                         ['ready', 'ready', 'not_ready'])
        # No limit any more: every approved hour is ready, but the one held back.
        self.time_line.write({'service_limit_type': False})
        self.assertEqual((items | held).mapped('billing_status'),
                         ['ready', 'ready', 'not_ready'])
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.invoice_line_ids.quantity, 12.0)

    def test_an_amount_limit_raised_bills_the_time_it_held_back(self):
        self.time_line.write({'service_limit_type': 'amount', 'service_limit': 1000.0})
        timesheet = self.log(12.0, date(2026, 3, 2))
        timesheet.with_user(self.project_manager).action_service_approve()
        item = self.items(timesheet)
        self.assertEqual(item.billing_status, 'not_ready')
        self.time_line.service_limit = 1200.0
        self.assertEqual(item.billing_status, 'ready')
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.amount_untaxed, 1200.0)
        invoices.action_post()
        self.assertEqual(item.billing_status, 'invoice_posted')

    def test_the_limit_shows_on_the_order_lines_the_messages_name(self):
        """The messages send the clerk to the Not-to-Exceed Limit of the order's lines: a
        column shown there (not an optional one to find), on orders that bill time."""
        form = self.env['sale.order'].with_user(self.billing_user).get_views(
            [(False, 'form')])['views']['form']['arch']
        columns = {field.get('name'): field for field in etree.fromstring(form).xpath(
            "//field[@name='order_line']/list/field")}
        for name in ('service_limit_type', 'service_limit'):
            self.assertEqual(columns[name].get('optional'), 'show')
            self.assertEqual(columns[name].get('column_invisible'),
                             'not parent.service_bills_time')
        self.assertTrue(self.order.service_bills_time)

    def test_items_marked_ready_together_stay_within_the_limit(self):
        """Mark Ready of several items checks each against the limit with the ones before it
        (oldest first): two of 6 h under a 10 h limit are not both made ready at once."""
        self.time_line.write({'service_limit_type': 'hours', 'service_limit': 10.0})
        first = self.log(6.0, date(2026, 3, 2))
        second = self.log(6.0, date(2026, 3, 3))
        (first | second).with_user(self.project_manager).action_service_approve()
        items = self.items(first | second)
        # The clerk marks the items of the orders they sell.
        self.order.user_id = self.billing_user
        items.with_user(self.billing_user).action_mark_not_ready()
        self.assertEqual(items.mapped('billing_status'), ['not_ready', 'not_ready'])
        with self.assert_refused(UserError, "not-to-exceed limit of 10.00 Hours"):
            items.with_user(self.billing_user).action_mark_ready()
        self.assertEqual(items.mapped('billing_status'), ['not_ready', 'not_ready'])
        self.items(first).with_user(self.billing_user).action_mark_ready()
        self.assertEqual(items.mapped('billing_status'), ['ready', 'not_ready'])
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.invoice_line_ids.quantity, 6.0)
        invoices.action_post()

    def test_amount_limit_holds_for_odoo_invoicing_too(self):
        self.time_line.write({'service_limit_type': 'amount', 'service_limit': 1000.0})
        self.log(12.0, date(2026, 3, 2)).with_user(self.project_manager).action_service_approve()
        item = self.env['service.billing.item'].search([('sale_line_id', '=', self.time_line.id)])
        self.assertEqual(item.billing_status, 'not_ready')
        self.assertIn("1,000.00", item.not_ready_reason)
        odoo_invoice = self.odoo_invoice()
        with self.assert_refused(UserError, r"beyond its not-to-exceed limit of \S*\s?1,000\.00"):
            odoo_invoice.action_post()


@tagged('post_install', '-at_install')
class TestTimesheetRights(ProjectBillingCommon):

    def test_employee_project_manager_and_billing_user(self):
        timesheet = self.log(8.0, date(2026, 3, 2), employee=self.eric)
        as_employee = timesheet.with_user(self.employee_user)
        with self.assert_refused(AccessError, "project manager"):
            as_employee.action_service_approve()
        with self.assert_refused(UserError, "Approve and Unapprove"):
            as_employee.write({'service_approved': True})
        # The employee edits their own time until it is approved...
        as_employee.unit_amount = 7.0
        timesheet.with_user(self.project_manager).action_service_approve()
        self.assertEqual(timesheet.service_approved_by_id, self.project_manager)
        # ... and no longer after.
        with self.assert_refused(UserError, "is approved"):
            as_employee.unit_amount = 9.0
        with self.assert_refused(UserError, "is approved"):
            as_employee.unlink()
        # The billing clerk invoices the orders they sell; once invoiced nobody changes it.
        items = self.env['service.billing.item'].with_user(self.billing_user).search(
            [('order_id', '=', self.order.id)])
        invoices, left_out = items._create_proformas()
        self.assertFalse(invoices)
        self.assertRegex(left_out[0][1], "You may not invoice the order")
        self.order.user_id = self.billing_user
        invoices, _left_out = items._create_proformas()
        self.assertEqual(invoices.invoice_line_ids.quantity, 7.0)
        with self.assert_refused(UserError, "invoiced"):
            timesheet.with_user(self.project_manager).unit_amount = 1.0
        with self.assert_refused(UserError, "invoiced"):
            timesheet.with_user(self.project_manager).action_service_unapprove()

    def test_nobody_links_a_timesheet_to_an_invoice_by_hand(self):
        """The invoice of a timesheet is Odoo's record that it is billed: unlinked, Odoo's
        Create Invoice would bill it again; linked to any invoice, never. Only invoicing
        sets it, whoever asks through the API."""
        billed = self.log(8.0, date(2026, 3, 2), employee=self.eric)
        waiting = self.log(3.0, date(2026, 3, 3), employee=self.eric)
        (billed | waiting).with_user(self.project_manager).action_service_approve()
        invoices, _left_out = self.proforma(self.items(billed))
        self.assertEqual(billed.timesheet_invoice_id, invoices)
        admin = self.env.ref('base.user_admin')
        for user in (self.employee_user, self.project_manager, self.billing_user, admin):
            for timesheet, value in ((billed, False), (waiting, invoices.id)):
                with self.assert_refused(UserError, "set by invoicing"):
                    timesheet.with_user(user).write({'timesheet_invoice_id': value})
        with self.assert_refused(UserError, "set by invoicing"):
            self.env['account.analytic.line'].with_user(self.employee_user).create({
                'project_id': self.project.id, 'employee_id': self.eric.id,
                'unit_amount': 2.0, 'date': date(2026, 3, 4), 'name': "Hidden",
                'timesheet_invoice_id': invoices.id})
        self.assertEqual(billed.timesheet_invoice_id, invoices)
        self.assertFalse(waiting.timesheet_invoice_id)
        # Odoo's Create Invoice bills the waiting hours once, not the billed ones again.
        odoo_invoice = self.odoo_invoice()
        self.assertEqual(odoo_invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.consulting).quantity, 3.0)
        self.assertEqual(waiting.timesheet_invoice_id, odoo_invoice)

    def approve_week_wizard(self, employees):
        """Approve Timesheets of the week of 2 March for ``employees``, as the project
        manager."""
        return self.env['service.timesheet.approval.wizard'].with_user(
            self.project_manager).create({
                'date_from': date(2026, 3, 2), 'date_to': date(2026, 3, 8),
                'employee_ids': [(6, 0, employees.ids)]})

    def test_a_project_manager_approves_only_their_projects(self):
        other_order = self.create_project_order(name="Someone else's")
        other_order.project_id.user_id = self.env.user
        timesheet = self.log(3.0, date(2026, 3, 2), project=other_order.project_id)
        with self.assert_refused(AccessError, "Someone else's|Paula Manager"):
            timesheet.with_user(self.project_manager).action_service_approve()
        self.assertFalse(timesheet.service_approved)

    def test_approving_a_week_leaves_the_projects_of_others(self):
        """Without projects chosen, the week of every project the user may approve: a
        project manager's week leaves alone the time on projects others manage."""
        other_order = self.create_project_order(name="Someone else's")
        other_order.project_id.user_id = self.env.user
        mine = self.log(8.0, date(2026, 3, 2), employee=self.eric)
        theirs = self.log(8.0, date(2026, 3, 3), employee=self.eric,
                          project=other_order.project_id)
        wizard = self.approve_week_wizard(self.eric)
        self.assertEqual(wizard.timesheet_count, 1)
        wizard.action_approve()
        self.assertEqual((mine | theirs).mapped('service_approved'), [True, False])
        # Chosen by name, another's project has nothing this project manager may approve.
        wizard.project_ids = other_order.project_id
        with self.assert_refused(UserError, "No billable timesheet"):
            wizard.action_approve()
        self.assertFalse(theirs.service_approved)

    def test_approve_a_week_per_employee(self):
        monday = self.log(8.0, date(2026, 3, 2), employee=self.eric)
        friday = self.log(8.0, date(2026, 3, 6), employee=self.nina)
        next_week = self.log(8.0, date(2026, 3, 9), employee=self.eric)
        wizard = self.approve_week_wizard(self.eric)
        self.assertEqual(wizard.timesheet_count, 1)
        wizard.action_approve()
        self.assertEqual((monday | friday | next_week).mapped('service_approved'),
                         [True, False, False])
        wizard.action_unapprove()
        self.assertFalse(monday.service_approved)
        self.assertEqual(self.items(monday).billing_status, 'not_ready')


@tagged('post_install', '-at_install')
class TestDownPayments(ProjectBillingCommon):
    """A posted down payment of the order is deducted from its proforma as Odoo's Create
    Invoice deducts it (Deduct down payments, its default): the customer is never billed the
    down payment twice, whichever way the order is invoiced."""

    def down_payment(self, percentage):
        """Odoo's own down payment invoice of the order (a percentage of it), posted."""
        wizard = self.env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=self.order.ids, active_id=self.order.id,
        ).create({'advance_payment_method': 'percentage', 'amount': percentage})
        wizard.create_invoices()
        invoice = self.order.invoice_ids
        invoice.action_post()
        return self.order.order_line.filtered(
            lambda line: line.is_downpayment and not line.display_type)

    def approve(self, hours, day):
        """``hours`` logged from March ``day`` on, 10 a day at most (a day has 24 hours),
        and approved."""
        timesheets = self.env['account.analytic.line']
        for index in range(int(-(-hours // 10))):
            timesheets |= self.log(min(10.0, hours - 10.0 * index), date(2026, 3, day + index))
        timesheets.with_user(self.project_manager).action_service_approve()

    def test_down_payment_deducted_as_odoo_deducts_it(self):
        down_payment = self.down_payment(10)  # 10% of 20,000
        self.assertEqual(down_payment.qty_to_invoice, -1.0)
        self.approve(30.0, 2)
        invoices, left_out = self.proforma_billing_as_odoo()
        self.assertFalse(left_out)
        # 3,000 of time less the 2,000 paid in advance, with its tax.
        self.assertRecordValues(invoices, [{'move_type': 'out_invoice', 'amount_untaxed': 1000.0,
                                            'amount_tax': 150.0, 'amount_total': 1150.0}])
        deduction = invoices.invoice_line_ids.filtered('is_downpayment')
        self.assertRecordValues(deduction, [{'quantity': -1.0, 'price_subtotal': -2000.0,
                                             'sale_line_ids': down_payment.ids}])
        self.assertEqual(down_payment.qty_to_invoice, 0.0)
        invoices.action_post()
        # Deducted once: the next proforma bills the next hours whole.
        self.approve(10.0, 3)
        later, _left_out = self.proforma()
        self.assertEqual(later.amount_untaxed, 1000.0)
        self.assertFalse(later.invoice_line_ids.filtered('is_downpayment'))
        later.unlink()
        # A deduction is corrected whole or not at all, never beyond 0 or its -1.
        for corrected, message in ((-0.5, "corrected whole"), (1.0, "goes from 0 to -1")):
            wizard = self.env['service.invoice.correction.wizard'].with_context(
                default_invoice_id=invoices.id).create({})
            wizard._onchange_invoice_id()
            wizard.line_ids.filtered('invoice_line_id.is_downpayment').quantity_corrected = \
                corrected
            with self.assert_refused(UserError, message):
                wizard.action_correct()
        # Credited whole, the invoice gives back its hours and its deduction.
        credit_note = self.credit(invoices)
        credit_note.action_post()
        self.assertEqual(down_payment.qty_to_invoice, -1.0)
        again, _left_out = self.proforma()
        self.assertRecordValues(again, [{'amount_untaxed': 2000.0}])  # 4,000 less 2,000

    def test_down_payment_larger_than_the_invoice_waits_for_a_later_one(self):
        """Odoo would turn the invoice into a credit note; a proforma bills progress and keeps
        the down payment for the invoice it fits, and says so."""
        down_payment = self.down_payment(30)  # 6,000
        self.approve(10.0, 2)
        invoices, left_out = self.proforma()
        self.assertRecordValues(invoices, [{'move_type': 'out_invoice',
                                            'amount_untaxed': 1000.0}])
        self.assertFalse(invoices.invoice_line_ids.filtered('is_downpayment'))
        self.assertEqual(len(left_out), 1)
        self.assertFalse(left_out[0][0])
        self.assertIn(self.order.name, left_out[0][1])
        self.assertIn("not deducted", left_out[0][1])
        self.assertEqual(down_payment.qty_to_invoice, -1.0)
        invoices.action_post()
        # 60 hours more bill 6,000: the down payment fits now, whole.
        self.approve(60.0, 3)
        invoices, left_out = self.proforma()
        # Only the time already invoiced is left out: no word of the down payment.
        self.assertEqual([item.billing_status for item, _reason in left_out], ['invoice_posted'])
        self.assertRecordValues(invoices, [{'amount_untaxed': 0.0, 'amount_total': 0.0}])
        self.assertEqual(down_payment.qty_to_invoice, 0.0)

    def test_down_payment_kept_when_told(self):
        down_payment = self.down_payment(10)
        self.approve(30.0, 2)
        wizard = self.env['service.proforma.wizard'].create({'deduct_down_payments': False})
        wizard.action_create()
        self.assertEqual(wizard.invoice_ids.amount_untaxed, 3000.0)
        self.assertEqual(down_payment.qty_to_invoice, -1.0)
        # Odoo's Create Invoice deducts it later.
        self.approve(40.0, 3)
        self.assertEqual(self.odoo_invoice().amount_untaxed, 2000.0)

    def test_schedule_test_report_shows_the_deduction_the_run_makes(self):
        self.down_payment(30)  # 6,000
        self.approve(10.0, 2)
        schedule = self.env['service.invoice.schedule'].create({
            'project_ids': [Command.set(self.project.ids)], 'frequency': 'monthly',
            'day_of_month': 15, 'date_from': date(2026, 3, 1), 'date_to': date(2026, 3, 31)})
        schedule.action_generate_runs()

        def report():
            return self.env['service.test.report'].browse(
                schedule.run_ids.action_test_report()['res_id'])
        # Too large for 1,000 of time: the run keeps it for later, and the report says so.
        first = report()
        self.assertRecordValues(first.invoice_ids, [{'amount_untaxed': 1000.0}])
        warnings = first.problem_ids.filtered(lambda problem: problem.kind == 'down_payment')
        self.assertEqual(warnings.mapped('level'), ['warning'])
        self.assertIn(self.order.name, warnings.message)
        # 7,000 of time: deducted, as the run deducts it.
        self.approve(60.0, 3)
        second = report()
        self.assertRecordValues(second.invoice_ids, [{'amount_untaxed': 1000.0,
                                                      'amount_total': 1150.0}])
        self.assertNotIn('down_payment', second.problem_ids.mapped('kind'))
        schedule.run_ids._carry_out()
        self.assertRecordValues(schedule.run_ids.invoice_ids, [{'amount_untaxed': 1000.0}])
