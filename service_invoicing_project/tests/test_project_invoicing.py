from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.service.model import call_kw
from odoo.tests import Form, new_test_user, tagged

from .common import ProjectBillingCommon


class ProjectInvoicingCommon(ProjectBillingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Materials shipped for the projects (goods, or services without Inventory).
        cls.filter_kit = cls._create_product(
            name="Filter kit", type='consu', lst_price=50.0, invoice_policy='delivery',
            taxes_id=[Command.set(cls.tax_15.ids)])

    def rpc(self, user, model, method, *args, **kwargs):
        """``model.method(*args)`` as JSON-RPC runs it for ``user``: a fresh cache, the rights
        of the user, nothing kept on error."""
        self.env.flush_all()
        self.env.invalidate_all()
        with self.env.cr.savepoint():
            result = call_kw(self.env[model].with_user(user), method, list(args), kwargs)
            self.env.flush_all()
        return result

    def generate(self, line=None, user=None, **values):
        """Generate Periodic Milestones of ``line`` (the fixed-price line); the milestones."""
        wizard = self.env['service.milestone.generate.wizard'].with_user(
            user or self.env.user).create({'sale_line_id': (line or self.fixed_line).id,
                                           **values})
        action = wizard.action_generate()
        return self.env['project.milestone'].search(action['domain'], order='sequence, id')


@tagged('post_install', '-at_install')
class TestGenerateMilestones(ProjectInvoicingCommon):
    """Generate Periodic Milestones: equal dated shares of a fixed-price line that add up to
    it exactly; billed ones are never replaced; the user's own rights."""

    def test_monthly_milestones_add_up_to_the_line(self):
        wizard_form = Form(self.env['service.milestone.generate.wizard'].with_context(
            default_sale_line_id=self.fixed_line.id))
        self.assertEqual(wizard_form.project_id, self.project)
        wizard_form.date_start = date(2026, 1, 31)
        wizard_form.frequency = 'monthly'
        wizard_form.milestone_count = 6
        action = wizard_form.save().action_generate()
        milestones = self.env['project.milestone'].search(action['domain'], order='sequence')
        self.assertEqual(milestones.mapped('name'),
                         [f"Implementation {index}/6" for index in range(1, 7)])
        # Counted from the first deadline: month ends stay month ends.
        self.assertEqual(milestones.mapped('deadline'), [
            date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
            date(2026, 5, 31), date(2026, 6, 30)])
        self.assertEqual(milestones.project_id, self.project)
        self.assertEqual(milestones.sale_line_id, self.fixed_line)
        # Equal shares at the unit's precision; the last one takes what rounding left.
        self.assertEqual([round(quantity, 2) for quantity in milestones.mapped('product_uom_qty')],
                         [0.17, 0.17, 0.17, 0.17, 0.17, 0.15])
        self.assertEqual(milestones.mapped('service_amount'),
                         [1700.0, 1700.0, 1700.0, 1700.0, 1700.0, 1500.0])
        self.assertFalse(self.fixed_line.service_milestone_error)
        # Each is a backlog item; all reached, the line is delivered whole and billed once.
        self.assertEqual(len(self.items(milestones)), 6)
        milestones.is_reached = True
        self.assertEqual(self.fixed_line.qty_delivered, 1.0)
        invoices, _left_out = self.proforma()
        self.assertRecordValues(invoices, [{'amount_untaxed': 10000.0, 'amount_tax': 1500.0,
                                            'amount_total': 11500.0}])
        invoices.action_post()
        self.assertEqual(self.fixed_line.qty_to_invoice, 0.0)

    def test_weekly_and_quarterly_deadlines(self):
        self.fixed_line.product_uom_qty = 3.0
        weekly = self.generate(date_start=date(2026, 3, 2), frequency='weekly',
                               milestone_count=3)
        self.assertEqual(weekly.mapped('deadline'),
                         [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)])
        self.assertEqual(weekly.mapped('product_uom_qty'), [1.0, 1.0, 1.0])
        quarterly = self.generate(date_start=date(2026, 1, 15), frequency='quarterly',
                                  milestone_count=4, replace_existing=True)
        self.assertFalse(weekly.exists())
        self.assertEqual(quarterly.mapped('deadline'), [
            date(2026, 1, 15), date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15)])
        self.assertEqual(quarterly.mapped('product_uom_qty'), [0.75, 0.75, 0.75, 0.75])
        self.assertEqual(quarterly.mapped('service_amount'), [7500.0] * 4)

    def test_milestones_error_when_they_do_not_add_up(self):
        milestones = self.generate(date_start=date(2026, 3, 1), milestone_count=4)
        self.assertFalse(self.fixed_line.service_milestone_error)
        milestones[-1].product_uom_qty = 0.2
        self.assertEqual(self.fixed_line.service_milestone_error,
                         "The milestones of this line add up to 95.00 % of it: they must make "
                         "100 % of the line value.")
        milestones[-1].product_uom_qty = 0.35
        self.assertEqual(self.fixed_line.service_milestone_error,
                         "The milestones of this line add up to 110.00 % of it: they must make "
                         "100 % of the line value.")
        milestones[-1].product_uom_qty = 0.25
        self.assertFalse(self.fixed_line.service_milestone_error)

    def test_unbilled_milestones_are_replaced_on_request_billed_ones_never(self):
        first = self.generate(date_start=date(2026, 3, 1), milestone_count=3)
        with self.assert_refused(UserError, r"already has 3 milestones \(Implementation 1/3, "
                                            r"Implementation 2/3, Implementation 3/3\): tick "
                                            r"Replace Existing Milestones"):
            self.generate(date_start=date(2026, 3, 1), milestone_count=2)
        self.assertEqual(len(first.exists()), 3)
        # A reached milestone not billed yet is replaced too.
        first[0].is_reached = True
        second = self.generate(date_start=date(2026, 4, 1), milestone_count=2,
                               replace_existing=True)
        self.assertFalse(first.exists())
        self.assertEqual(self.fixed_line.service_milestone_ids, second)
        self.assertEqual(second.mapped('product_uom_qty'), [0.5, 0.5])
        self.assertEqual(self.env['service.billing.item'].search_count(
            [('sale_line_id', '=', self.fixed_line.id)]), 2)

        # Billed (a proforma is enough): never replaced.
        second[0].is_reached = True
        invoices, _left_out = self.proforma()
        self.assertEqual(invoices.amount_untaxed, 5000.0)
        with self.assert_refused(UserError, r"already has billed milestones "
                                            r"\(Implementation 1/2\): they cannot be replaced"):
            self.generate(date_start=date(2026, 5, 1), milestone_count=4,
                          replace_existing=True)
        self.assertEqual(self.fixed_line.service_milestone_ids, second)

    def test_too_many_milestones_for_the_quantity(self):
        self.fixed_line.product_uom_qty = 0.1
        with self.assert_refused(UserError, "each would bill nothing"):
            self.generate(milestone_count=30)
        with self.assert_refused(UserError, "at least one milestone"):
            self.generate(milestone_count=0)
        with self.assert_refused(UserError, "is not invoiced on milestones"):
            self.generate(line=self.time_line, milestone_count=2)

    def test_opened_from_the_order_line_and_the_project(self):
        action = self.fixed_line.action_service_generate_milestones()
        self.assertEqual(action['context'], {'default_sale_line_id': self.fixed_line.id})
        action = self.project.action_service_generate_milestones()
        self.assertEqual(action['context'], {'default_project_id': self.project.id,
                                             'default_sale_line_id': self.fixed_line.id})
        wizard = self.env['service.milestone.generate.wizard'].with_context(
            **action['context']).create({})
        self.assertRecordValues(wizard, [{'sale_line_id': self.fixed_line.id,
                                          'project_id': self.project.id}])

    def test_the_users_own_rights(self):
        """Through the API: generating needs the right to change the order line and to create
        milestones."""
        seller = new_test_user(self.env, login='seller', name="Sam Seller",
                               groups='sales_team.group_sale_salesman,project.group_project_user')
        values = {'sale_line_id': self.fixed_line.id, 'date_start': '2026-03-01',
                  'milestone_count': 2}
        # Not the order's salesperson: may not change its lines.
        wizard_id = self.rpc(seller, 'service.milestone.generate.wizard', 'create', [values])
        with self.assertRaises(AccessError):
            self.rpc(seller, 'service.milestone.generate.wizard', 'action_generate', wizard_id)
        # A timesheet user (no sales rights) cannot even open it on the order line.
        with self.assertRaises(AccessError):
            self.rpc(self.employee_user, 'service.milestone.generate.wizard', 'create', [values])
        self.assertFalse(self.fixed_line.service_milestone_ids)
        # The order's salesperson with project rights does.
        self.order.user_id = seller
        wizard_id = self.rpc(seller, 'service.milestone.generate.wizard', 'create', [values])
        self.rpc(seller, 'service.milestone.generate.wizard', 'action_generate', wizard_id)
        self.assertEqual(len(self.fixed_line.service_milestone_ids), 2)
        # A salesperson without project rights may not create milestones.
        self.order.user_id = self.billing_user
        wizard_id = self.rpc(self.billing_user, 'service.milestone.generate.wizard', 'create',
                             [{**values, 'replace_existing': True}])
        with self.assertRaises(AccessError):
            self.rpc(self.billing_user, 'service.milestone.generate.wizard', 'action_generate',
                     wizard_id)
        self.assertEqual(len(self.fixed_line.service_milestone_ids), 2)


@tagged('post_install', '-at_install')
@freeze_time('2026-03-20')
class TestInvoiceProject(ProjectInvoicingCommon):
    """Invoice Project: what is ready in a project up to a cut-off date, by type of item,
    unit and milestone; what stays is said."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engineering = cls.env['hr.department'].create({'name': "Engineering"})
        cls.field_service = cls.env['hr.department'].create({'name': "Field Service"})
        cls.nina.department_id = cls.engineering
        cls.eric.department_id = cls.field_service

    def setUp(self):
        super().setUp()
        with freeze_time('2026-03-10'):
            self.design, self.build = self.milestones([("Design", 0.3), ("Build", 0.7)])
            self.design.is_reached = True
        self.monday = self.log(8.0, date(2026, 3, 2))
        self.tuesday = self.log(4.0, date(2026, 3, 3), employee=self.eric)
        self.later = self.log(2.0, date(2026, 3, 18))
        (self.monday | self.tuesday | self.later).with_user(
            self.project_manager).action_service_approve()

    def invoice_project(self, projects=None, user=None, **values):
        """Invoice Project as ``user``: (the wizard, its proforma invoices)."""
        wizard = self.env['service.project.invoice.wizard'].with_user(
            user or self.env.user).create({
                'project_ids': [Command.set((projects or self.project).ids)],
                'cutoff_date': date(2026, 3, 10), 'invoice_date': date(2026, 3, 20),
                **values})
        wizard.action_create()
        return wizard, wizard.invoice_ids

    def test_cutoff_leaves_later_items_in_the_backlog(self):
        action = self.project.action_service_invoice_project()
        wizard_form = Form(self.env[action['res_model']].with_context(**action['context']))
        # Up to today: the time of the 2nd, 3rd and 18th and Design (Build is not reached).
        self.assertEqual(wizard_form.item_count, 4)
        wizard_form.cutoff_date = date(2026, 3, 10)
        self.assertEqual(wizard_form.item_count, 3)
        self.assertEqual(wizard_form.amount_ready, 4200.0)
        self.assertEqual(wizard_form.grouping, 'source')
        wizard = wizard_form.save()
        wizard.action_create()
        invoices = wizard.invoice_ids
        self.assertRecordValues(invoices, [{
            'amount_untaxed': 4200.0, 'amount_tax': 630.0, 'amount_total': 4830.0,
            'state': 'draft', 'service_proforma': True,
            'service_cutoff_date': date(2026, 3, 10), 'service_grouping': 'source',
            'invoice_date': date(2026, 3, 20), 'invoice_origin': self.order.name}])
        lines = invoices.invoice_line_ids
        self.assertEqual(lines.filtered('service_timesheet_ids').quantity, 12.0)
        self.assertEqual(lines.filtered('service_milestone_id').service_milestone_id,
                         self.design)
        # After the cut-off: still ready, and said.
        self.assertEqual(self.items(self.later).billing_status, 'ready')
        self.assertEqual(self.items(self.build).billing_status, 'not_ready')
        self.assertEqual(wizard.result_message.splitlines(), [
            "Ready after the cut-off date 03/10/2026, left in the backlog: Work.",
            "Build is not ready to invoice: Milestone Build is not reached: mark it reached "
            "before it is billed."])

    def test_not_ready_items_are_said(self):
        wizard, _invoices = self.invoice_project(cutoff_date=date(2026, 3, 31))
        self.assertIn("Build is not ready to invoice: Milestone Build is not reached: mark it "
                      "reached before it is billed.", wizard.result_message)
        self.assertEqual(wizard.invoice_ids.amount_untaxed, 4400.0)

    def test_only_milestones(self):
        _wizard, invoices = self.invoice_project(include_timesheets=False,
                                                 include_shipment_lines=False)
        self.assertRecordValues(invoices.invoice_line_ids, [{
            'service_milestone_id': self.design.id, 'quantity': 0.3,
            'price_subtotal': 3000.0}])
        self.assertEqual(self.items(self.monday | self.tuesday).mapped('billing_status'),
                         ['ready', 'ready'])

    def test_time_of_one_unit(self):
        _wizard, invoices = self.invoice_project(
            cutoff_date=date(2026, 3, 31), include_milestones=False,
            department_ids=[Command.set(self.engineering.ids)])
        line = invoices.invoice_line_ids
        self.assertEqual(line.service_timesheet_ids, self.monday | self.later)
        self.assertRecordValues(line, [{'quantity': 10.0, 'price_subtotal': 1000.0}])
        self.assertIn("Nina Engineer", line.name)
        self.assertNotIn("Eric", line.name)
        self.assertEqual(self.items(self.tuesday).billing_status, 'ready')
        self.assertEqual(self.items(self.design).billing_status, 'ready')

    def test_chosen_milestones_only(self):
        with freeze_time('2026-03-05'):
            self.build.is_reached = True
        wizard = self.env['service.project.invoice.wizard'].create({
            'project_ids': [Command.set(self.project.ids)], 'cutoff_date': date(2026, 3, 10),
            'include_timesheets': False,
            'milestone_ids': [Command.set(self.build.ids)]})
        self.assertRecordValues(wizard, [{'item_count': 1, 'amount_ready': 7000.0}])
        wizard.action_create()
        self.assertRecordValues(wizard.invoice_ids.invoice_line_ids, [{
            'service_milestone_id': self.build.id, 'price_subtotal': 7000.0}])
        self.assertEqual(self.items(self.design).billing_status, 'ready')

    def test_shipped_materials_of_the_projects_orders(self):
        self.order.order_line = [Command.create({'product_id': self.filter_kit.id,
                                                 'product_uom_qty': 10.0})]
        kit_line = self.order.order_line.filtered(lambda line: line.product_id == self.filter_kit)
        kit_line._service_post('ship', ship={kit_line: 4.0})
        kit_item = self.env['service.billing.item'].search(
            [('order_id', '=', self.order.id), ('source_type', '=', 'shipment_line')])
        kit_item.action_mark_ready()
        # Another customer's order shipped the same day is not the project's.
        other = self.env['sale.order'].create({
            'partner_id': self.customer_2.id,
            'order_line': [Command.create({'product_id': self.filter_kit.id,
                                           'product_uom_qty': 5.0})]})
        other.action_confirm()
        other.order_line._service_post('ship', ship={other.order_line: 5.0})
        self.assertEqual(self.project.service_billing_item_count, 6)
        backlog = self.env['service.billing.item'].search(
            self.project.action_service_view_billing_items()['domain'])
        self.assertIn(kit_item, backlog)
        self.assertFalse(backlog.filtered(lambda item: item.order_id == other))

        _wizard, invoices = self.invoice_project(
            cutoff_date=date(2026, 3, 20), include_timesheets=False, include_milestones=False)
        self.assertRecordValues(invoices.invoice_line_ids, [{
            'product_id': self.filter_kit.id, 'quantity': 4.0, 'price_subtotal': 200.0}])
        self.assertEqual(kit_item.billing_status, 'invoice_created')

    def test_nothing_ready_is_refused_with_what_waits(self):
        with self.assert_refused(UserError, r"^Nothing is ready to invoice in Cooling "
                                            r"retrofit up to 03/01/2026 for this choice.\n"
                                            r"Ready after the cut-off date 03/01/2026, left in "
                                            r"the backlog: Design.$"):
            self.invoice_project(cutoff_date=date(2026, 3, 1), include_timesheets=False)
        self.assertEqual(self.items(self.design).billing_status, 'ready')

    def test_opened_from_the_project(self):
        action = self.project.action_service_invoice_project()
        self.assertEqual(action['res_model'], 'service.project.invoice.wizard')
        self.assertEqual(action['context'], {'default_project_ids': self.project.ids})
        # The project form's Backlog button counts what waits to be invoiced.
        self.assertEqual(Form(self.project).service_billing_item_count, 5)
        action = self.project.action_service_view_billing_items()
        self.assertEqual(self.env['service.billing.item'].search(action['domain']),
                         self.items(self.monday | self.tuesday | self.later)
                         | self.items(self.design | self.build))


@tagged('post_install', '-at_install')
@freeze_time('2026-03-20')
class TestProjectSchedules(ProjectInvoicingCommon):

    def test_a_schedule_of_a_project_invoices_that_project_only(self):
        other_order = self.create_project_order(partner=self.customer_2, name="Other site")
        mine = self.log(6.0, date(2026, 3, 2))
        theirs = self.log(5.0, date(2026, 3, 2), project=other_order.project_id)
        (mine | theirs).with_user(self.project_manager).action_service_approve()
        # Materials shipped on each project's order: the schedule bills its project's only.
        kits = []
        for order in (self.order, other_order):
            order.order_line = [Command.create({'product_id': self.filter_kit.id,
                                                'product_uom_qty': 2.0})]
            kit_line = order.order_line.filtered(lambda line: line.product_id == self.filter_kit)
            with freeze_time('2026-03-10'):  # before the run's cut-off
                kit_line._service_post('ship', ship={kit_line: 2.0})
            kits.append(self.env['service.billing.item'].search(
                [('order_id', '=', order.id), ('source_type', '=', 'shipment_line')]))
            kits[-1].action_mark_ready()
        schedule = self.env['service.invoice.schedule'].create({
            'project_ids': [Command.set(self.project.ids)], 'frequency': 'monthly',
            'day_of_month': 15, 'date_from': date(2026, 3, 1), 'date_to': date(2026, 4, 30)})
        self.assertEqual(schedule.name, "Cooling retrofit - Monthly")
        schedule.action_generate_runs()
        # Its test report, built in memory without the lines' timesheet links, shows the
        # invoice the run makes.
        march = schedule.run_ids.filtered(lambda run: run.run_date == date(2026, 3, 15))
        report = self.env['service.test.report'].browse(march.action_test_report()['res_id'])
        self.assertRecordValues(report.invoice_ids, [{'amount_untaxed': 700.0}])
        self.assertEqual(self.items(mine).billing_status, 'ready')
        runs = self.env['service.invoice.schedule']._run_due_schedules()
        self.assertRecordValues(runs, [{'run_date': date(2026, 3, 15), 'state': 'succeeded',
                                        'cutoff_date': date(2026, 3, 14)}])
        # 6 hours at 100 and 2 kits at 50.
        self.assertRecordValues(runs.invoice_ids, [{
            'partner_id': self.customer.id, 'amount_untaxed': 700.0,
            'service_cutoff_date': date(2026, 3, 14), 'service_proforma': True}])
        self.assertEqual(self.items(mine).billing_status, 'invoice_created')
        self.assertEqual(kits[0].billing_status, 'invoice_created')
        self.assertEqual(self.items(theirs).billing_status, 'ready')
        self.assertEqual(kits[1].billing_status, 'ready')


@tagged('post_install', '-at_install')
@freeze_time('2026-03-20')
class TestProjectInvoicingRights(ProjectInvoicingCommon):
    """Through the API: a user bills the orders they sell, another company's user sees
    nothing of this company's backlog, a portal user nothing at all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Other Co")['company']
        cls.other_manager = new_test_user(
            cls.env, login='other_co', groups='service_invoicing.group_service_manager',
            company_id=cls.company_2.id, company_ids=[Command.set(cls.company_2.ids)])
        cls.portal_user = new_test_user(cls.env, login='portal_customer',
                                        groups='base.group_portal')

    def setUp(self):
        super().setUp()
        self.timesheet = self.log(8.0, date(2026, 3, 2))
        self.timesheet.with_user(self.project_manager).action_service_approve()
        self.values = {'project_ids': [Command.set(self.project.ids)],
                       'cutoff_date': '2026-03-20'}

    def test_a_user_bills_the_orders_they_sell(self):
        wizard_id = self.rpc(self.billing_user, 'service.project.invoice.wizard', 'create',
                             [self.values])
        self.rpc(self.billing_user, 'service.project.invoice.wizard', 'action_create',
                 wizard_id)
        wizard = self.env['service.project.invoice.wizard'].browse(wizard_id)
        self.assertFalse(wizard.invoice_ids)
        self.assertEqual(wizard.result_message,
                         f"You may not invoice the order {self.order.name}: its salesperson "
                         f"or a manager does.")
        self.assertEqual(self.items(self.timesheet).billing_status, 'ready')
        # Their own order: billed.
        self.order.user_id = self.billing_user
        wizard_id = self.rpc(self.billing_user, 'service.project.invoice.wizard', 'create',
                             [self.values])
        self.rpc(self.billing_user, 'service.project.invoice.wizard', 'action_create',
                 wizard_id)
        invoice = self.env['service.project.invoice.wizard'].browse(wizard_id).invoice_ids
        self.assertRecordValues(invoice, [{'amount_untaxed': 800.0,
                                           'invoice_user_id': self.billing_user.id}])

    def test_another_company_sees_nothing(self):
        item = self.items(self.timesheet)
        with self.assertRaises(AccessError):
            self.rpc(self.other_manager, 'service.billing.item', 'read', item.ids, ['amount'])
        self.assertFalse(self.rpc(self.other_manager, 'service.billing.item', 'search',
                                  [('project_id', '=', self.project.id)]))
        wizard_id = self.rpc(self.other_manager, 'service.project.invoice.wizard', 'create',
                             [self.values])
        with self.assertRaisesRegex(UserError, "Nothing is ready to invoice"):
            self.rpc(self.other_manager, 'service.project.invoice.wizard', 'action_create',
                     wizard_id)
        self.assertEqual(item.billing_status, 'ready')

    def test_a_portal_user_reads_no_backlog(self):
        item = self.items(self.timesheet)
        with self.assertRaises(AccessError):
            self.rpc(self.portal_user, 'service.billing.item', 'read', item.ids, ['amount'])
        with self.assertRaises(AccessError):
            self.rpc(self.portal_user, 'service.project.invoice.wizard', 'create',
                     [self.values])
