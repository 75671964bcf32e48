"""One proforma flow: one Confirm and a Proforma label, a proforma of non-chargeable lines
only written off (no invoice posted), Recalculate keeping what the user typed and saying
what it did, totals without what is not billed. Through the API as a Service User and a
Service Manager."""

import ast

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ServiceOrderCommon

TODAY = '2026-03-15'


@tagged('post_install', '-at_install')
@freeze_time(TODAY)
class TestProformaFlow(ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service_user = new_test_user(
            cls.env, login='si_proforma_user', name="Ursula User",
            groups='service_invoicing.group_service_user')
        cls.service_manager = new_test_user(
            cls.env, login='si_proforma_manager', name="Max Manager",
            groups='service_invoicing.group_service_manager')
        cls.roles = (cls.service_user, cls.service_manager)
        # Each bills their own customer (Recalculate takes in all that is ready for it).
        cls.customers = {cls.service_user: cls.customer, cls.service_manager: cls.customer_2}

    def shipped_order(self, user, lines):
        """A confirmed order of ``user`` (its salesperson), shipped in full."""
        order = self.create_order(lines, partner=self.customers[user], user_id=user.id)
        self.post(order, 'ship', ship=dict(lines))
        return order

    def proforma(self, user, order):
        """Create Proforma Invoices of the order, as ``user``."""
        wizard = self.env['service.proforma.wizard'].with_user(user).create(
            {'order_ids': [Command.set(order.ids)]})
        wizard.action_create()
        self.assertEqual(len(wizard.invoice_ids), 1, wizard.result_message)
        return wizard.invoice_ids

    def line(self, invoice, product):
        return invoice.invoice_line_ids.filtered(lambda line: line.product_id == product)

    def items(self, order):
        return self.env['service.billing.item'].search([('order_id', '=', order.id)])

    def test_a_proforma_of_non_chargeable_lines_only_is_written_off_not_posted(self):
        for user in self.roles:
            with self.subTest(user=user.name):
                order = self.shipped_order(user, [(self.labour, 3.0), (self.filter_kit, 2.0)])
                invoice = self.proforma(user, order)
                invoice.invoice_line_ids.service_billing_type = 'non_chargeable'
                action = invoice.action_service_confirm()
                self.assertEqual(action['params']['title'], "Written off, nothing invoiced")
                # Nothing posted, no number used; the time and goods are written off.
                self.assertEqual(invoice.state, 'cancel')
                self.assertFalse(self.env['account.move'].search(
                    [('partner_id', '=', self.customers[user].id), ('state', '=', 'posted')]))
                self.assertEqual(set(self.items(order).mapped('billing_status')),
                                 {'non_chargeable'})
                self.assertEqual(self.shipment_lines(order).mapped('qty_consumed'), [3.0, 2.0])
                self.assertEqual(order.order_line.mapped('qty_invoiced'), [0.0, 0.0])
                self.assertIn("Nothing to invoice: every line is non-chargeable. Written off: "
                              "Repair labour: 3.00 Units, Filter kit: 2.00 Units",
                              invoice.message_ids[0].body)

    def test_posting_by_rpc_follows_the_proforma_flow_and_a_mixed_one_posts(self):
        """Odoo's action_post (what any client calls) writes off as Confirm does; a proforma
        with chargeable lines posts them only."""
        for user in self.roles:
            with self.subTest(user=user.name):
                order = self.shipped_order(user, [(self.labour, 3.0)])
                invoice = self.proforma(user, order)
                invoice.invoice_line_ids.service_billing_type = 'non_chargeable'
                invoice.action_post()
                self.assertEqual(invoice.state, 'cancel')
                self.assertEqual(self.items(order).billing_status, 'non_chargeable')

                mixed_order = self.shipped_order(user, [(self.labour, 4.0),
                                                        (self.filter_kit, 1.0)])
                mixed = self.proforma(user, mixed_order)
                self.line(mixed, self.filter_kit).service_billing_type = 'non_chargeable'
                mixed.action_post()
                self.assertEqual(mixed.state, 'posted')
                self.assertEqual(mixed.invoice_line_ids.product_id, self.labour)
                self.assertEqual(mixed.amount_untaxed, 4 * 80.0)
                self.assertIn("Written off as non-chargeable, not invoiced: Filter kit: "
                              "1.00 Units", ''.join(mixed.message_ids.mapped('body')))

    def visible_header(self, invoice, user):
        """The header buttons and ribbons the user sees on the invoice's form:
        [(tag, label, tooltip)]."""
        views = self.env['account.move'].with_user(user).get_views([(False, 'form')])
        arch = etree.fromstring(views['views']['form']['arch'])
        names = {name for node in arch.iter() for name in safe_eval_names(
            node.get('invisible'))}
        values = {name: invoice[name] for name in names if name in invoice._fields}
        seen = []
        for node in arch.xpath('//header/button | //sheet/widget[@name="web_ribbon"]'):
            expression = node.get('invisible')
            if expression and safe_eval(expression, {**values, 'context': {}, 'uid': user.id}):
                continue
            seen.append((node.tag, node.get('string') or node.get('title'),
                         node.get('help') or node.get('tooltip')))
        return seen

    def test_one_confirm_with_its_help_and_a_proforma_label(self):
        for user in self.roles:
            with self.subTest(user=user.name):
                order = self.shipped_order(user, [(self.labour, 2.0)])
                invoice = self.proforma(user, order)
                seen = self.visible_header(invoice, user)
                confirms = [button for button in seen if button[1] == "Confirm"]
                self.assertEqual(len(confirms), 1, seen)
                self.assertIn("non-chargeable lines only is written off", confirms[0][2])
                self.assertIn(('widget', "Proforma"), [button[:2] for button in seen])
                # An invoice typed by hand is no proforma: Odoo's Confirm, no label.
                typed = self.env['account.move'].with_user(user).create({
                    'move_type': 'out_invoice', 'partner_id': self.customer.id,
                    'invoice_line_ids': [Command.create(
                        {'product_id': self.labour.id, 'quantity': 1.0})]})
                seen = self.visible_header(typed, user)
                self.assertEqual(len([button for button in seen if button[1] == "Confirm"]), 1)
                self.assertNotIn(('widget', "Proforma"), [button[:2] for button in seen])

    def test_recalculate_keeps_what_was_typed_and_says_what_it_did(self):
        for user in self.roles:
            with self.subTest(user=user.name):
                order = self.create_order([(self.labour, 16.0), (self.filter_kit, 3.0)],
                                          partner=self.customers[user], user_id=user.id)
                self.post(order, 'ship', ship={self.labour: 14.5, self.filter_kit: 3.0})
                invoice = self.proforma(user, order)
                labour_line = self.line(invoice, self.labour)
                labour_line.quantity = 8.0
                self.line(invoice, self.filter_kit).price_unit = 45.0
                # The order's price changes; more is shipped meanwhile.
                self.line_of(order, self.filter_kit).price_unit = 55.0
                self.post(order, 'ship', ship={self.labour: 1.5})
                action = invoice.action_service_recalculate()
                labour_lines = self.line(invoice, self.labour)
                self.assertEqual(sorted(labour_lines.mapped('quantity')), [1.5, 8.0])
                self.assertEqual(self.line(invoice, self.filter_kit).price_unit, 45.0)
                self.assertEqual(invoice.amount_untaxed, 9.5 * 80.0 + 3 * 45.0)
                # What was not billed stays ready in the backlog.
                self.assertEqual(sum(self.items(order).filtered(
                    lambda item: item.billing_status == 'ready').mapped('qty_to_invoice')), 6.5)
                said = action['params']['message']
                self.assertIn("added Repair labour: 1.50 Units", said)
                self.assertIn("kept the quantity typed on Repair labour: 8.00 (the sources "
                              "give 14.50)", said)
                self.assertIn("kept the price typed on Filter kit: $\xa045.00 (the sources "
                              "give $\xa055.00)", said)
                self.assertIn("kept the quantity typed on Repair labour",
                              invoice.message_ids[0].body)
                # Again: nothing new, nothing lost.
                said = invoice.action_service_recalculate()['params']['message']
                self.assertEqual(sorted(self.line(invoice, self.labour).mapped('quantity')),
                                 [1.5, 8.0])
                self.assertNotIn("added", said)
                invoice.action_service_confirm()
                self.assertEqual(invoice.amount_untaxed, 9.5 * 80.0 + 3 * 45.0)

    def test_recalculate_keeps_the_discount_typed(self):
        """A discount typed on a proforma line stays through Recalculate, which says so; a
        line whose discount was not typed takes its order line's new one."""
        for user in self.roles:
            with self.subTest(user=user.name):
                order = self.shipped_order(user, [(self.labour, 5.0), (self.filter_kit, 2.0)])
                self.line_of(order, self.filter_kit).discount = 5.0
                invoice = self.proforma(user, order)
                self.line(invoice, self.labour).discount = 10.0
                # The order's discounts change meanwhile.
                order.order_line.discount = 20.0
                said = invoice.action_service_recalculate()['params']['message']
                self.assertEqual(self.line(invoice, self.labour).discount, 10.0)
                self.assertEqual(self.line(invoice, self.filter_kit).discount, 20.0)
                self.assertIn("kept the discount typed on Repair labour: 10.00 % (the sources "
                              "give 20.00 %)", said)
                self.assertNotIn("discount typed on Filter kit", said)
                self.assertEqual(invoice.amount_untaxed, 5 * 80.0 * 0.9 + 2 * 50.0 * 0.8)

    def test_recalculate_keeps_the_billing_type_chosen(self):
        for user in self.roles:
            with self.subTest(user=user.name):
                order = self.shipped_order(user, [(self.labour, 5.0), (self.filter_kit, 2.0)])
                invoice = self.proforma(user, order)
                self.line(invoice, self.labour).service_billing_type = 'complimentary'
                kit_item = self.items(order).filtered(
                    lambda item: item.product_id == self.filter_kit)
                # The kit line deleted, the kit marked not ready: Recalculate leaves it out
                # and the complimentary labour stays complimentary (it was made chargeable).
                invoice.invoice_line_ids = [Command.delete(
                    self.line(invoice, self.filter_kit).id)]
                kit_item.action_mark_not_ready()
                said = invoice.action_service_recalculate()['params']['message']
                self.assertEqual(self.line(invoice, self.labour).service_billing_type,
                                 'complimentary')
                self.assertEqual(invoice.amount_untaxed, 0.0)
                self.assertIn("nothing added, removed or changed", said)

    def test_totals_leave_out_non_chargeable_lines(self):
        for user in self.roles:
            with self.subTest(user=user.name):
                self.labour.standard_price = 30.0
                order = self.shipped_order(user, [(self.labour, 4.0), (self.filter_kit, 2.0)])
                invoice = self.proforma(user, order)
                # Chosen in the form: the totals shown leave the line out before saving.
                with Form(invoice.with_user(user)) as form:
                    for index in range(len(form.invoice_line_ids)):
                        with form.invoice_line_ids.edit(index) as line:
                            if line.product_id == self.filter_kit:
                                line.service_billing_type = 'non_chargeable'
                    self.assertEqual(form.tax_totals['base_amount_currency'], 4 * 80.0)
                self.assertEqual(invoice.amount_untaxed, 4 * 80.0)
                # The statistics count what will be invoiced.
                self.assertRecordValues(invoice, [{
                    'service_stat_quantity': 4.0, 'service_stat_cost': 4 * 30.0}])
                # Given non-chargeable with the invoice: at zero from the start.
                order_2 = self.shipped_order(user, [(self.filter_kit, 1.0)])
                other = self.proforma(user, order_2)
                kit_line = other.invoice_line_ids
                values = {'product_id': self.filter_kit.id, 'quantity': 1.0,
                          'service_shipment_line_id': kit_line.service_shipment_line_id.id,
                          'sale_line_ids': [Command.set(kit_line.sale_line_ids.ids)],
                          'service_billing_type': 'non_chargeable'}
                other.invoice_line_ids = [Command.delete(kit_line.id), Command.create(values)]
                self.assertEqual(other.amount_total, 0.0)


def safe_eval_names(expression):
    """The names an ``invisible=`` expression reads."""
    if not expression:
        return set()
    return {node.id for node in ast.walk(ast.parse(expression, mode='eval'))
            if isinstance(node, ast.Name)}
