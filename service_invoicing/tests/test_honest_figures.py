"""Honest figures (issue 23, items 7 and 8): what the backlog and the order lines show agrees,
and each figure means what its label says (docs/glossary.md)."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.tests import Form, tagged

from .common import ServiceOrderCommon

TODAY = '2026-03-15'


@tagged('post_install', '-at_install')
@freeze_time(TODAY)
class TestHonestFigures(ServiceOrderCommon):

    def items(self, source):
        return self.env['service.billing.item'].search(
            [('contract_id' if source._name == 'service.contract' else 'order_id', '=',
              source.id)], order='date, id')

    def proformas(self):
        form = Form(self.env['service.proforma.wizard'])
        form.grouping = 'customer'
        wizard = form.save()
        wizard.action_create()
        return wizard.invoice_ids

    def label(self, record, field_name):
        """The label a user reads for a selection value."""
        field = record._fields[field_name]
        return dict(field._description_selection(self.env))[record[field_name]]

    def backlog_sums(self, domain):
        """The list's sums (To Invoice, Waiting...) under the default filter, Not Invoiced."""
        [sums] = self.env['service.billing.item'].read_group(
            domain + [('billing_status', 'in', ('not_ready', 'ready'))],
            ['amount_to_invoice:sum', 'amount_waiting:sum'], [])
        return sums['amount_to_invoice'], sums['amount_waiting']

    def test_waiting_items_show_their_value_and_only_ready_ones_count_to_invoice(self):
        """A shipment item not marked ready shows its value as Waiting, not in To Invoice."""
        self.env.company.service_backlog_shipment_ready = False
        order = self.create_order([(self.labour, 3.0), (self.filter_kit, 2.0)])
        self.post(order, 'ship', ship={self.labour: 3.0, self.filter_kit: 2.0})
        labour, kit = (self.items(order).filtered(lambda item, p=product: item.product_id == p)
                       for product in (self.labour, self.filter_kit))
        kit.action_mark_ready()
        self.assertRecordValues(labour | kit, [
            {'billing_status': 'not_ready', 'amount_waiting': 240.0, 'amount_to_invoice': 0.0,
             'amount_status': 240.0},
            {'billing_status': 'ready', 'amount_waiting': 0.0, 'amount_to_invoice': 100.0,
             'amount_status': 100.0},
        ])
        self.assertEqual(self.backlog_sums([('order_id', '=', order.id)]), (100.0, 240.0))

    def test_billed_items_show_the_billed_amount(self):
        """The kanban card of an item in draft invoices or invoiced shows what the invoice
        bills, not 0.00."""
        contract = self.create_contract()
        order = self.create_order([(self.labour, 3.0)])
        self.post(order, 'ship', ship={self.labour: 3.0})
        invoice = self.proformas()
        shipment_item = self.items(order)
        january, february = self.items(contract)
        self.assertRecordValues(shipment_item | january | february, [
            {'billing_status': 'invoice_created', 'amount_status': 240.0,
             'amount_in_draft': 240.0, 'qty_in_draft': 3.0, 'amount_invoiced': 0.0},
            {'billing_status': 'invoice_created', 'amount_status': 100.0,
             'amount_in_draft': 100.0, 'qty_in_draft': 1.0, 'amount_invoiced': 0.0},
            {'billing_status': 'invoice_created', 'amount_status': 100.0,
             'amount_in_draft': 100.0, 'qty_in_draft': 1.0, 'amount_invoiced': 0.0},
        ])
        invoice.action_service_confirm()
        self.assertRecordValues(shipment_item | january | february, [
            {'billing_status': 'invoice_posted', 'amount_status': 240.0,
             'amount_invoiced': 240.0, 'qty_invoiced': 3.0, 'amount_in_draft': 0.0},
            {'billing_status': 'invoice_posted', 'amount_status': 100.0,
             'amount_invoiced': 100.0, 'qty_invoiced': 1.0, 'amount_in_draft': 0.0},
            {'billing_status': 'invoice_posted', 'amount_status': 100.0,
             'amount_invoiced': 100.0, 'qty_invoiced': 1.0, 'amount_in_draft': 0.0},
        ])
        # The kanban card shows that amount.
        arch = etree.fromstring(self.env['service.billing.item'].get_views(
            [(False, 'kanban')])['views']['kanban']['arch'])
        card_fields = [node.get('name') for node in arch.xpath('//t[@t-name="card"]//field')]
        self.assertIn('amount_status', card_fields)
        self.assertNotIn('amount', card_fields)

    def test_source_types_are_named_for_their_source(self):
        contract = self.create_contract()
        order = self.create_order([(self.labour, 2.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        self.proformas().action_service_confirm()
        item = self.items(order)
        self.assertEqual(item.billing_status, 'invoice_posted')
        self.assertEqual(self.label(item, 'source_type'), "Shipment Line")
        self.assertEqual(self.label(self.items(contract)[0], 'source_type'), "Contract Period")

    def test_an_hour_given_back_by_a_credit_note_is_not_paid(self):
        """8 h billed and paid, corrected to 7 h: the hour given back is to invoice again,
        with no payment state; the 7 h stay paid on the invoice."""
        order = self.create_order([(self.labour, 8.0)])
        self.post(order, 'ship', ship={self.labour: 8.0})
        invoice = self.proformas()
        invoice.action_service_confirm()
        item = self.items(order)
        self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=invoice.ids).create({
                'payment_date': date(2026, 3, 15),
                'journal_id': self.company_data['default_journal_bank'].id,
            }).action_create_payments()
        self.assertRecordValues(item, [{'billing_status': 'invoice_posted',
                                        'payment_status': 'paid'}])
        wizard = Form(self.env['service.invoice.correction.wizard'].with_context(
            **invoice.action_service_correct()['context']))
        with wizard.line_ids.edit(0) as line:
            line.quantity_corrected = 7.0
        credit_note = self.env['account.move'].browse(wizard.save().action_correct()['res_id'])
        credit_note.action_post()
        self.assertRecordValues(item, [{'billing_status': 'ready', 'payment_status': False}])
        self.assertRecordValues(item, [{
            'billing_status': 'ready', 'qty_to_invoice': 1.0, 'qty_invoiced': 7.0,
            'amount_to_invoice': 80.0, 'amount_invoiced': 560.0, 'payment_status': False}])

    def test_a_contract_period_credited_whole_is_not_paid(self):
        contract = self.create_contract()
        invoice = self.proformas()
        invoice.action_service_confirm()
        january = self.items(contract)[0]
        self.assertEqual(january.payment_status, 'not_paid')
        # Odoo's full reversal: the credit note is posted and reconciled with the invoice.
        invoice._reverse_moves([{'invoice_date': date(2026, 3, 15)}], cancel=True)
        self.assertEqual(invoice.payment_state, 'reversed')
        self.assertRecordValues(january, [{'billing_status': 'ready',
                                           'payment_status': False}])
        self.assertRecordValues(january, [{'amount_invoiced': 0.0, 'amount_to_invoice': 100.0}])

    def test_backlog_columns_read_as_the_glossary(self):
        """The backlog list's figures and statuses are named and labelled as
        docs/glossary.md names them (its payment column read "Payment State" before)."""
        Item = self.env['service.billing.item'].with_context(lang='en_US')
        arch = etree.fromstring(Item.get_views([(False, 'list')])['views']['list']['arch'])
        columns = arch.xpath('/list/field/@name')
        labels = {name: field['string']
                  for name, field in Item.fields_get(columns, ['string']).items()}
        self.assertEqual({name: labels.get(name) for name in (
            'qty_to_invoice', 'qty_in_draft', 'qty_invoiced', 'billing_status',
            'payment_status')}, {
            'qty_to_invoice': "Left to Invoice", 'qty_in_draft': "Quantity in Draft Invoices",
            'qty_invoiced': "Invoiced Quantity", 'billing_status': "Billing Status",
            'payment_status': "Payment Status"})

    def test_order_line_shows_invoiced_and_in_draft_apart(self):
        """Shipped 4 and a draft invoice of 4: Invoiced 0 (posted), In Draft Invoices 4,
        Shipped Not Invoiced 4, as the shipment line and the backlog say."""
        order = self.create_order([(self.labour, 6.0)])
        self.post(order, 'ship', ship={self.labour: 4.0})
        invoice = self.proformas()
        # On the order, the column a user reads as Invoiced is the posted quantity, and the
        # drafts have their own column; Odoo's quantity counting drafts is not shown.
        arch = etree.fromstring(self.env['sale.order'].get_views(
            [(False, 'form')])['views']['form']['arch'])
        columns = {node.get('string'): node for node in arch.xpath(
            "//field[@name='order_line']/list/field[@string]")}
        self.assertEqual(columns['Invoiced'].get('name'), 'qty_invoiced_posted')
        self.assertEqual(columns['In Draft Invoices'].get('name'), 'service_qty_in_draft')
        [odoo_invoiced] = arch.xpath(
            "//field[@name='order_line']/list/field[@name='qty_invoiced']")
        self.assertEqual(odoo_invoiced.get('column_invisible'), 'True')

        line = self.line_of(order, self.labour)
        shipment_line = self.shipment_lines(order)
        item = self.items(order)
        self.assertRecordValues(line, [{
            'qty_delivered': 4.0, 'qty_invoiced_posted': 0.0, 'service_qty_in_draft': 4.0,
            'service_qty_shipped_not_invoiced': 4.0}])
        self.assertRecordValues(shipment_line, [{
            'qty_shipped': 4.0, 'qty_invoiced': 0.0, 'qty_in_draft': 4.0,
            'qty_shipped_not_invoiced': 4.0, 'qty_to_invoice': 0.0}])
        self.assertRecordValues(item, [{
            'qty_billable': 4.0, 'qty_invoiced': 0.0, 'qty_in_draft': 4.0,
            'qty_to_invoice': 0.0}])
        invoice.action_service_confirm()
        self.assertRecordValues(line, [{
            'qty_invoiced_posted': 4.0, 'service_qty_in_draft': 0.0,
            'service_qty_shipped_not_invoiced': 0.0}])
        self.assertRecordValues(item, [{'qty_invoiced': 4.0, 'qty_in_draft': 0.0}])
