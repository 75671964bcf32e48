from datetime import date

from odoo import Command

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.service_invoicing.tests.common import ServiceInvoicingCommon


class ProjectBillingCommon(ServiceInvoicingCommon):
    """An order with a time-and-material line (hours at 100, taxed 15%) and a fixed-price
    line billed on milestones (10,000), the project that logs time on it, its manager, two
    employees and a billing clerk."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref('project.group_project_manager') \
            | cls.env.ref('hr.group_hr_user') | cls.env.ref('project.group_project_milestone') \
            | cls.env.ref('hr_timesheet.group_hr_timesheet_user')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uom_hour = cls.env.ref('uom.product_uom_hour')
        cls.consulting = cls._create_product(
            name="Consulting", type='service', service_type='timesheet',
            invoice_policy='delivery', service_tracking='no', uom_id=cls.uom_hour.id,
            lst_price=100.0, taxes_id=[Command.set(cls.tax_15.ids)])
        cls.implementation = cls._create_product(
            name="Implementation", type='service', service_type='milestones',
            invoice_policy='delivery', service_tracking='no', lst_price=10000.0,
            taxes_id=[Command.set(cls.tax_15.ids)])
        cls.project_manager = mail_new_test_user(
            cls.env, login='pm', name="Paula Manager",
            groups='project.group_project_user,hr_timesheet.group_hr_timesheet_user')
        cls.employee_user = mail_new_test_user(
            cls.env, login='emp', name="Eric Employee",
            groups='hr_timesheet.group_hr_timesheet_user')
        cls.billing_user = mail_new_test_user(
            cls.env, login='clerk', name="Clara Clerk",
            groups='service_invoicing.group_service_user')
        cls.eric = cls.env['hr.employee'].create(
            {'name': "Eric Employee", 'user_id': cls.employee_user.id})
        cls.nina = cls.env['hr.employee'].create({'name': "Nina Engineer"})
        cls.paula = cls.env['hr.employee'].create(
            {'name': "Paula Manager", 'user_id': cls.project_manager.id})

    def setUp(self):
        super().setUp()
        self.order = self.create_project_order()
        self.time_line = self.order.order_line.filtered(
            lambda line: line.product_id == self.consulting)
        self.fixed_line = self.order.order_line.filtered(
            lambda line: line.product_id == self.implementation)
        self.project = self.order.project_id

    @classmethod
    def create_project_order(cls, partner=None, hours=100.0, name="Cooling retrofit"):
        """A confirmed order and its project: time logged on the project bills the
        time-and-material line."""
        order = cls.env['sale.order'].create({
            'partner_id': (partner or cls.customer).id,
            'order_line': [
                Command.create({'product_id': cls.consulting.id, 'product_uom_qty': hours}),
                Command.create({'product_id': cls.implementation.id, 'product_uom_qty': 1.0}),
            ],
        })
        order.action_confirm()
        time_line = order.order_line.filtered(lambda line: line.product_id == cls.consulting)
        project = cls.env['project.project'].create({
            'name': name, 'partner_id': order.partner_id.id, 'allow_billable': True,
            'allow_timesheets': True, 'allow_milestones': True,
            'user_id': cls.project_manager.id, 'sale_line_id': time_line.id,
            'privacy_visibility': 'employees',
        })
        order.project_id = project
        return order

    def log(self, hours, day, employee=None, description="Work", project=None):
        """A timesheet on the project (the order's time-and-material line)."""
        return self.env['account.analytic.line'].create({
            'project_id': (project or self.project).id,
            'employee_id': (employee or self.nina).id,
            'unit_amount': hours,
            'date': day,
            'name': description,
        })

    def milestones(self, shares, line=None, project=None):
        """Milestones of the fixed-price line: [(name, share of the line, 0.3 for 30%)]."""
        line = line or self.fixed_line
        milestones = self.env['project.milestone'].create([{
            'name': name, 'project_id': (project or self.project).id,
            # As Odoo creates them: product_uom_qty is not stored and ignored on create.
            'sale_line_id': line.id, 'quantity_percentage': share,
            'deadline': date(2026, 3, 1 + index),
        } for index, (name, share) in enumerate(shares)])
        # Odoo leaves the percentage to recompute from product_uom_qty: stored as given.
        milestones.flush_recordset(['quantity_percentage'])
        return milestones

    def items(self, records):
        return records.sudo().service_billing_item_ids

    def proforma(self, items=None, **options):
        """Proforma invoices of the ready items (all of this order's by default)."""
        items = items if items is not None else self.env['service.billing.item'].search(
            [('order_id', '=', self.order.id)])
        invoices, left_out = items._create_proformas(**options)
        return invoices, left_out

    def proforma_billing_as_odoo(self):
        """The proformas of the order's ready items, asserted to bill the money Odoo's Create
        Invoice of the same order bills (made first, then rolled back): (invoices, left out)."""
        def money(invoices):
            return (invoices.amount_untaxed, invoices.amount_tax, invoices.amount_total,
                    invoices.invoice_line_ids.mapped('quantity'))
        with self.env.cr.savepoint(flush=True) as savepoint:
            odoo_figures = money(self.odoo_invoice())
            savepoint.rollback()
        invoices, left_out = self.proforma()
        self.assertEqual(money(invoices), odoo_figures)
        return invoices, left_out

    def credit(self, invoice, corrected=0.0):
        """Correct this Invoice: every line corrected to ``corrected``; the draft credit note."""
        wizard = self.env['service.invoice.correction.wizard'].with_context(
            default_invoice_id=invoice.id).create({})
        wizard._onchange_invoice_id()
        wizard.line_ids.quantity_corrected = corrected
        return self.env['account.move'].browse(wizard.action_correct()['res_id'])

    def odoo_invoice(self, order=None, **wizard_values):
        """Odoo's own Create Invoice (delivered quantities) of the order."""
        order = order or self.order
        wizard = self.env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=order.ids, active_id=order.id,
        ).create({'advance_payment_method': 'delivered', **wizard_values})
        wizard.create_invoices()
        return order.invoice_ids.filtered(lambda move: move.state == 'draft').sorted('id')[-1:]


class CustomerApprovalCommon(ProjectBillingCommon):
    """The project asks its customer to approve its time: a contact of the customer (Cooling
    Corp) and a contact of another customer (Heating Ltd), each with portal access."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cooling_contact = cls.env['res.partner'].create({
            'name': "Carla Cooling", 'email': 'carla@cooling.example.com',
            'parent_id': cls.customer.id, 'type': 'invoice'})
        cls.cooling_portal = mail_new_test_user(
            cls.env, login='cooling_portal', name="Colin Cooling",
            email='colin@cooling.example.com', groups='base.group_portal')
        cls.cooling_portal.partner_id.parent_id = cls.customer
        cls.heating_portal = mail_new_test_user(
            cls.env, login='heating_portal', name="Hanna Heating",
            email='hanna@heating.example.com', groups='base.group_portal')
        cls.heating_portal.partner_id.parent_id = cls.customer_2

    def setUp(self):
        super().setUp()
        self.project.service_customer_approval = True

    def approved_time(self, *entries, project=None):
        """Timesheets [(hours, day, description)] of Nina, approved by the project's
        manager: they wait for the customer."""
        timesheets = self.env['account.analytic.line'].union(*(
            self.log(hours, day, description=description, project=project)
            for hours, day, description in entries))
        timesheets.with_user(self.project_manager).action_service_approve()
        return timesheets

    def request_of(self, timesheets):
        requests = timesheets.sudo().service_time_approval_id
        self.assertEqual(len(requests), 1)
        return requests
