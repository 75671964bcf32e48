from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
class TestServiceOrderPosting(ServiceOrderCommon):

    def test_every_posting_that_ships_makes_a_posted_shipment(self):
        order = self.create_order([(self.filter_kit, 10.0), (self.labour, 5.0)])
        kit, labour = self.line_of(order, self.filter_kit), self.line_of(order, self.labour)
        self.assertRecordValues(kit | labour, [
            {'service_qty_to_ship': 10.0, 'service_qty_to_invoice': 0.0},
            {'service_qty_to_ship': 5.0, 'service_qty_to_invoice': 0.0}])
        invoices = self.post(order, 'ship', ship={self.filter_kit: 4.0, self.labour: 2.0})
        self.assertFalse(invoices)
        shipment = order.service_shipment_ids
        self.assertEqual(len(shipment), 1)
        self.assertTrue(shipment.name.startswith('SSH'))
        self.assertRecordValues(shipment, [{'partner_id': self.customer.id,
                                            'invoice_status': 'to_invoice'}])
        self.assertRecordValues(shipment.line_ids.sorted('product_id'), sorted([
            {'product_id': self.filter_kit.id, 'qty_shipped': 4.0, 'qty_to_invoice': 4.0},
            {'product_id': self.labour.id, 'qty_shipped': 2.0, 'qty_to_invoice': 2.0},
        ], key=lambda values: values['product_id']))
        self.assertRecordValues(kit | labour, [
            {'qty_delivered': 4.0, 'qty_invoiced': 0.0, 'service_qty_shipped_not_invoiced': 4.0,
             'service_qty_to_ship': 6.0, 'service_qty_to_invoice': 4.0},
            {'qty_delivered': 2.0, 'qty_invoiced': 0.0, 'service_qty_shipped_not_invoiced': 2.0,
             'service_qty_to_ship': 3.0, 'service_qty_to_invoice': 2.0}])
        self.post(order, 'ship', ship={self.filter_kit: 6.0, self.labour: 3.0})
        self.assertEqual(order.service_shipment_count, 2)
        self.assertRecordValues(kit | labour, [{'qty_delivered': 10.0}, {'qty_delivered': 5.0}])
        self.assertEqual(order.action_view_service_shipments()['domain'],
                         [('id', 'in', order.service_shipment_ids.ids)])

    def test_invoice_only_what_is_shipped_then_post_updates_shipments(self):
        order = self.create_order([(self.filter_kit, 10.0), (self.labour, 5.0)])
        self.post(order, 'ship', ship={self.filter_kit: 4.0, self.labour: 2.0})
        with self.assertRaisesRegex(UserError, "cannot invoice what has not been shipped"):
            self.post(order, 'invoice', invoice={self.filter_kit: 5.0})
        invoice = self.post(order, 'invoice', invoice={self.filter_kit: 3.0, self.labour: 2.0})
        kit_line = self.shipment_lines(order, self.filter_kit)
        labour_line = self.shipment_lines(order, self.labour)
        self.assertRecordValues(invoice.invoice_line_ids, [
            {'product_id': self.filter_kit.id, 'quantity': 3.0, 'price_unit': 50.0,
             'service_shipment_line_id': kit_line.id, 'tax_ids': self.tax_15.ids},
            {'product_id': self.labour.id, 'quantity': 2.0, 'price_unit': 80.0,
             'service_shipment_line_id': labour_line.id, 'tax_ids': self.tax_15.ids}])
        self.assertEqual(invoice.state, 'draft')
        # On a draft: shipped not invoiced counts posted invoices only, to invoice drafts too.
        self.assertRecordValues(kit_line, [{'qty_invoiced': 0.0, 'qty_in_draft': 3.0,
                                            'qty_shipped_not_invoiced': 4.0,
                                            'qty_to_invoice': 1.0}])
        self.assertRecordValues(self.line_of(order, self.filter_kit), [
            {'service_qty_shipped_not_invoiced': 4.0, 'service_qty_to_invoice': 1.0}])
        invoice.action_post()
        self.assertRecordValues(kit_line, [{'qty_invoiced': 3.0,
                                            'qty_shipped_not_invoiced': 1.0}])
        shipment = kit_line.shipment_id
        self.assertEqual(shipment.invoice_status, 'partial')
        self.assertEqual(shipment.invoice_ids, invoice)
        self.assertEqual(invoice.service_shipment_ids, shipment)
        self.assertEqual(invoice.action_view_service_shipments()['res_id'], shipment.id)
        self.assertRecordValues(self.line_of(order, self.filter_kit), [
            {'qty_invoiced': 3.0, 'service_qty_shipped_not_invoiced': 1.0}])
        self.assertEqual(invoice.amount_untaxed, 3 * 50.0 + 2 * 80.0)

    def test_ship_and_invoice_needs_equal_quantities(self):
        order = self.create_order([(self.filter_kit, 10.0)])
        with self.assertRaisesRegex(UserError, "must equal the quantity to ship"):
            self.post(order, 'ship_invoice', ship={self.filter_kit: 4.0},
                      invoice={self.filter_kit: 3.0})
        self.assertFalse(order.service_shipment_ids)
        invoice = self.post(order, 'ship_invoice', ship={self.filter_kit: 4.0},
                            invoice={self.filter_kit: 4.0}, post_invoice=True)
        self.assertRecordValues(invoice, [{'state': 'posted', 'amount_untaxed': 200.0}])
        self.assertEqual(order.service_shipment_ids.invoice_status, 'invoiced')
        self.assertEqual(self.line_of(order, self.filter_kit).qty_invoiced, 4.0)

    def test_consume_is_shipped_and_never_charged(self):
        order = self.create_order([(self.filter_kit, 10.0), (self.labour, 4.0)])
        self.post(order, 'consume', ship={self.filter_kit: 3.0}, consume={self.filter_kit: 2.0})
        kit = self.line_of(order, self.filter_kit)
        self.assertRecordValues(kit, [{
            'qty_delivered': 3.0, 'service_qty_consumed': 2.0,
            'service_qty_shipped_not_invoiced': 1.0, 'qty_to_invoice': 1.0,
            'service_qty_to_invoice': 1.0}])
        self.assertRecordValues(self.shipment_lines(order, self.filter_kit), [
            {'qty_consumed': 2.0, 'qty_to_invoice': 1.0}])
        with self.assertRaisesRegex(UserError, "You cannot consume 2.00"):
            self.post(order, 'consume', consume={self.filter_kit: 2.0})
        with self.assertRaisesRegex(UserError, "cannot invoice what has not been shipped"):
            self.post(order, 'invoice', invoice={self.filter_kit: 2.0})
        self.post(order, 'ship', ship={self.labour: 4.0})
        self.post(order, 'consume', consume={self.labour: 1.0})
        self.assertRecordValues(self.line_of(order, self.labour), [
            {'service_qty_consumed': 1.0, 'service_qty_shipped_not_invoiced': 3.0,
             'qty_to_invoice': 3.0}])

    def test_refusals_name_the_line_and_change_nothing(self):
        order = self.create_order([(self.filter_kit, 5.0), (self.labour, 2.0)])
        self.post(order, 'ship', ship={self.filter_kit: 2.0})
        cases = [
            ('ship', {'ship': {self.filter_kit: -1.0}}, "cannot be negative"),
            ('ship', {'ship': {self.filter_kit: 4.0}}, "only 3.00 are left to ship"),
            ('invoice', {'invoice': {self.labour: 1.0}}, "cannot invoice what has not been"),
            ('consume', {'consume': {self.filter_kit: 3.0}}, "You cannot consume 3.00"),
            ('ship', {'ship': {self.filter_kit: 0.0}}, "nothing to post"),
            ('ship', {'invoice': {self.filter_kit: 1.0}}, "does not post quantities"),
        ]
        for option, quantities, message in cases:
            with self.subTest(message=message):
                with self.assert_refused(UserError, message) as caught:
                    self.post(order, option, **quantities)
                if 'nothing' not in message and 'does not post' not in message:
                    self.assertIn(order.name, str(caught.exception))
        kit = self.line_of(order, self.filter_kit)
        self.assertRecordValues(kit, [{'qty_delivered': 2.0, 'qty_invoiced': 0.0,
                                       'service_qty_consumed': 0.0}])
        self.assertEqual(len(order.service_shipment_ids), 1)
        self.assertFalse(order.invoice_ids)
        draft_order = self.create_order([(self.labour, 1.0)], confirm=False)
        with self.assertRaisesRegex(UserError, f"Confirm {draft_order.name}"):
            self.post(draft_order, 'ship', ship={self.labour: 1.0})

    def test_several_orders_of_one_customer_make_one_invoice(self):
        first = self.create_order([(self.filter_kit, 2.0)])
        second = self.create_order([(self.labour, 3.0)])
        other = self.create_order([(self.labour, 1.0)], partner=self.customer_2)
        lines = (first | second | other).order_line
        everything = {line: line.product_uom_qty for line in lines}
        lines._service_post('ship', ship=everything)
        self.assertEqual(self.line_of(other, self.labour).qty_delivered, 1.0)
        invoices = lines._service_post('invoice', invoice=everything)
        self.assertEqual(len(invoices), 2)
        combined = invoices.filtered(lambda move: move.partner_id == self.customer)
        self.assertEqual(combined.invoice_origin, ', '.join(sorted([first.name, second.name])))
        self.assertEqual(combined.amount_untaxed, 2 * 50.0 + 3 * 80.0)
        self.assertEqual((invoices - combined).amount_untaxed, 80.0)
        self.assertEqual(combined.line_ids.sale_line_ids.order_id, first | second)

    def test_posting_wizard_defaults_are_always_a_valid_posting(self):
        order = self.create_order([(self.filter_kit, 8.0), (self.labour, 2.0)])
        self.post(order, 'ship', ship={self.filter_kit: 2.0})
        action = order.action_service_post()
        form = Form(self.env['service.order.post.wizard'].with_context(**action['context']))
        self.assertEqual(form.option, 'ship_invoice')
        with form.line_ids.edit(0) as line:
            # Ship and Invoice invoices what it ships; the 2 shipped earlier: Invoice.
            self.assertEqual((line.qty_to_ship, line.qty_to_invoice), (6.0, 6.0))
            line.qty_to_ship = 4.0
            self.assertEqual(line.qty_to_invoice, 4.0)
        form.post_invoice = True
        wizard = form.save()
        result = wizard.action_post()
        invoice = wizard.invoice_ids
        self.assertEqual(result['res_id'], invoice.id)
        self.assertRecordValues(invoice, [{'state': 'posted',
                                           'amount_untaxed': 4 * 50.0 + 2 * 80.0}])
        for option in ('ship', 'invoice', 'ship_invoice'):
            with self.subTest(option=option):
                form = Form(self.env['service.order.post.wizard'].with_context(
                    **action['context']))
                form.option = option
                proposed = form.save()
                quantities = {kind: {line.sale_line_id: line[f'qty_to_{kind}']
                                     for line in proposed.line_ids}
                              for kind in ('ship', 'invoice', 'consume')}
                # What Post checks first: the proposal passes every rule.
                order.order_line._service_check_posting(option, **quantities)
        form = Form(self.env['service.order.post.wizard'].with_context(**action['context']))
        form.option = 'ship'
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.qty_to_ship, 2.0)
        form.save().action_post()
        self.assertEqual(self.line_of(order, self.filter_kit).qty_delivered, 8.0)

    def test_consume_proposes_nothing_and_ships_only_what_is_typed(self):
        """Consume writes off: one click on Post must not write off billable labour."""
        order = self.create_order([(self.labour, 10.0)])
        self.post(order, 'ship', ship={self.labour: 6.0})
        labour_line = self.line_of(order, self.labour)
        action = order.action_service_post()
        form = Form(self.env['service.order.post.wizard'].with_context(**action['context']))
        form.option = 'consume'
        with form.line_ids.edit(0) as line:
            self.assertEqual((line.qty_to_ship, line.qty_to_consume), (0.0, 0.0))
        with self.assertRaisesRegex(UserError, "There is nothing to post"):
            form.save().action_post()
        self.assertRecordValues(labour_line, [{'qty_delivered': 6.0,
                                               'service_qty_consumed': 0.0,
                                               'service_qty_to_invoice': 6.0}])
        # Consuming more than is shipped ships the rest of it first.
        with form.line_ids.edit(0) as line:
            line.qty_to_consume = 8.0
            self.assertEqual(line.qty_to_ship, 2.0)
            line.qty_to_consume = 3.0
            self.assertEqual(line.qty_to_ship, 0.0)
        form.save().action_post()
        self.assertRecordValues(labour_line, [{'qty_delivered': 6.0,
                                               'service_qty_consumed': 3.0,
                                               'service_qty_to_invoice': 3.0}])

    def test_odoo_standard_invoicing_gives_the_same_quantities_linked_to_shipments(self):
        order = self.create_order([(self.filter_kit, 10.0), (self.labour, 5.0)])
        self.post(order, 'ship', ship={self.filter_kit: 4.0, self.labour: 2.0})
        self.post(order, 'consume', consume={self.labour: 1.0})
        self.post(order, 'ship', ship={self.filter_kit: 3.0})
        wizard = self.env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=order.ids).create(
            {'advance_payment_method': 'delivered'})
        wizard.create_invoices()
        invoice = order.invoice_ids
        kit_lines = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.filter_kit)
        # One invoice line per shipment line, linked to it; the consumed hour is not charged.
        self.assertEqual(sorted(kit_lines.mapped('quantity')), [3.0, 4.0])
        self.assertEqual(kit_lines.service_shipment_line_id,
                         self.shipment_lines(order, self.filter_kit))
        labour_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.labour)
        self.assertEqual(labour_line.quantity, 1.0)
        self.assertTrue(labour_line.service_shipment_line_id)
        invoice.action_post()
        self.assertRecordValues(order.order_line, [
            {'qty_invoiced': 7.0, 'qty_to_invoice': 0.0, 'service_qty_shipped_not_invoiced': 0.0},
            {'qty_invoiced': 1.0, 'qty_to_invoice': 0.0, 'service_qty_shipped_not_invoiced': 0.0}])
        self.assertEqual(set(order.service_shipment_ids.mapped('invoice_status')), {'invoiced'})
        with self.assertRaisesRegex(UserError, "cannot invoice what has not been shipped"):
            self.post(order, 'invoice', invoice={self.filter_kit: 1.0})

    def test_invoiced_ahead_of_shipping_is_never_billed_again(self):
        """A service sold on ordered quantities, invoiced by Odoo before it is shipped: its
        later shipments are already invoiced, on the shipment lines as on the order line."""
        prepaid = self._create_product(name="Prepaid support", type='service',
                                       lst_price=100.0, invoice_policy='order')
        order = self.create_order([(prepaid, 5.0)])
        order._create_invoices().action_post()
        line = order.order_line
        self.assertEqual(line.qty_invoiced, 5.0)
        self.post(order, 'ship', ship={prepaid: 3.0})
        self.post(order, 'ship', ship={prepaid: 2.0})
        self.assertRecordValues(self.shipment_lines(order), [
            {'qty_shipped': 3.0, 'qty_invoiced': 3.0, 'qty_to_invoice': 0.0},
            {'qty_shipped': 2.0, 'qty_invoiced': 2.0, 'qty_to_invoice': 0.0}])
        self.assertRecordValues(line, [{'service_qty_shipped_not_invoiced': 0.0,
                                        'service_qty_to_invoice': 0.0}])
        items, _left = self.env['service.shipment.line']._items_to_invoice(
            order.date_order.date())
        self.assertFalse([item for item in items if item[0].order_id == order])

    def test_shipments_are_read_only_posted_documents(self):
        order = self.create_order([(self.labour, 2.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        shipment = order.service_shipment_ids
        with self.assert_refused(UserError, "cannot be created or changed by hand"):
            shipment.date = '2020-01-01'
        with self.assert_refused(UserError, "change only through postings"):
            shipment.line_ids.qty_consumed = 2.0
        with self.assert_refused(UserError, "cannot be created or changed by hand"):
            self.env['service.shipment'].create({'order_id': order.id, 'date': '2020-01-01'})
        with self.assertRaises(AccessError):
            shipment.unlink()
        with self.assert_refused(UserError, "cannot be deleted"):
            shipment.sudo().unlink()
        self.assertEqual(shipment.line_ids.qty_to_invoice, 2.0)
        html, _type = self.env['ir.actions.report']._render_qweb_html(
            'service_invoicing.action_report_service_shipment', shipment.ids)
        self.assertIn(shipment.name, html.decode())

    def test_a_service_user_posts_and_invoices_shipments(self):
        user = new_test_user(self.env, login='si_dispatcher',
                             groups='service_invoicing.group_service_user')
        order = self.env['sale.order'].with_user(user).create({
            'partner_id': self.customer.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty})
                           for product, qty in ((self.filter_kit, 3.0), (self.labour, 1.0))],
        })
        order.action_confirm()
        lines = order.order_line
        invoice = lines._service_post(
            'ship_invoice', ship={line: line.product_uom_qty for line in lines},
            invoice={line: line.product_uom_qty for line in lines}, post_invoice=True)
        self.assertRecordValues(invoice, [{'state': 'posted', 'amount_untaxed': 230.0}])
        self.assertEqual(order.service_shipment_ids.invoice_status, 'invoiced')
