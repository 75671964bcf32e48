from odoo.tests import tagged

from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
class TestDownPayments(ServiceOrderCommon):
    """Every batch that bills service orders (order posting, Combine Shipments, proformas)
    deducts their down payments as Odoo's Create Invoice deducts them by default: the customer
    is billed what Odoo's own invoicing of the same orders bills, never the down payment twice.
    A down payment more than its invoice bills waits for a later invoice, and is said."""

    def order_with_down_payment(self, percentage, lines=None):
        """A confirmed order (10 hours of labour at 80, 4 filter kits at 50: 1,000 untaxed)
        and Odoo's own down payment invoice of ``percentage`` of it, posted."""
        order = self.create_order(lines or [(self.labour, 10.0), (self.filter_kit, 4.0)])
        wizard = self.env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=order.ids, active_id=order.id,
        ).create({'advance_payment_method': 'percentage', 'amount': percentage})
        wizard.create_invoices()
        order.invoice_ids.action_post()
        return order

    def down_payment(self, order):
        return order.order_line.filtered(
            lambda line: line.is_downpayment and not line.display_type)

    def odoo_figures(self, orders):
        """What Odoo's Create Invoice (delivered quantities, deducting down payments) bills
        these orders, made and rolled back: (totals, [(quantity, subtotal) of deductions])."""
        with self.env.cr.savepoint(flush=True) as savepoint:
            wizard = self.env['sale.advance.payment.inv'].with_context(
                active_model='sale.order', active_ids=orders.ids,
            ).create({'advance_payment_method': 'delivered'})
            self.assertTrue(wizard.deduct_down_payments)
            wizard.create_invoices()
            figures = self.figures(orders.invoice_ids.filtered(
                lambda move: move.state == 'draft'))
            savepoint.rollback()
        return figures

    def figures(self, invoices):
        return ((invoices.amount_untaxed, invoices.amount_tax, invoices.amount_total),
                sorted((line.quantity, line.price_subtotal, line.sale_line_ids.id)
                       for line in invoices.invoice_line_ids if line.is_downpayment))

    def combine(self, **values):
        wizard = self.env['service.shipment.combine.wizard'].create(values)
        wizard.action_create()
        return wizard

    def test_combine_shipments_deducts_as_odoo(self):
        with_down_payment = self.order_with_down_payment(20)
        other = self.create_order([(self.labour, 5.0)])
        for order in (with_down_payment, other):
            self.post(order, 'ship', ship={line.product_id: line.product_uom_qty
                                           for line in order.order_line
                                           if line._service_is_postable()})
        expected = self.odoo_figures(with_down_payment | other)
        wizard = self.combine()
        # One invoice for the customer: 1,000 + 400 shipped, less the 200 paid in advance.
        self.assertEqual(len(wizard.invoice_ids), 1)
        self.assertEqual(wizard.invoice_ids.amount_untaxed, 1200.0)
        self.assertEqual(self.figures(wizard.invoice_ids), expected)
        self.assertEqual(self.down_payment(with_down_payment).qty_to_invoice, 0.0)
        self.assertFalse(wizard.result_message)

    def test_order_posting_deducts_as_odoo_and_can_be_told_not_to(self):
        order = self.order_with_down_payment(10)
        self.post(order, 'ship', ship={self.labour: 10.0, self.filter_kit: 4.0})
        expected = self.odoo_figures(order)
        wizard = self.env['service.order.post.wizard'].with_context(
            active_model='sale.order', active_ids=order.ids).create({'option': 'invoice'})
        wizard._onchange_fill_lines()
        self.assertTrue(wizard.deduct_down_payments)
        with self.env.cr.savepoint() as savepoint:
            wizard.action_post()
            self.assertEqual(wizard.invoice_ids.amount_untaxed, 900.0)
            self.assertEqual(self.figures(wizard.invoice_ids), expected)
            savepoint.rollback()
        wizard.deduct_down_payments = False
        wizard.action_post()
        self.assertEqual(wizard.invoice_ids.amount_untaxed, 1000.0)
        self.assertEqual(self.down_payment(order).qty_to_invoice, -1.0)

    def test_ship_and_invoice_test_report_shows_the_deduction(self):
        order = self.order_with_down_payment(10)
        wizard = self.env['service.order.post.wizard'].with_context(
            active_model='sale.order', active_ids=order.ids).create({'option': 'ship_invoice'})
        wizard._onchange_fill_lines()
        report = self.env['service.test.report'].browse(wizard.action_test_report()['res_id'])
        self.assertRecordValues(report.invoice_ids, [{'amount_untaxed': 900.0}])
        wizard.action_post()
        self.assertRecordValues(wizard.invoice_ids, [{'amount_untaxed': 900.0}])

    def test_a_down_payment_larger_than_the_invoice_waits_and_is_said(self):
        order = self.order_with_down_payment(50)  # 500
        self.post(order, 'ship', ship={self.filter_kit: 4.0})  # 200 shipped
        # Combine Shipments: its test report and its run say so; the invoice bills 200.
        wizard = self.env['service.shipment.combine.wizard'].create({})
        report = self.env['service.test.report'].browse(wizard.action_test_report()['res_id'])
        self.assertRecordValues(report.invoice_ids, [{'amount_untaxed': 200.0}])
        self.assertIn(order.name, report.problem_ids.filtered(
            lambda problem: problem.kind == 'down_payment').message)
        with self.env.cr.savepoint() as savepoint:
            wizard.action_create()
            self.assertRecordValues(wizard.invoice_ids, [{'amount_untaxed': 200.0}])
            self.assertIn("not deducted", wizard.result_message)
            self.assertEqual(wizard.state, 'done')
            savepoint.rollback()
        # Order posting says it on the order.
        invoices = self.post(order, 'invoice', invoice={self.filter_kit: 4.0})
        self.assertEqual(invoices.amount_untaxed, 200.0)
        self.assertIn("not deducted", order.message_ids[0].body)
        self.assertEqual(self.down_payment(order).qty_to_invoice, -1.0)
        # The rest shipped and invoiced: 800 more, the 500 deducted now.
        invoices = self.post(order, 'ship_invoice', ship={self.labour: 10.0},
                             invoice={self.labour: 10.0})
        self.assertEqual(invoices.amount_untaxed, 300.0)
        self.assertEqual(self.down_payment(order).qty_to_invoice, 0.0)

    def test_a_waiting_down_payment_is_said_on_its_own_order_only(self):
        """One posting invoicing the orders of two customers: the down payment that waits is
        said on its order, not on the other customer's."""
        waiting = self.order_with_down_payment(50)  # 500, more than the 200 invoiced
        other = self.create_order([(self.labour, 5.0)], partner=self.customer_2)
        self.post(waiting, 'ship', ship={self.filter_kit: 4.0})
        self.post(other, 'ship', ship={self.labour: 5.0})
        notes_before = {order: len(order.message_ids) for order in (waiting, other)}
        lines = self.line_of(waiting, self.filter_kit) | self.line_of(other, self.labour)
        invoices = lines._service_post('invoice', invoice={
            self.line_of(waiting, self.filter_kit): 4.0, self.line_of(other, self.labour): 5.0})
        self.assertEqual(sorted(invoices.mapped('amount_untaxed')), [200.0, 400.0])
        self.assertEqual(len(waiting.message_ids), notes_before[waiting] + 1)
        self.assertIn("not deducted", waiting.message_ids[0].body)
        self.assertIn(waiting.name, waiting.message_ids[0].body)
        self.assertFalse(other.message_ids.filtered(
            lambda message: "not deducted" in (message.body or '')))

    def test_posting_every_line_of_an_order_with_a_down_payment(self):
        """Posting an order's every line (its down payment and section at zero among them, as
        a script posting everything would) ships and invoices its products only."""
        order = self.order_with_down_payment(10)
        everything = {line: line.product_uom_qty for line in order.order_line}
        invoices = order.order_line._service_post(
            'ship_invoice', ship=everything, invoice=everything)
        self.assertEqual(invoices.amount_untaxed, 900.0)
        self.assertEqual(order.service_shipment_ids.line_ids.mapped('qty_posted'), [10.0, 4.0])
