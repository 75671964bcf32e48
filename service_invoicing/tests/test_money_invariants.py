"""The three money holes found through JSON-RPC by a hostile Service User, each replayed as
that user, and the billing integrity check that sees each of them in the stored figures."""

import re
from contextlib import closing

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ServiceOrderCommon
from .test_rpc_hostile_input import HostileRpcMixin


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestMoneyInvariants(HostileRpcMixin, ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.env.user.group_ids |= cls.env.ref('account.group_account_invoice')

    def shipped_order(self, partner=None, quantity=4):
        """An order of the Service User's, ``quantity`` filter kits at 50 shipped."""
        order = self.create_order([(self.filter_kit, quantity)], partner=partner,
                                  user_id=self.si_user.id)
        self.line_of(order, self.filter_kit).price_unit = 50.0
        self.post(order, 'ship', ship={self.filter_kit: quantity})
        return order

    def proforma_of(self, order, user=None):
        """A proforma of the order's backlog, made through the API by ``user``."""
        items = self.env['service.billing.item'].search([('order_id', '=', order.id)])
        wizard_id = self.rpc(user or self.si_user, 'service.proforma.wizard', 'create', {
            'cutoff_date': '2026-03-15', 'item_ids': [Command.set(items.ids)]})
        self.rpc(user or self.si_user, 'service.proforma.wizard', 'action_create', [wizard_id])
        return self.env['service.proforma.wizard'].browse(wizard_id).invoice_ids

    def test_a_non_chargeable_line_writes_off_only_what_is_shipped_and_left(self):
        """Hole 1: Confirm consumed any quantity the line was given (-10, 100 of 4 shipped)."""
        order = self.shipped_order()
        shipment_line = self.shipment_lines(order)
        proforma = self.proforma_of(order)
        kit_line = proforma.invoice_line_ids.filtered('service_shipment_line_id')
        typed_line = Command.create({'product_id': self.hotline.id, 'price_unit': 10.0})
        with closing(self.env.cr.savepoint()):
            self.rpc(self.si_user, 'account.move', 'write', proforma.ids, {
                'invoice_line_ids': [typed_line, Command.update(kit_line.id, {
                    'service_billing_type': 'non_chargeable', 'quantity': -10.0})]})
            self.assert_each_refused([
                (UserError, r"writes off -10\.00 as non-chargeable: only a positive",
                 self.si_user, 'account.move', 'action_service_confirm', proforma.ids),
            ], shipment_line, proforma, kit_line)
        # 100 of 4: no draft holds more than is left, whatever it is for.
        self.assert_each_refused([
            (UserError, r"Draft invoices would hold 100\.00 .* only 4\.00 are left",
             self.si_user, 'account.move', 'write', proforma.ids, {
                 'invoice_line_ids': [typed_line, Command.update(kit_line.id, {
                     'service_billing_type': 'non_chargeable', 'quantity': 100.0})]}),
        ], shipment_line, proforma, kit_line)
        self.assertRecordValues(shipment_line, [{'qty_consumed': 0.0, 'qty_to_invoice': 0.0,
                                                 'qty_in_draft': 4.0}])
        # Writing off what is there is what the billing type is for.
        self.rpc(self.si_user, 'account.move', 'write', proforma.ids, {
            'invoice_line_ids': [
                Command.create({'product_id': self.hotline.id, 'price_unit': 10.0}),
                Command.update(kit_line.id, {'service_billing_type': 'non_chargeable',
                                             'quantity': 3.0})]})
        self.rpc(self.si_user, 'account.move', 'action_service_confirm', proforma.ids)
        self.assertRecordValues(shipment_line, [{'qty_consumed': 3.0, 'qty_invoiced': 0.0,
                                                 'qty_to_invoice': 1.0}])
        self.assertEqual(proforma.amount_untaxed, 10.0)
        self.assertFalse(self.broken_invariants())

    def test_an_invoice_bills_only_its_own_customers_order_lines(self):
        """Hole 2: an invoice of customer X with a line naming customer Y's order line posted,
        and Y's shipment showed invoiced."""
        order_y = self.shipped_order(partner=self.customer_2)
        line_y = self.line_of(order_y, self.filter_kit)
        refused = rf"bills order {order_y.name} of {self.customer_2.name}.*own customer " \
            rf"\({self.customer.name}\)"
        line_values = {'product_id': self.filter_kit.id, 'quantity': 4.0, 'price_unit': 50.0,
                       'sale_line_ids': [Command.set(line_y.ids)]}
        self.assert_each_refused([
            (ValidationError, refused, self.si_manager, 'account.move', 'create', {
                'move_type': 'out_invoice', 'partner_id': self.customer.id,
                'invoice_date': '2026-03-15',
                'invoice_line_ids': [Command.create(line_values)]}),
        ], self.shipment_lines(order_y))
        # Made for Y, then given to X: posting looks again.
        invoice_id = self.rpc(self.si_manager, 'account.move', 'create', {
            'move_type': 'out_invoice', 'partner_id': self.customer_2.id,
            'invoice_date': '2026-03-15', 'invoice_line_ids': [Command.create(line_values)]})
        invoice = self.env['account.move'].browse(invoice_id)
        self.rpc(self.si_manager, 'account.move', 'write', invoice.ids,
                 {'partner_id': self.customer.id})
        self.assert_each_refused([
            (ValidationError, refused, self.si_manager, 'account.move', 'action_post',
             invoice.ids),
        ], invoice, self.shipment_lines(order_y))
        self.assertEqual(invoice.state, 'draft')
        self.assertRecordValues(self.shipment_lines(order_y), [{'qty_invoiced': 0.0}])
        items = self.env['service.billing.item'].search([('order_id', '=', order_y.id)])
        self.assertNotEqual(items.billing_status, 'invoice_posted')

    def test_a_credit_gives_a_quantity_back_only_with_its_money(self):
        """Hole 3: a credit note at zero (complimentary or price 0) gave the 4 units back; a
        new proforma billed them again: 400 billed, 0 credited, for 200 of goods."""
        order = self.shipped_order()
        proforma = self.proforma_of(order)
        self.rpc(self.si_user, 'account.move', 'action_service_confirm', proforma.ids)
        self.assertEqual(proforma.amount_untaxed, 200.0)
        wizard_id = self.rpc(self.si_user, 'service.invoice.correction.wizard', 'create', {
            'invoice_id': proforma.id, 'reason': "full credit",
            'line_ids': [Command.create({'invoice_line_id': line.id, 'quantity_corrected': 0.0})
                         for line in proforma.invoice_line_ids
                         if line.display_type == 'product']})
        action = self.rpc(self.si_user, 'service.invoice.correction.wizard', 'action_correct',
                          [wizard_id])
        credit_note = self.env['account.move'].browse(action['res_id'])
        credit_line = credit_note.invoice_line_ids.filtered('service_shipment_line_id')
        shipment_line = self.shipment_lines(order)
        # A billing type is chosen on invoices: a credit note gives back what was billed.
        self.assert_refused(UserError, "credit note", self.si_user, 'account.move.line',
                            'write', credit_line.ids, {'service_billing_type': 'complimentary'})
        for values in ({'price_unit': 0.0}, {'discount': 100.0}, {'price_unit': 25.0}):
            with self.subTest(values=values), closing(self.env.cr.savepoint()):
                self.rpc(self.si_user, 'account.move.line', 'write', credit_line.ids, values)
                self.assert_each_refused([
                    (UserError,
                     r"gives back 4\.00 Filter kit .* with only \$\s[\d.]+ of its \$\s200\.00",
                     self.si_user, 'account.move', 'action_post', credit_note.ids),
                ], credit_note, credit_line, shipment_line)
        self.assertRecordValues(shipment_line, [{'qty_invoiced': 4.0, 'qty_to_invoice': 0.0}])
        # Given back with its money, the quantity is ready again, once.
        self.rpc(self.si_user, 'account.move', 'action_post', credit_note.ids)
        self.assertRecordValues(shipment_line, [{'qty_invoiced': 0.0, 'qty_to_invoice': 4.0}])
        second = self.proforma_of(order)
        self.assertEqual(second.amount_untaxed, 200.0)

    def test_the_integrity_check_sees_each_hole_in_the_stored_figures(self):
        """Broken by hand in the database (as the holes left it), each invariant is reported
        naming its record; a Manager sees the findings, the nightly job gives them out."""
        order = self.shipped_order()
        shipment_line = self.shipment_lines(order)
        proforma = self.proforma_of(order)
        proforma.action_post()
        self.assertFalse(self.broken_invariants())
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute("UPDATE service_shipment_line SET qty_consumed = -10 "
                                "WHERE id = %s", [shipment_line.id])
            self.env.cr.execute("UPDATE account_move_line SET price_unit = 0, "
                                "price_subtotal = 0, price_total = 0 WHERE move_id = %s AND "
                                "display_type = 'product'", [proforma.id])
            self.env.invalidate_all()
            broken = self.broken_invariants()
            self.assertEqual({finding['rule'] for finding in broken},
                             {'consumed_negative'})
            self.env.cr.execute("UPDATE service_shipment_line SET qty_consumed = 1 "
                                "WHERE id = %s", [shipment_line.id])
            self.env.cr.execute("UPDATE account_move SET commercial_partner_id = %s "
                                "WHERE id = %s", [self.customer_2.id, proforma.id])
            self.env.invalidate_all()
            broken = self.broken_invariants()
            self.assertEqual({finding['rule'] for finding in broken},
                             {'shipped_exceeded', 'shipment_of_another_customer',
                              'order_of_another_customer'})
            self.assertIn(order.name, ' '.join(finding['message'] for finding in broken))
            action = self.rpc(self.si_manager, 'service.billing.integrity.report',
                              'action_check_billing_integrity')
            report = self.env['service.billing.integrity.report'].browse(action['res_id'])
            self.assertEqual(report.finding_count, 3)
            self.assertIn(order, report.finding_ids.mapped('record_ref'))
            self.env['service.billing.integrity']._cron_check_billing_integrity()
            self.assertTrue(order.activity_ids.filtered(
                lambda activity: 'consumed 1.0' in activity.note))
            savepoint.rollback()
        self.env.invalidate_all()
        self.assertFalse(self.broken_invariants())
        self.assert_refused(Exception, "", self.si_user, 'service.billing.integrity.report',
                            'action_check_billing_integrity')

    def test_refusals_say_the_real_cause(self):
        """The loser of two postings read "only 0.0 are shipped" when 4 were shipped and
        already invoiced; a User confirming another salesperson's proforma read that the
        shipment line was not the invoice customer's."""
        order = self.shipped_order()
        invoices = self.post(order, 'invoice', invoice={self.filter_kit: 4.0})
        invoices.action_post()
        said = rf"shipped 4\.00, invoiced 4\.00 \({re.escape(invoices.name)}\)"
        with self.assertRaisesRegex(UserError, said):
            self.post(order, 'invoice', invoice={self.filter_kit: 4.0})
        others = self.create_order([(self.filter_kit, 2)], user_id=self.si_manager.id)
        self.post(others, 'ship', ship={self.filter_kit: 2})
        proforma = self.proforma_of(others, user=self.si_manager)
        self.rpc(self.si_user, 'account.move', 'action_service_confirm', proforma.ids)
        self.assertEqual(proforma.state, 'posted')
        self.assertRecordValues(self.shipment_lines(others), [{'qty_invoiced': 2.0}])

    def test_what_the_engine_records_on_an_invoice_is_not_written_through_the_api(self):
        """Proforma, cut-off, waiting to be posted, the sending's status and attempts: a
        Manager (or anyone) writing them through JSON-RPC is refused, the invoice unchanged."""
        order = self.shipped_order()
        proforma = self.proforma_of(order)
        self.assertTrue(proforma.service_proforma)
        engine = r"are recorded by Service Invoicing itself"
        self.assert_each_refused([
            (UserError, engine, user, 'account.move', 'write', proforma.ids, values)
            for user in (self.si_user, self.si_manager)
            for values in ({'service_proforma': False}, {'service_cutoff_date': '2030-01-01'},
                           {'service_to_post': True}, {'service_sending_status': 'sent'},
                           {'service_send_attempts': 0, 'service_send_error': False})
        ] + [
            (UserError, engine, self.si_manager, 'account.move', 'create', {
                'move_type': 'out_invoice', 'partner_id': self.customer.id,
                'service_proforma': True, 'service_sending_status': 'sent'}),
        ], proforma)

    def test_numbers_that_are_not_numbers_are_refused_everywhere(self):
        """NaN and infinities in a posting, a correction or an invoice line: a message naming
        what to correct, never a traceback, and nothing written."""
        order = self.shipped_order()
        kit = self.line_of(order, self.filter_kit)
        proforma = self.proforma_of(order)
        kit_line = proforma.invoice_line_ids.filtered('service_shipment_line_id')
        not_a_number = "is not a number that can be billed"
        nan, inf = float('nan'), float('inf')
        # Post (its wizard and the list's action call it with the quantities per line).
        with self.assertRaisesRegex(ValidationError, rf"order {order.name}.*{not_a_number}"):
            kit.with_user(self.si_user)._service_post('invoice', invoice={kit: nan})
        self.assert_each_refused([
            (ValidationError, not_a_number, self.si_user, 'account.move.line', 'write',
             kit_line.ids, {'quantity': nan}),
            (ValidationError, not_a_number, self.si_user, 'account.move.line', 'write',
             kit_line.ids, {'price_unit': inf}),
            (ValidationError, not_a_number, self.si_user, 'account.move', 'write', proforma.ids,
             {'invoice_line_ids': [Command.update(kit_line.id, {'discount': -inf})]}),
            (ValidationError, not_a_number, self.si_user, 'account.move', 'create', {
                'move_type': 'out_invoice', 'partner_id': self.customer.id,
                'invoice_line_ids': [Command.create({'name': "Typed", 'quantity': nan,
                                                     'price_unit': 10.0})]}),
        ], proforma, kit_line, self.shipment_lines(order))
        self.rpc(self.si_user, 'account.move', 'action_service_confirm', proforma.ids)
        self.assert_each_refused([
            (ValidationError, not_a_number, self.si_user, 'service.invoice.correction.wizard',
             'create', {'invoice_id': proforma.id, 'reason': "NaN", 'line_ids': [
                 Command.create({'invoice_line_id': kit_line.id, 'quantity_corrected': nan})]}),
            (ValidationError, not_a_number, self.si_user, 'service.order.post.wizard.line',
             'create', {'sale_line_id': kit.id, 'qty_to_invoice': inf}),
        ], proforma)

    def test_a_proforma_dated_out_of_any_sane_range_is_not_confirmed(self):
        """A proforma dated 1899-12-31 or 9999-12-31 posted as INV/1899/00001 or INV/9999/00001;
        dated 0001-01-01, Confirm crashed with a ValueError."""
        order = self.shipped_order()
        proforma = self.proforma_of(order)
        outside = r"its dates: %s is outside the dates .* can bill, 01/01/1990 to 03/15/2036"
        # Typed as ISO dates, said in the user's date format.
        days = {'1899-12-31': '12/31/1899', '9999-12-31': '12/31/9999',
                '0001-01-01': '01/01/0001', '2036-03-16': '03/16/2036'}
        # Typed on the draft, or on a new invoice: refused with the range, not a traceback.
        self.assert_each_refused([
            (ValidationError, outside % shown, self.si_user, 'account.move', 'write',
             proforma.ids, {field: day})
            for day, shown in days.items() for field in ('invoice_date', 'date')
        ] + [
            (ValidationError, outside % shown, self.si_user, 'account.move', 'create', {
                'move_type': 'out_invoice', 'partner_id': self.customer.id,
                'invoice_date': day}) for day, shown in days.items()
        ], proforma, self.shipment_lines(order))
        # Dated there another way (an import, a module's own write), Confirm refuses it.
        for day in ('1899-12-31', '2036-03-16'):
            with self.subTest(day=day), closing(self.env.cr.savepoint()):
                self.env.cr.execute("UPDATE account_move SET invoice_date = %s, date = %s "
                                    "WHERE id = %s", [day, day, proforma.id])
                proforma.invalidate_recordset(['invoice_date', 'date'])
                self.assert_each_refused([
                    (ValidationError, outside % days[day], self.si_user, 'account.move',
                     'action_service_confirm', proforma.ids),
                ], proforma, self.shipment_lines(order))
        self.rpc(self.si_user, 'account.move', 'write', proforma.ids,
                 {'invoice_date': '2036-03-15'})
        self.rpc(self.si_user, 'account.move', 'action_service_confirm', proforma.ids)
        self.assertEqual(proforma.state, 'posted')
