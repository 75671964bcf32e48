"""Mark Ready / Mark Not Ready of time and milestones through JSON-RPC: by who may bill them
only, as the proformas bill them."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.service_invoicing.tests.test_rpc_hostile_input import HostileRpcMixin

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
@freeze_time('2026-03-20')
class TestProjectBacklogRightsRpc(HostileRpcMixin, ProjectBillingCommon):
    """An Invoicing user without the Service Invoicing right, a Service Invoicing user (their
    own order and another salesperson's), a manager, a portal user and another company's
    manager marking timesheet and milestone items."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.accountant = new_test_user(
            cls.env, login='hostile_accountant', groups='account.group_account_invoice',
            company_id=cls.env.company.id, company_ids=[Command.set(cls.env.company.ids)])

    def project_items(self, order):
        """The ready items of an approved timesheet and of a reached milestone of ``order``."""
        timesheet = self.log(8.0, date(2026, 3, 2), project=order.project_id)
        timesheet.with_user(self.project_manager).action_service_approve()
        fixed_line = order.order_line.filtered(
            lambda line: line.product_id == self.implementation)
        milestone = self.milestones([("Design", 0.3)], line=fixed_line,
                                    project=order.project_id)
        milestone.is_reached = True
        items = self.items(timesheet) | self.items(milestone)
        self.assertEqual(items.mapped('billing_status'), ['ready', 'ready'])
        return items

    def test_mark_ready_of_time_and_milestones_takes_the_right_to_bill_them(self):
        users_order = self.create_project_order(name="Hostile user's retrofit")
        users_order.user_id = self.si_user
        own, others = self.project_items(users_order), self.project_items(self.order)
        Item = 'service.billing.item'
        no_right = "takes the Service Invoicing User or Manager right"
        others_order = rf"You may not invoice the order {self.order.name}: its salesperson"
        self.assert_each_refused([
            (AccessError, no_right, self.accountant, Item, 'action_mark_not_ready', own.ids),
            (AccessError, no_right, self.accountant, Item, 'action_mark_not_ready',
             others.ids),
            (AccessError, others_order, self.si_user, Item, 'action_mark_not_ready',
             others[:1].ids),
            (AccessError, others_order, self.si_user, Item, 'action_mark_not_ready',
             others[1:].ids),
            (AccessError, others_order, self.si_user, Item, 'action_mark_not_ready',
             (own | others).ids),
            (AccessError, "", self.portal, Item, 'action_mark_not_ready', own.ids),
            (AccessError, "", self.other_manager, Item, 'action_mark_not_ready', own.ids),
        ], *own, *others)
        # Held back by a manager: Mark Ready is refused the same way.
        self.rpc(self.si_manager, Item, 'action_mark_not_ready', (own | others).ids)
        self.assertEqual(set((own | others).mapped('billing_status')), {'not_ready'})
        self.assert_each_refused([
            (AccessError, no_right, self.accountant, Item, 'action_mark_ready', own.ids),
            (AccessError, others_order, self.si_user, Item, 'action_mark_ready', others.ids),
            (AccessError, "", self.other_manager, Item, 'action_mark_ready', own.ids),
        ], *own, *others)
        # A user marks their own order's time and milestones; a manager everyone's.
        self.rpc(self.si_user, Item, 'action_mark_ready', own.ids)
        self.assertEqual(set(own.mapped('billing_status')), {'ready'})
        self.rpc(self.si_manager, Item, 'action_mark_ready', others.ids)
        self.assertEqual(set(others.mapped('billing_status')), {'ready'})

    def test_a_credit_note_gives_back_ready_time_and_milestones(self):
        """An hour and a milestone a posted credit note gives back are billable again and
        ready to invoice, as they were when they were billed: as a contract period and a
        shipment line are (service_invoicing's test of the same name)."""
        timesheet_item, milestone_item = self.project_items(self.order)
        shown = self.rpc_bill_and_credit(self.si_manager, timesheet_item | milestone_item)
        self.assertEqual(shown, {timesheet_item: ('ready', 800.0),
                                 milestone_item: ('ready', 3000.0)})
