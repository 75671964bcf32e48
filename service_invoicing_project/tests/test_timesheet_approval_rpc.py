"""Approve Timesheets through JSON-RPC, as the web client does it: the menu, the list of the
timesheets to approve, its Approve / Unapprove buttons and Approve a Week, for a project's
manager (only the project user and timesheet user rights), an employee, a Service Invoicing
user, a project administrator and another company's project administrator."""

import ast
from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.service_invoicing.tests.test_rpc_hostile_input import HostileRpcMixin

from .common import ProjectBillingCommon

MENUS = ('service_invoicing_project.menu_timesheet_approval',
         'service_invoicing_project.menu_timesheet_to_approve',
         'service_invoicing_project.menu_timesheet_approval_wizard',
         'service_invoicing_project.menu_service_timesheets_to_approve')
ACTION = 'service_invoicing_project.action_service_timesheets_to_approve'
LINE = 'account.analytic.line'


@tagged('post_install', '-at_install')
class TestTimesheetApprovalRpc(HostileRpcMixin, ProjectBillingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.project_admin = new_test_user(
            cls.env, login='project_admin', name="Ada Admin",
            groups='project.group_project_manager,hr_timesheet.group_hr_timesheet_user',
            company_id=cls.env.company.id, company_ids=[Command.set(cls.env.company.ids)])
        cls.other_admin = new_test_user(
            cls.env, login='other_project_admin', name="Otto Other",
            groups='project.group_project_manager,hr_timesheet.group_hr_timesheet_user',
            company_id=cls.company_2.id, company_ids=[Command.set(cls.company_2.ids)])

    def setUp(self):
        super().setUp()
        # Eric's time on Paula's project, and on a project somebody else manages.
        self.mine = self.log(8.0, date(2026, 3, 2), employee=self.eric)
        other_order = self.create_project_order(name="Someone else's")
        other_order.project_id.user_id = self.env.user
        self.theirs = self.log(6.0, date(2026, 3, 3), employee=self.eric,
                               project=other_order.project_id)

    def menus(self, user):
        """The xmlids of the menus of ``user`` among MENUS, with their action."""
        menus = self.rpc(user, 'ir.ui.menu', 'load_menus', False)
        return {menu['xmlid']: menu['action_id'] for menu in menus.values()
                if isinstance(menu, dict) and menu.get('xmlid') in MENUS}

    def to_approve(self, user):
        """The timesheets the menu's list shows ``user`` (its domain and default filter)."""
        action = self.env.ref(ACTION)
        domain = [*ast.literal_eval(action.domain),
                  ('so_line', '!=', False), ('service_approved', '=', False)]
        records = self.rpc(user, LINE, 'search_read', domain, fields=['id'])
        return self.env[LINE].browse([record['id'] for record in records])

    def buttons(self, user, view_type, records=None, view_id=None):
        """The buttons of the menu's list or form (or of ``view_id``) for ``user``; and
        ``records`` read as the view reads them."""
        if view_id is None:
            view_id = next(view.view_id.id for view in self.env.ref(ACTION).view_ids
                           if view.view_mode == view_type)
        views = self.rpc(user, LINE, 'get_views', [[view_id, view_type]])
        arch = etree.fromstring(views['views'][view_type]['arch'])
        values = []
        if records:
            fields = views['models'][LINE]['fields']
            specification = {
                name: {'fields': {'display_name': {}}} if fields[name]['type'] == 'many2one'
                else {} for name in {field.get('name') for field in arch.iter('field')}
                if name in fields}
            values = self.rpc(user, LINE, 'web_read', records.ids, specification)
        return {button.get('name') for button in arch.iter('button')}, values

    def test_project_manager_approves_from_the_menu(self):
        """Paula manages the project: Timesheets > Approve Timesheets shows her project's
        time, Approve on the list and on the form approve it, and it is ready to invoice."""
        menus = self.menus(self.project_manager)
        self.assertEqual(set(menus), set(MENUS[:3]))
        self.assertEqual(menus['service_invoicing_project.menu_timesheet_to_approve'],
                         self.env.ref(ACTION).id)
        self.assertEqual(self.to_approve(self.project_manager), self.mine)
        buttons, _values = self.buttons(self.project_manager, 'list', self.mine)
        self.assertLessEqual({'action_service_approve', 'action_service_unapprove',
                              'action_service_open_approval_wizard'}, buttons)
        buttons, values = self.buttons(self.project_manager, 'form', self.mine)
        self.assertLessEqual({'action_service_approve', 'action_service_unapprove'}, buttons)
        self.assertTrue(values[0]['service_may_approve'])
        self.rpc(self.project_manager, LINE, 'action_service_approve', self.mine.ids)
        self.assertTrue(self.mine.service_approved)
        self.assertEqual(self.mine.service_approved_by_id, self.project_manager)
        self.assertEqual(self.items(self.mine).billing_status, 'ready')
        self.assertFalse(self.to_approve(self.project_manager))
        self.rpc(self.project_manager, LINE, 'action_service_unapprove', self.mine.ids)
        self.assertFalse(self.mine.service_approved)
        self.assertEqual(self.items(self.mine).billing_status, 'not_ready')
        # Approve a Week, from the list: her project's week only, not her own time on
        # another's project.
        own_elsewhere = self.log(3.0, date(2026, 3, 5), employee=self.paula,
                                 project=self.theirs.project_id)
        action = self.rpc(self.project_manager, LINE, 'action_service_open_approval_wizard')
        self.assertEqual(action['res_model'], 'service.timesheet.approval.wizard')
        wizard_id = self.rpc(self.project_manager, action['res_model'], 'create', {
            'date_from': '2026-03-02', 'date_to': '2026-03-08'})
        self.rpc(self.project_manager, action['res_model'], 'action_approve', [wizard_id])
        self.assertEqual((self.mine | self.theirs | own_elsewhere).mapped('service_approved'),
                         [True, False, False])
        # Another manager's project is not hers, even named by id.
        self.assert_each_refused([
            (AccessError, "", self.project_manager, LINE, 'action_service_approve',
             self.theirs.ids),
        ], self.theirs)

    def test_employee_service_user_and_other_company_approve_nothing(self):
        """No menu, an empty list, and Approve refused, naming who approves. Another
        company's project administrator has the menu, for their company's time only."""
        self.log(2.0, date(2026, 3, 4), employee=self.eric, description="Eric's own")
        for user in (self.employee_user, self.si_user, self.billing_user):
            with self.subTest(user=user.login):
                self.assertFalse(self.menus(user))
        self.assertEqual(set(self.menus(self.other_admin)), set(MENUS[:3]))
        for user in (self.employee_user, self.other_admin):
            with self.subTest(user=user.login):
                self.assertFalse(self.to_approve(user))
        own = self.env[LINE].search([('employee_id', '=', self.eric.id)])
        # Eric's own timesheet in Odoo's form: Approve shows only where he may approve.
        form = self.env.ref('hr_timesheet.timesheet_view_form_user').id
        buttons, values = self.buttons(self.employee_user, 'form', own, view_id=form)
        self.assertIn('action_service_approve', buttons)
        self.assertEqual({value['service_may_approve'] for value in values}, {False})
        self.assert_each_refused([
            (AccessError, "project manager", self.employee_user, LINE,
             'action_service_approve', own.ids),
            (AccessError, "project manager", self.si_user, LINE, 'action_service_approve',
             self.mine.ids),
            (AccessError, "project manager", self.billing_user, LINE,
             'action_service_approve', self.mine.ids),
            (AccessError, "", self.other_admin, LINE, 'action_service_approve',
             self.mine.ids),
        ], *own)
        # Approved by Paula: nobody else takes it back.
        self.mine.with_user(self.project_manager).action_service_approve()
        self.assert_each_refused([
            (AccessError, "project manager", self.employee_user, LINE,
             'action_service_unapprove', self.mine.ids),
            (AccessError, "project manager", self.si_user, LINE, 'action_service_unapprove',
             self.mine.ids),
            (AccessError, "", self.other_admin, LINE, 'action_service_unapprove',
             self.mine.ids),
        ], self.mine)

    def test_project_administrator_approves_every_project(self):
        self.assertEqual(set(self.menus(self.project_admin)), set(MENUS[:3]))
        # With the Service Invoicing right, under Service Invoicing > Invoicing too.
        self.project_admin.group_ids |= self.env.ref('service_invoicing.group_service_user')
        self.assertEqual(set(self.menus(self.project_admin)), set(MENUS))
        self.assertEqual(self.to_approve(self.project_admin), self.mine | self.theirs)
        self.rpc(self.project_admin, LINE, 'action_service_approve',
                 (self.mine | self.theirs).ids)
        self.assertEqual(set(self.items(self.mine | self.theirs).mapped('billing_status')),
                         {'ready'})

