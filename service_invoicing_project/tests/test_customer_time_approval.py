"""Customer Approves Time: the project manager approves first, then the customer; billing
(the backlog's proformas and Odoo's own Create Invoice alike) waits for both. Driven as the
portal and JSON-RPC drive it: the customer's contact, another customer's contact, the
project's manager and an employee."""

import re
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.service_invoicing.tests.test_rpc_hostile_input import HostileRpcMixin

from .common import CustomerApprovalCommon

APPROVAL = 'service.time.approval'
LINE = 'account.analytic.line'
MONDAY = date(2026, 3, 2)


@tagged('post_install', '-at_install')
class TestCustomerTimeApproval(CustomerApprovalCommon):

    def assert_waiting(self, timesheets, reason):
        self.env.invalidate_all()  # Why Not Ready is computed afresh, as a page reads it
        items = self.items(timesheets)
        self.assertEqual(set(items.mapped('billing_status')), {'not_ready'})
        for item in items:
            self.assertIn(reason, item.not_ready_reason)

    def test_time_waits_for_the_customer_after_the_project_manager(self):
        """The manager's approval puts the week's time before the customer; nothing is billed
        (delivered 0 h, Odoo's Create Invoice has nothing to invoice) until the customer
        approves: then the proforma bills the 12 h as Odoo's Create Invoice bills them."""
        timesheets = self.log(8.0, MONDAY, description="Survey") \
            | self.log(4.0, date(2026, 3, 4), description="Report")
        next_week = self.log(3.0, date(2026, 3, 9), description="Follow-up")
        # Not approved by the manager yet: the customer is not asked.
        self.assertEqual(timesheets.mapped('service_customer_state'), [False] * 2)
        self.assert_waiting(timesheets, "a project manager approves it")
        (timesheets | next_week).with_user(self.project_manager).action_service_approve()
        request = self.request_of(timesheets)
        self.assertRecordValues(request, [{
            'project_id': self.project.id, 'partner_id': self.customer.id,
            'date_start': MONDAY, 'date_end': date(2026, 3, 8), 'state': 'to_approve',
            'hours': 12.0, 'hours_to_approve': 12.0, 'contact_id': self.cooling_contact.id,
            'to_send': True}])
        self.assertEqual(request.display_name, "Cooling retrofit, week of 03/02/2026")
        self.assertEqual(self.request_of(next_week).date_start, date(2026, 3, 9))
        self.assertEqual(timesheets.mapped('service_customer_state'), ['to_approve'] * 2)
        self.assert_waiting(timesheets, "waits for the customer's approval "
                                        "(Cooling retrofit, week of 03/02/2026, not sent yet")
        self.assertEqual(self.time_line.qty_delivered, 0.0)
        self.assertEqual(self.time_line.qty_to_invoice, 0.0)
        with self.assertRaisesRegex(UserError, "No items are available to invoice"):
            self.odoo_invoice()
        # The customer's contact approves the week.
        request.with_user(self.cooling_portal).action_customer_approve()
        self.assertRecordValues(timesheets, [{
            'service_customer_state': 'approved',
            'service_customer_partner_id': self.cooling_portal.partner_id.id}] * 2)
        self.assertRecordValues(request, [{'state': 'approved', 'hours_to_approve': 0.0,
                                           'answered_by_id': self.cooling_portal.partner_id.id}])
        self.assertIn("Colin Cooling approved 2 timesheets (12.00 hours).",
                      request.message_ids[0].body)
        self.assertEqual(self.items(timesheets).mapped('billing_status'), ['ready'] * 2)
        self.assertEqual(self.items(next_week).billing_status, 'not_ready')
        self.assertEqual(self.time_line.qty_delivered, 12.0)
        invoices, _left_out = self.proforma_billing_as_odoo()
        self.assertEqual(invoices.invoice_line_ids.mapped('quantity'), [12.0])
        self.assertEqual(invoices.amount_untaxed, 1200.0)

    def test_customer_approval_gates_billing_exactly_as_internal_approval(self):
        """What the customer approved bills what the same time approved by the manager alone
        bills in a project that does not ask its customer: same delivered hours, same
        backlog, same Odoo invoice."""
        other = self.create_project_order(name="No customer approval")
        other_project = other.project_id
        self.assertFalse(other_project.service_customer_approval)
        entries = [(8.0, MONDAY, "Survey"), (2.5, date(2026, 3, 3), "Calls")]
        mine = self.approved_time(*entries)
        theirs = self.approved_time(*entries, project=other_project)
        self.assertFalse(theirs.service_time_approval_id)
        self.assertEqual(self.items(theirs).mapped('billing_status'), ['ready'] * 2)
        self.request_of(mine).with_user(self.cooling_portal).action_customer_approve()

        def billed(order, timesheets):
            line = order.order_line.filtered(lambda line: line.product_id == self.consulting)
            invoice = self.odoo_invoice(order)
            return (line.qty_delivered, self.items(timesheets).mapped('billing_status'),
                    self.items(timesheets).mapped('amount'), invoice.amount_untaxed,
                    invoice.amount_total, invoice.invoice_line_ids.mapped('quantity'))
        self.assertEqual(billed(self.order, mine), billed(other, theirs))

    def test_disputed_time_stays_not_ready_with_the_comment_and_an_activity(self):
        survey, report = self.approved_time((8.0, MONDAY, "Survey"),
                                            (4.0, date(2026, 3, 4), "Report"))
        request = self.request_of(survey | report)
        request.with_user(self.cooling_portal).action_customer_dispute(
            "We agreed on 2 hours for the report.", timesheet_ids=report.ids)
        self.assertRecordValues(report, [{
            'service_customer_state': 'disputed',
            'service_customer_comment': "We agreed on 2 hours for the report."}])
        self.assertEqual(survey.service_customer_state, 'to_approve')
        self.assertEqual(request.state, 'disputed')
        self.assertEqual(request.comment, "We agreed on 2 hours for the report.")
        self.assert_waiting(report, "Colin Cooling disputes the timesheet of Nina Engineer on "
                                    "03/04/2026: \u201cWe agreed on 2 hours for the report.\u201d")
        activity = request.activity_ids
        self.assertRecordValues(activity, [{
            'user_id': self.project_manager.id,
            'activity_type_id': self.env.ref(
                'service_invoicing_project.mail_activity_type_time_disputed').id}])
        self.assertIn("We agreed on 2 hours", str(activity.note))
        self.assertIn("Colin Cooling disputed 1 timesheet (4.00 hours): We agreed on 2 hours "
                      "for the report.", request.message_ids[0].body)
        # The rest is approved; the disputed time still waits.
        request.with_user(self.cooling_portal).action_customer_approve()
        self.assertEqual(self.items(survey).billing_status, 'ready')
        self.assertEqual(self.items(report).billing_status, 'not_ready')
        self.assertEqual(self.time_line.qty_delivered, 8.0)
        self.assertEqual(request.state, 'disputed')
        # The manager corrects it: the customer is asked again, the activity is done.
        report.unit_amount = 2.0
        self.assertRecordValues(report, [{'service_customer_state': 'to_approve',
                                          'service_customer_comment': False}])
        self.assertRecordValues(request, [{'state': 'to_approve', 'to_send': True}])
        self.assertFalse(request.activity_ids)
        request.with_user(self.cooling_portal).action_customer_approve()
        self.assertEqual(self.items(report).billing_status, 'ready')
        self.assertEqual(self.time_line.qty_delivered, 10.0)

    def test_ask_again_puts_disputed_time_before_the_customer_as_it_is(self):
        timesheet = self.approved_time((8.0, MONDAY, "Survey"))
        request = self.request_of(timesheet)
        request.with_user(self.cooling_portal).action_customer_dispute("Too much.")
        with self.assertRaisesRegex(AccessError, "the manager of project Cooling retrofit"):
            request.with_user(self.employee_user).action_ask_again()
        request.with_user(self.project_manager).action_ask_again()
        self.assertEqual(timesheet.service_customer_state, 'to_approve')
        self.assertRecordValues(request, [{'state': 'to_approve', 'to_send': True}])
        self.assertFalse(request.activity_ids)

    def test_a_change_by_the_company_asks_the_customer_again(self):
        """Approved by the customer, then changed (hours, description, date): not billable
        again until the customer approves once more; a cost change is not theirs to see."""
        timesheet = self.approved_time((8.0, MONDAY, "Survey"))
        request = self.request_of(timesheet)
        request.with_user(self.cooling_portal).action_customer_approve()
        self.assertEqual(self.time_line.qty_delivered, 8.0)
        timesheet.amount = -500.0  # its cost: the customer never sees it
        self.assertEqual(timesheet.service_customer_state, 'approved')
        timesheet.write({'name': "Survey"})  # unchanged
        self.assertEqual(timesheet.service_customer_state, 'approved')
        timesheet.write({'name': "Site survey"})
        self.assertEqual(timesheet.service_customer_state, 'to_approve')
        self.assertEqual(self.items(timesheet).billing_status, 'not_ready')
        self.assertEqual(self.time_line.qty_delivered, 0.0)
        self.assertEqual(request.state, 'to_approve')
        request.with_user(self.cooling_portal).action_customer_approve()
        # Moved to the next week: the request of that week asks for it.
        timesheet.date = date(2026, 3, 10)
        self.assertEqual(timesheet.service_customer_state, 'to_approve')
        self.assertEqual(timesheet.service_time_approval_id.date_start, date(2026, 3, 9))
        self.assertEqual(request.state, 'cancelled')
        # Unapproved by the manager: not asked any more; approved again: asked again.
        timesheet.with_user(self.project_manager).action_service_unapprove()
        self.assertFalse(timesheet.service_customer_state)
        self.assertFalse(timesheet.service_time_approval_id)
        timesheet.with_user(self.project_manager).action_service_approve()
        self.assertEqual(timesheet.service_customer_state, 'to_approve')

    def test_a_request_follows_its_time_deleted(self):
        survey, report = self.approved_time((8.0, MONDAY, "Survey"),
                                            (4.0, date(2026, 3, 4), "Report"))
        request = self.request_of(survey | report)
        request.with_user(self.cooling_portal).action_customer_dispute(
            "Not ours.", timesheet_ids=report.ids)
        report.unlink()
        self.assertRecordValues(request, [{'state': 'to_approve', 'hours': 8.0}])
        self.assertFalse(request.activity_ids)
        survey.unlink()
        self.assertRecordValues(request, [{'state': 'cancelled', 'hours': 0.0}])

    def test_the_integrity_check_finds_time_billed_before_the_customer_approved(self):
        timesheet = self.approved_time((8.0, MONDAY, "Survey"))
        self.request_of(timesheet).with_user(self.cooling_portal).action_customer_approve()
        self.odoo_invoice().action_post()

        def findings():
            return [finding['message'] for finding in self.env['service.billing.integrity']
                    ._find_broken_invariants()
                    if finding['rule'] == 'time_billed_before_customer_approval']
        self.assertEqual(findings(), [])
        # A write no path makes (billed time keeps the customer's answer).
        self.env.cr.execute("UPDATE account_analytic_line SET service_customer_state = "
                            "'disputed' WHERE id = %s", [timesheet.id])
        self.assertEqual(findings(), [
            "The timesheet of Nina Engineer on 03/02/2026 (Cooling retrofit) is invoiced "
            "(8.00) but waits for its customer's approval."])
        self.env.cr.execute("UPDATE account_analytic_line SET service_customer_state = "
                            "'approved' WHERE id = %s", [timesheet.id])

    def test_the_option_turned_on_and_off(self):
        """Off by default: the manager's approval makes the time ready. Turned on, the time
        still to invoice waits for the customer; turned off, it is ready again. Invoiced time
        stays as it was billed."""
        project = self.create_project_order(name="Option").project_id
        self.assertFalse(project.service_customer_approval)
        self.assertEqual(project.service_approval_period, 'week')
        billed = self.approved_time((5.0, MONDAY, "Billed"), project=project)
        invoice = self.odoo_invoice(project.sale_order_id)
        self.assertEqual(invoice.invoice_line_ids.mapped('quantity'), [5.0])
        waiting = self.approved_time((3.0, MONDAY, "Waiting"), project=project)
        self.assertEqual(self.items(waiting).billing_status, 'ready')
        project.service_customer_approval = True
        self.assertEqual(waiting.service_customer_state, 'to_approve')
        self.assertFalse(billed.service_customer_state)
        self.assertEqual(self.items(waiting).billing_status, 'not_ready')
        self.assertEqual(self.items(billed).billing_status, 'invoice_created')
        request = self.request_of(waiting)
        project.service_customer_approval = False
        self.assertFalse(waiting.service_customer_state)
        self.assertEqual(self.items(waiting).billing_status, 'ready')
        self.assertEqual(request.state, 'cancelled')

    def test_a_month_per_request(self):
        self.project.service_approval_period = 'month'
        timesheets = self.approved_time((8.0, MONDAY, "Survey"),
                                        (4.0, date(2026, 3, 30), "Report"))
        request = self.request_of(timesheets)
        self.assertRecordValues(request, [{'date_start': date(2026, 3, 1),
                                           'date_end': date(2026, 3, 31), 'hours': 12.0}])
        self.assertEqual(request.display_name, "Cooling retrofit, March 2026")

    def test_without_timesheet_approval_the_customer_approves_alone(self):
        self.env.company.service_timesheet_approval = False
        timesheet = self.log(6.0, MONDAY)
        self.assertFalse(timesheet.service_approved)
        self.assertEqual(timesheet.service_customer_state, 'to_approve')
        self.assertEqual(self.items(timesheet).billing_status, 'not_ready')
        self.request_of(timesheet).with_user(self.cooling_portal).action_customer_approve()
        self.assertEqual(self.items(timesheet).billing_status, 'ready')
        self.assertEqual(self.time_line.qty_delivered, 6.0)

    def test_the_request_is_emailed_through_the_mail_queue(self):
        """Send to Customer queues Odoo's email to the customer's billing contact with the
        link that opens the period; the daily job sends the periods over, once."""
        timesheets = self.approved_time((8.0, MONDAY, "Survey"))
        request = self.request_of(timesheets)
        with self.assertRaisesRegex(AccessError, "the manager of project Cooling retrofit"):
            request.with_user(self.employee_user).action_send_to_customer()
        request.with_user(self.project_manager).action_send_to_customer()
        mail = self.env['mail.mail'].search([('model', '=', APPROVAL),
                                             ('res_id', '=', request.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, 'outgoing')
        self.assertEqual(mail.recipient_ids.mapped('name'), ["Carla Cooling"])
        self.assertIn("Cooling retrofit", mail.subject)
        link = re.search(r'/my/time/(\d+)\?access_token=([\w-]+)', mail.body_html)
        self.assertEqual(int(link.group(1)), request.id)
        self.assertEqual(link.group(2), request.access_token)
        self.assertRecordValues(request, [{'to_send': False}])
        self.assertTrue(request.sent_date)
        self.assert_waiting(timesheets, "waits for the customer's approval (Cooling retrofit, "
                                        "week of 03/02/2026, sent on")
        # New time of the week: the daily job asks again once the week is over.
        self.approved_time((2.0, date(2026, 3, 6), "Calls"))
        self.assertTrue(request.to_send)
        cron = self.env['service.time.approval']
        with freeze_time('2026-03-08'):
            cron._cron_send_time_approvals()
        self.assertTrue(request.to_send)
        with freeze_time('2026-03-09'):
            cron._cron_send_time_approvals()
            cron._cron_send_time_approvals()
        self.assertFalse(request.to_send)
        # Twice to the customer (the project manager, who sent it first, follows it).
        self.assertEqual(self.env['mail.mail'].search_count([
            ('model', '=', APPROVAL), ('res_id', '=', request.id),
            ('recipient_ids', '=', self.cooling_contact.id)]), 2)

    def test_a_request_without_an_email_is_said_and_stops_no_other(self):
        self.cooling_contact.email = False
        self.customer.email = False
        timesheet = self.approved_time((8.0, MONDAY, "Survey"))
        request = self.request_of(timesheet)
        with self.assertRaisesRegex(UserError, "Carla Cooling has no email address. Set the "
                                               "Customer Approver of project Cooling retrofit"):
            request.with_user(self.project_manager).action_send_to_customer()
        other = self.create_project_order(partner=self.customer_2, name="Heating").project_id
        other.service_customer_approval = True
        heating = self.approved_time((1.0, MONDAY, "Heating"), project=other)
        with freeze_time('2026-03-09'):
            self.env[APPROVAL]._cron_send_time_approvals()
        self.assertFalse(self.request_of(heating).to_send)
        self.assertTrue(request.to_send)
        self.assertEqual(request.activity_ids.user_id, self.project_manager)
        with freeze_time('2026-03-10'):
            self.env[APPROVAL]._cron_send_time_approvals()
        self.assertEqual(len(request.activity_ids), 1)
        # Once the contact has an address, the next run sends it and closes the activity.
        self.cooling_contact.email = 'carla@cooling.example.com'
        with freeze_time('2026-03-11'):
            self.env[APPROVAL]._cron_send_time_approvals()
        self.assertFalse(request.to_send)
        self.assertFalse(request.activity_ids)


@tagged('post_install', '-at_install')
class TestCustomerTimeApprovalRpc(HostileRpcMixin, CustomerApprovalCommon):
    """JSON-RPC: the one rule of who answers holds whatever calls it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()

    def setUp(self):
        super().setUp()
        self.timesheets = self.approved_time((8.0, MONDAY, "Survey"),
                                             (4.0, date(2026, 3, 4), "Report"))
        self.request = self.request_of(self.timesheets)
        other = self.create_project_order(partner=self.customer_2, name="Heating").project_id
        other.service_customer_approval = True
        self.heating_time = self.approved_time((3.0, MONDAY, "Boiler"), project=other)
        self.heating_request = self.request_of(self.heating_time)

    def test_another_customer_and_the_company_cannot_answer(self):
        self.request._portal_ensure_token()
        other_token = self.heating_request._portal_ensure_token()
        cases = []
        for method, args in (('action_customer_approve', ()),
                             ('action_customer_dispute', ("Forged",))):
            cases += [
                (AccessError, "", self.heating_portal, APPROVAL, method,
                 self.request.ids, *args),
                # Another request's token opens that request only; a forged one nothing.
                (AccessError, "", self.heating_portal, APPROVAL, method, self.request.ids,
                 *args, None, None, other_token),
                (AccessError, "", self.heating_portal, APPROVAL, method, self.request.ids,
                 *args, None, None, 'forged-token'),
                (AccessError, "Only a contact of Cooling Corp", self.project_manager,
                 APPROVAL, method, self.request.ids, *args),
                (AccessError, "Only a contact of Cooling Corp", self.si_manager, APPROVAL,
                 method, self.request.ids, *args),
            ]
        self.assert_each_refused(cases, self.request, *self.timesheets)

    def test_portal_users_cannot_write_time_or_requests(self):
        cases = [
            # Refused before Odoo's access rights are read: by the approval's own guard, by
            # Odoo's check of the employee.
            (UserError, "changes through Approve and Unapprove", self.cooling_portal, LINE,
             'write', self.timesheets.ids, {'service_customer_state': 'approved'}),
            (AccessError, "", self.cooling_portal, LINE, 'write', self.timesheets.ids,
             {'unit_amount': 1.0}),
            (UserError, "", self.cooling_portal, LINE, 'create',
             {'project_id': self.project.id, 'unit_amount': 1.0, 'name': "Forged"}),
            (AccessError, "", self.cooling_portal, LINE, 'action_service_approve',
             self.timesheets.ids),
            (AccessError, "", self.cooling_portal, APPROVAL, 'write', self.request.ids,
             {'state': 'approved'}),
            (AccessError, "", self.cooling_portal, APPROVAL, 'create',
             {'project_id': self.project.id, 'partner_id': self.customer.id}),
            (AccessError, "", self.cooling_portal, APPROVAL, 'action_send_to_customer',
             self.request.ids),
            (AccessError, "", self.cooling_portal, APPROVAL, 'action_ask_again',
             self.request.ids),
            (AccessError, "", self.heating_portal, APPROVAL, 'read', self.request.ids,
             ['state']),
            (UserError, "changes through Approve and Unapprove", self.project_manager, LINE,
             'write', self.timesheets.ids, {'service_customer_state': 'approved'}),
            (AccessError, "", self.project_manager, APPROVAL, 'write', self.request.ids,
             {'state': 'approved'}),
        ]
        self.assert_each_refused(cases, self.request, *self.timesheets)
        self.assertEqual(self.rpc(self.heating_portal, APPROVAL, 'search', []),
                         self.heating_request.ids)

    def test_only_the_waiting_time_of_the_request_as_read(self):
        """Ids of another request's time, time already answered, ids that are no ids, or an
        answer to time the company changed since the customer read it: refused, nothing
        written."""
        version = self.request._service_version()
        survey, report = self.timesheets
        cases = [
            (UserError, "Only the time of Cooling retrofit, week of 03/02/2026 that waits",
             self.cooling_portal, APPROVAL, 'action_customer_approve', self.request.ids,
             self.heating_time.ids),
            (UserError, "Only the time", self.cooling_portal, APPROVAL,
             'action_customer_approve', self.request.ids, ['1 OR 1=1']),
            (UserError, "Only the time", self.cooling_portal, APPROVAL,
             'action_customer_dispute', self.request.ids, "No", [survey.id, -1]),
            (UserError, "Say what is wrong", self.cooling_portal, APPROVAL,
             'action_customer_dispute', self.request.ids, "   "),
            (UserError, "shorten it to 2000", self.cooling_portal, APPROVAL,
             'action_customer_dispute', self.request.ids, "x" * 2001),
            (UserError, "changed since you opened it", self.cooling_portal, APPROVAL,
             'action_customer_approve', self.request.ids, None, 'stale'),
        ]
        self.assert_each_refused(cases, self.request, *self.timesheets)
        # The customer's own contact approves through JSON-RPC as on the portal.
        self.rpc(self.cooling_portal, APPROVAL, 'action_customer_approve', self.request.ids,
                 [survey.id], version)
        self.assertEqual(self.timesheets.mapped('service_customer_state'),
                         ['approved', 'to_approve'])
        self.assert_refused(UserError, "changed since you opened it", self.cooling_portal,
                            APPROVAL, 'action_customer_approve', self.request.ids, None,
                            version)
        self.assert_refused(UserError, "Only the time", self.cooling_portal, APPROVAL,
                            'action_customer_approve', self.request.ids, [survey.id])
        self.assertEqual(self.rpc(self.cooling_portal, APPROVAL, 'read', self.request.ids,
                                  ['state', 'hours_to_approve']),
                         [{'id': self.request.id, 'state': 'to_approve',
                           'hours_to_approve': 4.0}])
