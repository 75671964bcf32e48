from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from odoo.addons.service_invoicing.tests.tour_common import ServiceTourCase


@tagged('post_install', '-at_install')
class TestProjectTours(ServiceTourCase):
    """The web client, in a real (headless Chromium) browser, as a project's manager and as
    an employee logging time, each a user of that role only: an order billing hours at 100
    (untaxed), its project Tour Retrofit and its task Tour Design."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Logins of 8 characters or more: start_tour logs in with the login as password.
        # A project's manager: project and timesheet user rights, the manager of the
        # project, a Service Invoicing user to invoice it.
        cls.project_manager = new_test_user(
            cls.env, login='tour_project_manager', name="Paula Tour Manager",
            groups='base.group_user,project.group_project_user,'
                   'hr_timesheet.group_hr_timesheet_user,service_invoicing.group_service_user')
        cls.employee_user = new_test_user(
            cls.env, login='tour_employee', name="Eric Tour Employee",
            groups='base.group_user,hr_timesheet.group_hr_timesheet_user')
        cls.eric = cls.env['hr.employee'].create(
            {'name': "Eric Tour Employee", 'user_id': cls.employee_user.id})
        cls.nina = cls.env['hr.employee'].create({'name': "Nina Tour Engineer"})
        cls.consulting = cls.env['product.product'].create({
            'name': "Tour Consulting", 'type': 'service', 'service_type': 'timesheet',
            'invoice_policy': 'delivery', 'service_tracking': 'no',
            'uom_id': cls.env.ref('uom.product_uom_hour').id, 'lst_price': 100.0,
            'taxes_id': [Command.clear()]})
        cls.customer = cls.env['res.partner'].create({'name': "Project Tour Customer"})
        cls.order = cls.env['sale.order'].create({
            'partner_id': cls.customer.id, 'user_id': cls.project_manager.id,
            'order_line': [Command.create({'product_id': cls.consulting.id,
                                           'product_uom_qty': 40.0})],
        })
        cls.order.action_confirm()
        cls.project = cls.env['project.project'].create({
            'name': "Tour Retrofit", 'partner_id': cls.customer.id, 'allow_billable': True,
            'allow_timesheets': True, 'user_id': cls.project_manager.id,
            'sale_line_id': cls.order.order_line.id, 'privacy_visibility': 'employees',
        })
        cls.task = cls.env['project.task'].create({
            'name': "Tour Design", 'project_id': cls.project.id})

    def odoo_invoice_figures(self):
        """What Odoo's own Create Invoice of the order bills (made, then rolled back)."""
        with self.env.cr.savepoint(flush=True) as savepoint:
            wizard = self.env['sale.advance.payment.inv'].with_context(
                active_model='sale.order', active_ids=self.order.ids,
            ).create({'advance_payment_method': 'delivered'})
            invoice = self.env['account.move'].browse(wizard.create_invoices()['res_id'])
            figures = (invoice.amount_untaxed, invoice.amount_total,
                       invoice.invoice_line_ids.mapped('quantity'))
            savepoint.rollback()
        return figures

    def test_project_manager_approves_time_and_invoices_the_project(self):
        timesheet = self.env['account.analytic.line'].create({
            'project_id': self.project.id, 'task_id': self.task.id,
            'employee_id': self.nina.id, 'unit_amount': 4.0, 'name': "Design review",
            'date': fields.Date.today()})
        self.assertFalse(timesheet.service_approved)
        # What Odoo bills for the same time once approved.
        with self.env.cr.savepoint(flush=True) as savepoint:
            timesheet.action_service_approve()
            odoo_figures = self.odoo_invoice_figures()
            savepoint.rollback()
        self.assertEqual(odoo_figures, (400.0, 400.0, [4.0]))
        self.start_tour('/odoo/timesheets', 'service_invoicing_project_manager_tour',
                        login=self.project_manager.login)
        self.assertRecordValues(timesheet, [{
            'service_approved': True, 'service_approved_by_id': self.project_manager.id}])
        invoice = self.order.invoice_ids
        self.assertRecordValues(invoice, [{
            'state': 'draft', 'service_proforma': True, 'partner_id': self.customer.id}])
        self.assertEqual((invoice.amount_untaxed, invoice.amount_total,
                          invoice.invoice_line_ids.mapped('quantity')), odoo_figures)
        self.assertEqual(timesheet.service_billing_status, 'invoice_created')

    def test_employee_logs_time_and_sees_it_wait_for_approval(self):
        self.start_tour('/odoo/timesheets', 'service_invoicing_employee_timesheet_tour',
                        login=self.employee_user.login)
        timesheet = self.env['account.analytic.line'].search(
            [('project_id', '=', self.project.id)])
        self.assertRecordValues(timesheet, [{
            'employee_id': self.eric.id, 'task_id': self.task.id, 'name': "Site survey",
            'unit_amount': 3.0, 'so_line': self.order.order_line.id,
            'service_approved': False, 'service_billing_status': 'not_ready'}])
        # Waiting: nothing ready to invoice until the project's manager approves it.
        self.assertEqual(self.order.order_line.qty_delivered, 0.0)
