"""The billing backlog, proformas, corrections and invoice schedules driven through JSON-RPC
by a user, a manager, a portal user and a manager of another company."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .test_rpc_hostile_input import HostileRpcMixin
from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestBacklogHostileRpc(HostileRpcMixin, ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        with freeze_time('2026-03-15'):
            cls.contract = cls.create_contract(invoice_period='month')
            cls.users_contract = cls.create_contract(
                invoice_period='month', user_id=cls.si_user.id, partner=cls.customer_2)
        cls.items = cls.env['service.billing.item'].search(
            [('contract_id', '=', cls.contract.id)])
        cls.users_items = cls.env['service.billing.item'].search(
            [('contract_id', '=', cls.users_contract.id)])
        # Posted shipments: one of the user's own orders, one of another salesperson's.
        cls.users_order = cls.create_order([(cls.labour, 2.0)], user_id=cls.si_user.id)
        cls.managers_order = cls.create_order([(cls.labour, 3.0)], user_id=cls.si_manager.id)
        for order in cls.users_order | cls.managers_order:
            order.order_line._service_post('ship', ship={
                line: line.product_uom_qty for line in order.order_line})
        cls.users_shipment_item, cls.managers_shipment_item = (
            cls.env['service.billing.item'].search(
                [('order_id', '=', order.id), ('source_type', '=', 'shipment_line')])
            for order in (cls.users_order, cls.managers_order))
        cls.accountant = new_test_user(
            cls.env, login='hostile_accountant', groups='account.group_account_invoice',
            company_id=cls.env.company.id, company_ids=[Command.set(cls.env.company.ids)])

    def test_items_are_made_by_their_sources_only(self):
        item = self.items[:1]
        made_by_sources = "made by their sources"
        self.assert_each_refused([
            (UserError, made_by_sources, self.si_user, 'service.billing.item', 'write',
             item.ids, {'ready': False}),
            (UserError, made_by_sources, self.si_manager, 'service.billing.item', 'write',
             item.ids, {'ready': False}),
            (UserError, made_by_sources, self.si_manager, 'service.billing.item', 'write',
             item.ids, {'amount': 1.0, 'billing_status': 'invoice_posted'}),
            (UserError, made_by_sources, self.si_manager, 'service.billing.item', 'create',
             [{'source_type': 'contract_period', 'company_id': self.env.company.id,
               'currency_id': self.env.company.currency_id.id, 'ready': True}]),
            (AccessError, "not allowed", self.si_manager, 'service.billing.item', 'unlink',
             item.ids),
            (AccessError, "", self.portal, 'service.billing.item', 'read', item.ids,
             ['amount']),
            (AccessError, "", self.portal, 'service.billing.item', 'action_mark_ready',
             item.ids),
            (AccessError, "", self.other_manager, 'service.billing.item', 'read', item.ids,
             ['amount']),
            (AccessError, "", self.other_manager, 'service.billing.item',
             'action_mark_not_ready', item.ids),
        ], item)
        # What may be done: Mark Not Ready / Mark Ready of their own items, by a user, through
        # the API.
        own = self.users_items[:1]
        self.rpc(self.si_user, 'service.billing.item', 'action_mark_not_ready', own.ids)
        self.assertEqual(own.billing_status, 'not_ready')
        self.rpc(self.si_user, 'service.billing.item', 'action_mark_ready', own.ids)
        self.assertEqual(own.billing_status, 'ready')
        self.assertFalse(self.rpc(self.other_manager, 'service.billing.item', 'search',
                                  [('id', 'in', self.items.ids)]))

    def test_mark_ready_takes_the_right_to_bill_the_item(self):
        """Mark Ready / Mark Not Ready decide what the next proforma bills: only who may bill
        an item marks it (a Service Invoicing user the items of their own sales, a manager all
        of their companies'), never an Invoicing user without the Service Invoicing right."""
        Item = 'service.billing.item'
        own = self.users_items | self.users_shipment_item
        others = self.items | self.managers_shipment_item
        # One of each held back by the manager: Mark Ready would release it.
        held = self.users_items[:1] | self.items[:1] | self.managers_shipment_item
        self.rpc(self.si_manager, Item, 'action_mark_not_ready', held.ids)
        self.assertEqual(set(held.mapped('billing_status')), {'not_ready'})
        no_right = "takes the Service Invoicing User or Manager right"
        others_contract = rf"not the salesperson of contract {self.contract.name}"
        others_order = rf"You may not invoice the order {self.managers_order.name}"
        self.assert_each_refused([
            (AccessError, no_right, self.accountant, Item, 'action_mark_not_ready', own.ids),
            (AccessError, no_right, self.accountant, Item, 'action_mark_not_ready',
             others.ids),
            (AccessError, no_right, self.accountant, Item, 'action_mark_ready', held.ids),
            (AccessError, others_contract, self.si_user, Item, 'action_mark_not_ready',
             self.items.ids),
            (AccessError, others_order, self.si_user, Item, 'action_mark_not_ready',
             self.managers_shipment_item.ids),
            (AccessError, others_contract, self.si_user, Item, 'action_mark_ready',
             held.ids),
            # Their own with another's: neither changes.
            (AccessError, others_order, self.si_user, Item, 'action_mark_not_ready',
             (own | self.managers_shipment_item).ids),
            (AccessError, "", self.portal, Item, 'action_mark_not_ready', own.ids),
            (AccessError, "", self.other_manager, Item, 'action_mark_not_ready', own.ids),
            (AccessError, "", self.other_manager, Item, 'action_mark_ready', held.ids),
        ], *own, *others)
        # The refusal names the items and why.
        with self.assertRaises(AccessError) as refused:
            self.rpc(self.si_user, Item, 'action_mark_not_ready', self.items[:1].ids)
        self.assertEqual(str(refused.exception), (
            f"You may not mark {self.items[:1].name} ready or not ready to invoice. You are "
            f"not the salesperson of contract {self.contract.name}: only its salesperson or a "
            f"Service Invoicing manager can invoice it."))
        # A user marks their own sales; a manager everyone's of their company.
        self.rpc(self.si_user, Item, 'action_mark_not_ready', own.ids)
        self.assertEqual(set(own.mapped('billing_status')), {'not_ready'})
        self.rpc(self.si_user, Item, 'action_mark_ready', own.ids)
        self.assertEqual(set(own.mapped('billing_status')), {'ready'})
        self.rpc(self.si_manager, Item, 'action_mark_not_ready', others.ids)
        self.assertEqual(set(others.mapped('billing_status')), {'not_ready'})
        self.rpc(self.si_manager, Item, 'action_mark_ready', others.ids)
        self.assertEqual(set(others.mapped('billing_status')), {'ready'})

    def test_proformas_bill_only_what_the_user_may(self):
        wizard_id = self.rpc(self.si_user, 'service.proforma.wizard', 'create', {
            'cutoff_date': date(2026, 3, 15),
            'item_ids': [Command.set((self.items | self.users_items).ids)]})
        self.rpc(self.si_user, 'service.proforma.wizard', 'action_create', [wizard_id])
        wizard = self.env['service.proforma.wizard'].browse(wizard_id)
        # The user's own contract is billed; the other salesperson's is left out, said why.
        self.assertEqual(wizard.invoice_ids.partner_id, self.customer_2)
        self.assertIn(self.contract.name, wizard.result_message)
        self.assertEqual(set(self.items.mapped('billing_status')), {'ready'})
        self.assertEqual(set(self.users_items.mapped('billing_status')), {'invoice_created'})
        # Another company's manager bills nothing of this company: not its items, and not
        # by a wizard without items either.
        self.assert_refused(AccessError, "Billing Backlog Item", self.other_manager,
                            'service.proforma.wizard', 'create', {
                                'cutoff_date': date(2026, 3, 15),
                                'item_ids': [Command.set(self.items.ids)]})
        wizard_2 = self.rpc(self.other_manager, 'service.proforma.wizard', 'create',
                            {'cutoff_date': date(2026, 3, 15)})
        self.assert_refused(UserError, "Nothing is ready", self.other_manager,
                            'service.proforma.wizard', 'action_create', [wizard_2])
        self.assertEqual(set(self.items.mapped('billing_status')), {'ready'})

    def test_get_shipment_lines_never_fills_a_draft_beyond_what_is_left(self):
        """One shipment line given twice to Get Shipment Lines (2 + 2 of the 2 shipped) is
        refused before the draft holds it, as are negative and NaN quantities."""
        shipment_line = self.users_shipment_item.shipment_line_id
        invoice = self.env['account.move'].create(
            {'move_type': 'out_invoice', 'partner_id': self.customer.id})
        Wizard = 'service.shipment.lines.wizard'

        def get_shipment_lines(quantities):
            wizard_id = self.rpc(self.si_user, Wizard, 'create', {
                'invoice_id': invoice.id, 'line_ids': [Command.create(
                    {'shipment_line_id': shipment_line.id, 'qty_to_invoice': quantity,
                     'selected': True}) for quantity in quantities]})
            self.rpc(self.si_user, Wizard, 'action_confirm', [wizard_id])

        between = (rf"^Repair labour of shipment {shipment_line.shipment_id.name}: you can "
                   rf"invoice between 0 and 2.00, not ")
        for quantities, regex in [
            ((2.0, 2.0), rf"{between}4.00 \(2.00 \+ 2.00\).*{self.users_order.name}"),
            ((1.5, 1.0), rf"{between}2.50 \(1.50 \+ 1.00\)"),
            ((3.0, -1.0), rf"{between}-1.00"),
            ((float('nan'),), rf"{between}nan"),
        ]:
            with self.subTest(quantities=quantities), \
                    self.assert_unchanged(invoice, shipment_line), \
                    self.assertRaisesRegex(UserError, regex):
                get_shipment_lines(quantities)
        self.assertFalse(invoice.invoice_line_ids)
        # Within what is left, in two wizard lines: the draft holds the 2 shipped.
        get_shipment_lines((1.0, 1.0))
        self.assertEqual(sum(invoice.invoice_line_ids.mapped('quantity')), 2.0)
        self.assertEqual(shipment_line.qty_to_invoice, 0.0)

    def test_corrections_only_of_posted_invoices_one_may_read(self):
        invoices, _left_out = self.users_items._create_proformas()
        draft = invoices
        self.assert_refused(UserError, "Only a posted customer invoice can be corrected",
                            self.si_user, 'account.move', 'action_service_correct', draft.ids)
        draft.action_post()
        self.assert_refused(AccessError, "", self.other_manager, 'account.move',
                            'action_service_correct', draft.ids)
        self.assert_refused(AccessError, "", self.portal, 'service.invoice.correction.wizard',
                            'create', {'invoice_id': draft.id})
        wizard_id = self.rpc(self.si_user, 'service.invoice.correction.wizard', 'create', {
            'invoice_id': draft.id, 'line_ids': [Command.create({
                'invoice_line_id': draft.invoice_line_ids[0].id, 'quantity_corrected': -5.0})]})
        self.assert_refused(UserError, "goes from 0 to", self.si_user,
                            'service.invoice.correction.wizard', 'action_correct', [wizard_id])
        self.assertFalse(self.env['account.move'].search([('reversed_entry_id', '=', draft.id)]))

    def test_a_credit_note_gives_back_ready_items_of_every_source(self):
        """An item a posted credit note gives back is billable again, and ready to invoice
        as it was when it was billed, whatever its source: a contract period credited in
        full as a shipment line."""
        period_item = self.items.sorted('period_start')[:1]
        shipment_item = self.managers_shipment_item
        shown = self.rpc_bill_and_credit(self.si_manager, period_item | shipment_item)
        self.assertEqual(shown, {period_item: ('ready', 100.0),
                                 shipment_item: ('ready', 240.0)})

    def test_schedules_are_planned_by_managers_of_their_company(self):
        values = {'partner_id': self.customer.id, 'date_from': date(2026, 1, 1),
                  'date_to': date(2026, 3, 31)}
        self.assert_refused(AccessError, "not allowed", self.si_user,
                            'service.invoice.schedule', 'create', values)
        self.assert_refused(AccessError, "", self.portal, 'service.invoice.schedule', 'create',
                            values)
        schedule_id = self.rpc(self.si_manager, 'service.invoice.schedule', 'create', values)
        schedule = self.env['service.invoice.schedule'].browse(schedule_id)
        self.assert_each_refused([
            (AccessError, "", self.other_manager, 'service.invoice.schedule', 'write',
             schedule.ids, {'day_of_month': 3}),
            (AccessError, "", self.other_manager, 'service.invoice.schedule',
             'action_generate_runs', schedule.ids),
            (ValidationError, "", self.si_manager, 'service.invoice.schedule', 'write',
             schedule.ids, {'day_of_month': 40}),
            (AccessError, "not allowed", self.si_user, 'service.invoice.schedule.run',
             'create', {'schedule_id': schedule.id, 'run_date': '2026-03-01'}),
        ], schedule)
        self.rpc(self.si_manager, 'service.invoice.schedule', 'action_generate_runs',
                 schedule.ids)
        self.assertEqual(len(schedule.run_ids), 3)
