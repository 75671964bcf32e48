from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from ..models import service_billing_invoicing as proforma_module
from .common import ServiceOrderCommon

TODAY = '2026-03-15'


@tagged('post_install', '-at_install')
@freeze_time(TODAY)
class TestBillingBacklog(ServiceOrderCommon):
    """One backlog of everything billable: contract periods due and shipment lines shipped
    and not invoiced, ready or not, invoiced by proforma invoices."""

    def items(self, source):
        return self.env['service.billing.item'].search(
            [('contract_id' if source._name == 'service.contract' else 'order_id', '=',
              source.id)], order='date, id')

    def proformas(self, grouping='customer', **values):
        form = Form(self.env['service.proforma.wizard'])
        form.grouping = grouping
        for name, value in values.items():
            setattr(form, name, value)
        wizard = form.save()
        wizard.action_create()
        return wizard

    def test_every_source_feeds_the_backlog(self):
        contract = self.create_contract(invoice_period='month')
        # January to March are due by 15 March (in arrears: January and February).
        self.assertRecordValues(self.items(contract), [
            {'source_type': 'contract_period', 'period_start': date(2026, 1, 1),
             'date': date(2026, 1, 31), 'amount': 100.0, 'billing_status': 'ready',
             'partner_id': self.customer.id},
            {'source_type': 'contract_period', 'period_start': date(2026, 2, 1),
             'date': date(2026, 2, 28), 'amount': 100.0, 'billing_status': 'ready',
             'partner_id': self.customer.id},
        ])
        order = self.create_order([(self.labour, 3.0), (self.filter_kit, 4.0)])
        order.order_line[0].discount = 10.0
        self.post(order, 'ship', ship={self.labour: 3.0, self.filter_kit: 2.0})
        items = self.items(order)
        self.assertRecordValues(items.sorted('product_id'), sorted([
            {'product_id': self.labour.id, 'qty_to_invoice': 3.0, 'amount': 216.0,
             'billing_status': 'ready', 'source_type': 'shipment_line'},
            {'product_id': self.filter_kit.id, 'qty_to_invoice': 2.0, 'amount': 100.0,
             'billing_status': 'ready', 'source_type': 'shipment_line'},
        ], key=lambda values: values['product_id']))
        self.assertEqual(items[0].source_ref, order.service_shipment_ids)

    def test_new_items_start_ready_by_setting_and_only_ready_ones_are_invoiced(self):
        self.env.company.service_backlog_shipment_ready = False
        order = self.create_order([(self.labour, 2.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        item = self.items(order)
        self.assertEqual(item.billing_status, 'not_ready')
        with self.assertRaisesRegex(UserError, "Nothing is ready to invoice"):
            self.proformas()
        item.action_mark_ready()
        self.assertEqual(item.billing_status, 'ready')
        wizard = self.proformas()
        self.assertEqual(wizard.invoice_ids.invoice_line_ids.service_shipment_line_id,
                         item.shipment_line_id)
        self.assertEqual(item.billing_status, 'invoice_created')
        with self.assertRaises(UserError):
            item.write({'ready': False})

    def test_groupings_per_customer_source_and_invoice_address(self):
        contract = self.create_contract()
        first = self.create_order([(self.labour, 1.0)])
        other_address = self.env['res.partner'].create(
            {'name': "Cooling Corp, accounts", 'type': 'invoice',
             'parent_id': self.customer.id})
        second = self.create_order([(self.labour, 2.0)], partner_invoice_id=other_address.id)
        for order in first | second:
            self.post(order, 'ship', ship={self.labour: order.order_line.product_uom_qty})
        for grouping, count in (('customer', 1), ('invoice_address', 2), ('source', 3)):
            with self.subTest(grouping=grouping):
                wizard = self.proformas(grouping)
                invoices = wizard.invoice_ids
                self.assertEqual(len(invoices), count)
                self.assertEqual(sum(invoices.mapped('amount_untaxed')), 200.0 + 3 * 80.0)
                if grouping == 'customer':
                    self.assertEqual(invoices.partner_id, self.customer)
                    self.assertEqual(invoices.service_period_ids.contract_id, contract)
                invoices.unlink()
                self.assertEqual(set(self.items(contract).mapped('billing_status')),
                                 {'ready'})

    def test_proformas_made_by_chunks_bill_every_item_once(self):
        """Thousands of proformas are created by chunks in one transaction, the cache freed
        between chunks: nothing is lost or billed twice across the chunks."""
        customers = self.env['res.partner'].create(
            [{'name': f"Chunk customer {index}"} for index in range(3)])
        contracts = self.env['service.contract'].browse(
            [self.create_contract(partner=customer).id for customer in customers])
        order = self.create_order([(self.labour, 2.0)], partner=customers[0])
        self.post(order, 'ship', ship={self.labour: 2.0})
        with patch.object(proforma_module, 'PROFORMA_CHUNK_SIZE', 1):
            invoices = self.proformas('source').invoice_ids
        # One invoice per contract (January and February) and one for the order.
        self.assertEqual(len(invoices), 4)
        self.assertEqual(sorted(invoices.mapped('amount_untaxed')), [160.0, 200.0, 200.0, 200.0])
        for contract in contracts:
            self.assertEqual(contract.period_ids.mapped('date_start'),
                             [date(2026, 1, 1), date(2026, 2, 1)])
            self.assertEqual(len(contract.period_ids.invoice_id), 1)
        self.assertEqual(set((self.items(order) | self.env['service.billing.item'].search(
            [('contract_id', 'in', contracts.ids)])).mapped('billing_status')),
            {'invoice_created'})
        self.assertFalse(self.env['service.billing.item'].search(
            [('billing_status', '=', 'ready'), ('partner_id', 'in', customers.ids)]))
        self.assert_same_as_standard(invoices)

    def test_down_payment_deducted_from_shipments_as_odoo_deducts_it(self):
        """A posted down payment is deducted from the proforma of the order's shipments as
        Odoo's Create Invoice deducts it (its default): same lines, taxes and totals, and the
        down payment is deducted once."""
        order = self.create_order([(self.labour, 10.0), (self.filter_kit, 4.0)])
        wizard = self.env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=order.ids, active_id=order.id,
        ).create({'advance_payment_method': 'percentage', 'amount': 25})
        wizard.create_invoices()
        order.invoice_ids.action_post()
        down_payment = order.order_line.filtered(
            lambda line: line.is_downpayment and not line.display_type)
        self.post(order, 'ship', ship={self.labour: 10.0, self.filter_kit: 4.0})

        def money(invoices):
            return [(line.display_type, line.name, line.quantity, line.price_subtotal,
                     line.tax_ids, line.sale_line_ids)
                    for line in invoices.invoice_line_ids.sorted('sequence')], \
                (invoices.amount_untaxed, invoices.amount_tax, invoices.amount_total)
        with self.env.cr.savepoint(flush=True) as savepoint:
            odoo_wizard = self.env['sale.advance.payment.inv'].with_context(
                active_model='sale.order', active_ids=order.ids, active_id=order.id,
            ).create({'advance_payment_method': 'delivered'})
            self.assertTrue(odoo_wizard.deduct_down_payments)
            odoo_wizard.create_invoices()
            odoo_lines, odoo_totals = money(order.invoice_ids.filtered(
                lambda move: move.state == 'draft'))
            savepoint.rollback()
        invoices = self.proformas().invoice_ids
        lines, totals = money(invoices)
        # 800 + 200 shipped, less the 250 paid in advance.
        self.assertEqual(invoices.amount_untaxed, 750.0)
        self.assertEqual(totals, odoo_totals)
        self.assertEqual([line[2:] for line in lines if line[0] != 'product' or line[5]
                          == down_payment], [line[2:] for line in odoo_lines
                                             if line[0] != 'product' or line[5] == down_payment])
        self.assertEqual(down_payment.qty_to_invoice, 0.0)
        # Deducted once, whichever way the order is invoiced next.
        self.assertFalse(self.env['service.billing.item'].search(
            [('order_id', '=', order.id), ('billing_status', '=', 'ready')]))
        invoices.action_post()
        self.assertEqual(down_payment.qty_invoiced, 0.0)

    def test_deleting_a_line_or_the_draft_gives_the_items_back(self):
        order = self.create_order([(self.labour, 5.0), (self.filter_kit, 1.0)])
        self.post(order, 'ship', ship={self.labour: 5.0, self.filter_kit: 1.0})
        invoice = self.proformas().invoice_ids
        items = self.items(order)
        self.assertEqual(set(items.mapped('billing_status')), {'invoice_created'})
        labour_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.labour)
        # A quantity reduced on the draft leaves the rest in the backlog.
        labour_line.quantity = 3.0
        labour_item = items.filtered(lambda item: item.product_id == self.labour)
        self.assertRecordValues(labour_item, [{'qty_to_invoice': 2.0, 'billing_status': 'ready'}])
        invoice.invoice_line_ids = [Command.delete(labour_line.id)]
        self.assertRecordValues(labour_item, [{'qty_to_invoice': 5.0, 'billing_status': 'ready'}])
        invoice.unlink()
        self.assertEqual(set(items.mapped('billing_status')), {'ready'})

    def test_billing_types_chargeable_complimentary_non_chargeable(self):
        order = self.create_order([(self.labour, 4.0), (self.filter_kit, 2.0)])
        self.post(order, 'ship', ship={self.labour: 4.0, self.filter_kit: 2.0})
        invoice = self.proformas().invoice_ids
        labour_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.labour)
        kit_line = invoice.invoice_line_ids - labour_line
        labour_line.service_billing_type = 'complimentary'
        kit_line.service_billing_type = 'non_chargeable'
        self.assertEqual(labour_line.price_subtotal, 0.0)
        invoice.action_service_confirm()
        self.assertEqual(invoice.invoice_line_ids, labour_line)
        self.assertEqual(invoice.amount_total, 0.0)
        labour_item, kit_item = (self.items(order).filtered(
            lambda item, product=product: item.product_id == product)
            for product in (self.labour, self.filter_kit))
        # Complimentary is billed (at zero); non-chargeable leaves the backlog, consumed.
        self.assertEqual(labour_item.billing_status, 'invoice_posted')
        self.assertRecordValues(kit_item, [{'billing_status': 'non_chargeable',
                                            'qty_to_invoice': 0.0}])
        self.assertEqual(kit_item.shipment_line_id.qty_consumed, 2.0)
        with self.assertRaisesRegex(UserError, "not a draft line of the billing backlog"):
            labour_line.service_billing_type = 'complimentary'

    def test_recalculate_adds_removes_and_keeps(self):
        order = self.create_order([(self.labour, 5.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        invoice = self.proformas().invoice_ids
        invoice.invoice_line_ids = [Command.create({
            'name': "Travel costs", 'price_unit': 35.0, 'quantity': 1.0,
            'tax_ids': [Command.set(self.tax_15.ids)]})]
        self.post(order, 'ship', ship={self.labour: 3.0})
        order.order_line.price_unit = 90.0
        invoice.action_service_recalculate()
        labour_lines = invoice.invoice_line_ids.filtered('product_id')
        self.assertEqual(sorted(labour_lines.mapped('quantity')), [2.0, 3.0])
        self.assertEqual(set(labour_lines.mapped('price_unit')), {90.0})
        self.assertIn("Travel costs", invoice.invoice_line_ids.mapped('name'))
        self.assertEqual(invoice.amount_untaxed, 5 * 90.0 + 35.0)
        self.assertEqual(set(self.items(order).mapped('billing_status')), {'invoice_created'})

    def test_confirm_posts_and_correct_gives_back(self):
        contract = self.create_contract()
        order = self.create_order([(self.labour, 8.0)])
        self.post(order, 'ship', ship={self.labour: 8.0})
        invoice = self.proformas().invoice_ids
        invoice.action_service_confirm()
        self.assertEqual(invoice.state, 'posted')
        self.assertEqual(set((self.items(order) | self.items(contract)).mapped(
            'billing_status')), {'invoice_posted'})
        # Billed 8 h, corrected to 6 h; January corrected to 0 (credited in full).
        wizard = Form(self.env['service.invoice.correction.wizard'].with_context(
            **invoice.action_service_correct()['context']))
        for index in range(len(wizard.line_ids)):
            with wizard.line_ids.edit(index) as line:
                if line.product_id == self.labour:
                    line.quantity_corrected = 6.0
                elif 'Contract' in line.name and '01/01/2026' in line.name:
                    line.quantity_corrected = 0.0
                else:
                    line.quantity_corrected = line.quantity_billed
        action = wizard.save().action_correct()
        credit_note = self.env['account.move'].browse(action['res_id'])
        self.assertEqual(credit_note.move_type, 'out_refund')
        self.assertEqual(credit_note.amount_untaxed, 2 * 80.0 + 100.0)
        credit_note.action_post()
        labour_item = self.items(order)
        self.assertRecordValues(labour_item, [{'qty_to_invoice': 2.0, 'billing_status': 'ready'}])
        january, february = self.items(contract)
        self.assertRecordValues(january | february, [
            {'billing_status': 'ready', 'ready': True},
            {'billing_status': 'invoice_posted', 'ready': True}])
        self.assertTrue(january.period_id.credited)
        # Ready again, as it was when it was billed: the next proforma bills January again.
        again = self.proformas().invoice_ids
        self.assertEqual(again.service_period_ids.date_start, date(2026, 1, 1))
        self.assertEqual(again.amount_untaxed, 100.0 + 2 * 80.0)
        again.action_service_confirm()
        self.assertEqual(january.billing_status, 'invoice_posted')
        self.assertEqual(contract.invoiced_until, date(2026, 2, 28))

    def test_periods_are_billed_in_order_and_users_bill_their_own(self):
        contract = self.create_contract()
        january, february = self.items(contract)
        january.action_mark_not_ready()
        wizard = self.proformas()
        self.assertFalse(wizard.invoice_ids)
        self.assertIn("waits for an earlier period", wizard.result_message)
        user = new_test_user(self.env, login='si_backlog_user',
                             groups='service_invoicing.group_service_user')
        january.action_mark_ready()
        form = Form(self.env['service.proforma.wizard'].with_user(user))
        wizard = form.save()
        wizard.action_create()
        self.assertFalse(wizard.invoice_ids)
        self.assertIn(f"not the salesperson of contract {contract.name}", wizard.result_message)
        self.assertEqual(february.billing_status, 'ready')

    def test_mark_as_paid_from_the_backlog(self):
        order = self.create_order([(self.labour, 2.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        item = self.items(order)
        with self.assertRaisesRegex(UserError, "has a posted invoice left to pay"):
            item.action_register_payment()
        invoice = self.proformas().invoice_ids
        invoice.action_service_confirm()
        self.assertEqual(item.payment_status, 'not_paid')
        action = item.action_register_payment()
        self.assertEqual(action['res_model'], 'account.payment.register')
        wizard = self.env['account.payment.register'].with_context(**action['context']).create(
            {'payment_date': date(2026, 3, 15),
             'journal_id': self.company_data['default_journal_bank'].id})
        wizard.action_create_payments()
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        self.assertEqual(item.payment_status, 'paid')

    def test_statistics_and_links_between_documents(self):
        self.labour.standard_price = 50.0
        self.maintenance.standard_price = 10.0
        contract = self.create_contract()
        order = self.create_order([(self.labour, 4.0)])
        self.post(order, 'ship', ship={self.labour: 4.0})
        self.assertRecordValues(contract, [{'backlog_amount': 200.0, 'backlog_count': 2,
                                            'billed_to_date': 0.0}])
        self.assertRecordValues(order, [{'service_backlog_amount': 320.0,
                                         'service_backlog_count': 1}])
        shipment = order.service_shipment_ids
        self.assertRecordValues(shipment, [{'qty_shipped': 4.0, 'qty_invoiced': 0.0,
                                            'backlog_amount': 320.0}])
        invoice = self.proformas().invoice_ids
        invoice.action_service_confirm()
        self.assertRecordValues(contract, [{'backlog_amount': 0.0, 'billed_to_date': 200.0,
                                            'billed_this_year': 200.0}])
        self.assertRecordValues(shipment, [{'qty_invoiced': 4.0, 'backlog_amount': 0.0}])
        # Business Central's statistics of the posted invoice.
        self.assertRecordValues(invoice, [{
            'service_stat_quantity': 2.0 + 4.0, 'service_stat_cost': 2 * 10.0 + 4 * 50.0,
            'service_stat_profit': 200.0 + 320.0 - 220.0}])
        # Links both ways: sources, backlog items and invoices.
        items = invoice.service_billing_item_ids
        self.assertEqual(items, self.items(contract) | self.items(order))
        self.assertEqual(items.invoice_ids, invoice)
        self.assertEqual(contract.action_view_billing_items()['domain'],
                         [('contract_id', 'in', contract.ids)])
        self.assertEqual(order.action_view_service_billing_items()['domain'],
                         [('order_id', 'in', order.ids)])
        self.assertEqual(self.env['service.billing.item'].search(
            shipment.action_view_billing_items()['domain']), self.items(order))
        self.assertEqual(items[0].action_view_invoices()['domain'], [('id', 'in', invoice.ids)])
