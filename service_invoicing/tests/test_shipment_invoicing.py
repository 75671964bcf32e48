import ast
import html
import re
from datetime import date, timedelta

from odoo import Command, fields
from odoo.fields import Domain
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
class TestShipmentInvoicing(ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Two orders of one customer, each shipped in two deliveries.
        cls.order_1 = cls.create_order([(cls.filter_kit, 10.0)])
        cls.order_2 = cls.create_order([(cls.filter_kit, 6.0)])
        for order, quantities in ((cls.order_1, (4.0, 6.0)), (cls.order_2, (2.0, 4.0))):
            for quantity in quantities:
                order.order_line._service_post('ship', ship={order.order_line: quantity})
        cls.lines_1 = cls.order_1.service_shipment_ids.line_ids.sorted('id')
        cls.lines_2 = cls.order_2.service_shipment_ids.line_ids.sorted('id')

    def new_invoice(self, partner=None):
        return self.env['account.move'].create(
            {'move_type': 'out_invoice', 'partner_id': (partner or self.customer).id})

    def get_shipment_lines(self, invoice, quantities=None, **filters):
        """Run Get Shipment Lines through its form; ``quantities`` maps a shipment line to a
        quantity."""
        action = invoice.action_get_shipment_lines()
        form = Form(self.env[action['res_model']].with_context(**action['context']))
        for name, value in filters.items():
            setattr(form, name, value)
        listed = {}
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                listed[line.shipment_line_id] = line.qty_available
                if quantities is not None:
                    line.selected = line.shipment_line_id in quantities
                    line.qty_to_invoice = quantities.get(line.shipment_line_id, 0.0)
        wizard = form.save()
        if quantities is not None:
            wizard.action_confirm()
        return listed

    def test_get_shipment_lines_across_orders_and_shipments_partial_then_rest(self):
        invoice = self.new_invoice()
        listed = self.get_shipment_lines(invoice)
        self.assertEqual(listed, {self.lines_1[0]: 4.0, self.lines_1[1]: 6.0,
                                  self.lines_2[0]: 2.0, self.lines_2[1]: 4.0})
        self.get_shipment_lines(invoice, {self.lines_1[0]: 4.0, self.lines_1[1]: 1.5,
                                          self.lines_2[1]: 4.0})
        self.assertRecordValues(invoice.invoice_line_ids, [
            {'service_shipment_line_id': self.lines_1[0].id, 'quantity': 4.0, 'price_unit': 50.0,
             'tax_ids': self.tax_15.ids},
            {'service_shipment_line_id': self.lines_1[1].id, 'quantity': 1.5, 'price_unit': 50.0,
             'tax_ids': self.tax_15.ids},
            {'service_shipment_line_id': self.lines_2[1].id, 'quantity': 4.0, 'price_unit': 50.0,
             'tax_ids': self.tax_15.ids},
        ])
        self.assertEqual(invoice.line_ids.sale_line_ids.order_id, self.order_1 | self.order_2)
        self.assertEqual(invoice.invoice_origin, ', '.join(sorted(
            [self.order_1.name, self.order_2.name])))
        # On a draft the quantities are taken: a second invoice sees only the rest.
        second = self.new_invoice()
        self.assertEqual(self.get_shipment_lines(second), {
            self.lines_1[1]: 4.5, self.lines_2[0]: 2.0})
        invoice.action_post()
        self.assertEqual(self.lines_1[0].shipment_id.invoice_status, 'invoiced')
        self.assertEqual(self.lines_1[1].shipment_id.invoice_status, 'partial')
        self.assertRecordValues(self.order_1.order_line, [
            {'qty_invoiced': 5.5, 'service_qty_shipped_not_invoiced': 4.5}])
        self.get_shipment_lines(second, {self.lines_1[1]: 4.5, self.lines_2[0]: 2.0})
        second.action_post()
        lines = self.lines_1 | self.lines_2
        self.assertEqual(set(lines.mapped('qty_shipped_not_invoiced')), {0.0})
        self.assertEqual(set((self.order_1 | self.order_2).service_shipment_ids.mapped(
            'invoice_status')), {'invoiced'})
        self.assertFalse(self.get_shipment_lines(self.new_invoice()))

    def test_filters_and_quantity_limits(self):
        invoice = self.new_invoice()
        listed = self.get_shipment_lines(invoice, order_ids=self.order_2)
        self.assertEqual(set(listed), set(self.lines_2))
        listed = self.get_shipment_lines(invoice, shipment_ids=self.lines_1[1].shipment_id)
        self.assertEqual(set(listed), {self.lines_1[1]})
        tomorrow = fields.Date.today() + timedelta(days=1)
        self.assertFalse(self.get_shipment_lines(invoice, date_from=tomorrow))
        with self.assert_refused(UserError, "between 0 and 4.00, not 5.00"):
            self.get_shipment_lines(invoice, {self.lines_1[0]: 5.0})
        self.assertFalse(invoice.invoice_line_ids)

    def test_deleting_a_line_or_cancelling_gives_the_quantity_back(self):
        invoice = self.new_invoice()
        self.get_shipment_lines(invoice, {self.lines_1[0]: 4.0, self.lines_2[0]: 2.0})
        self.assertEqual(self.lines_1[0].qty_to_invoice, 0.0)
        invoice.invoice_line_ids.filtered(
            lambda line: line.service_shipment_line_id == self.lines_1[0]).unlink()
        self.assertEqual(self.lines_1[0].qty_to_invoice, 4.0)
        invoice.button_cancel()
        self.assertEqual(self.lines_2[0].qty_to_invoice, 2.0)
        self.assertEqual(self.order_2.order_line.service_qty_shipped_not_invoiced, 6.0)

    def draft_credit_note(self, invoiced, credited):
        """Invoice ``invoiced`` of the first shipment, then a draft credit note (Odoo's
        reversal) of ``credited``."""
        invoice = self.new_invoice()
        self.get_shipment_lines(invoice, {self.lines_1[0]: invoiced})
        invoice.action_post()
        reversal = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=invoice.ids).create(
            {'journal_id': invoice.journal_id.id, 'reason': "Returned filters"})
        credit_note = self.env['account.move'].browse(reversal.refund_moves()['res_id'])
        credit_note.invoice_line_ids.quantity = credited
        return credit_note

    def test_credit_note_gives_quantities_back(self):
        self.draft_credit_note(4.0, 1.0).action_post()
        self.assertRecordValues(self.lines_1[0], [{
            'qty_invoiced': 3.0, 'qty_shipped_not_invoiced': 1.0}])
        self.assertEqual(self.order_1.order_line.qty_invoiced, 3.0)
        self.assertEqual(self.lines_1[0].shipment_id.invoice_status, 'partial')
        self.assertEqual(self.get_shipment_lines(self.new_invoice())[self.lines_1[0]], 1.0)

    def test_credit_note_beyond_what_was_invoiced_is_refused(self):
        credit_note = self.draft_credit_note(3.0, 4.0)
        with self.assert_refused(UserError, r"Filter kit of order .* would be credited "
                                            r"1\.00 more than its posted invoices billed"):
            credit_note.action_post()
        self.assertEqual(credit_note.state, 'draft')
        self.assertEqual(self.lines_1[0].qty_invoiced, 3.0)
        credit_note.invoice_line_ids.quantity = 3.0
        credit_note.action_post()
        self.assertRecordValues(self.lines_1[0], [{
            'qty_invoiced': 0.0, 'qty_shipped_not_invoiced': 4.0}])

    def test_posting_more_than_shipped_is_refused(self):
        first, second = self.new_invoice(), self.new_invoice()
        line_vals = self.order_1.order_line._prepare_invoice_line(
            quantity=4.0, service_shipment_line_id=self.lines_1[0].id)
        first.invoice_line_ids = [Command.create(line_vals)]
        # A second draft cannot hold what the first holds (issue 22: a quantity is on one
        # open invoice at most); two drafts made at once in two transactions are stopped by
        # posting (test_contract_concurrency, the order lines locked at posting).
        with self.assert_refused(UserError, r"Draft invoices would hold 8\.00 .* only 4\.00"):
            second.invoice_line_ids = [Command.create(line_vals)]
        first.action_post()
        with self.assert_refused(UserError, r"Draft invoices would hold 4\.00 .* only 0\.00"):
            second.invoice_line_ids = [Command.create(line_vals)]
        self.assertFalse(second.invoice_line_ids)
        self.assertEqual(self.lines_1[0].qty_invoiced, 4.0)

    def test_other_customers_and_companies_never_appear(self):
        other_order = self.create_order([(self.filter_kit, 3.0)], partner=self.customer_2)
        other_order.order_line._service_post('ship', ship={other_order.order_line: 3.0})
        other_lines = other_order.service_shipment_ids.line_ids
        listed = self.get_shipment_lines(self.new_invoice())
        self.assertNotIn(other_lines, set(listed))
        self.assertEqual(set(self.get_shipment_lines(self.new_invoice(self.customer_2))),
                         set(other_lines))
        company_2 = self.setup_other_company(name="Branch Co")['company']
        self.env.user.company_ids |= company_2
        invoice_2 = self.env['account.move'].with_company(company_2).create(
            {'move_type': 'out_invoice', 'partner_id': self.customer.id,
             'company_id': company_2.id})
        self.assertFalse(self.get_shipment_lines(invoice_2.with_company(company_2)))
        with self.assertRaisesRegex(UserError, "does not belong to the customer"):
            wizard = self.env['service.shipment.lines.wizard'].create({
                'invoice_id': self.new_invoice(self.customer_2).id,
                'line_ids': [Command.create({'shipment_line_id': self.lines_1[0].id,
                                             'qty_available': 4.0, 'qty_to_invoice': 1.0})]})
            wizard.action_confirm()

    def test_get_shipment_lines_needs_a_draft_customer_invoice(self):
        invoice = self.new_invoice()
        self.get_shipment_lines(invoice, {self.lines_1[0]: 1.0})
        invoice.action_post()
        with self.assertRaisesRegex(UserError, "works on a draft customer invoice"):
            invoice.action_get_shipment_lines()


@tagged('post_install', '-at_install')
class TestCombineShipments(ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_1 = cls.create_order([(cls.filter_kit, 5.0), (cls.labour, 2.0)])
        cls.order_2 = cls.create_order([(cls.filter_kit, 3.0)])
        cls.order_3 = cls.create_order([(cls.labour, 4.0)], partner=cls.customer_2)
        for order in cls.order_1 | cls.order_2 | cls.order_3:
            order.order_line._service_post(
                'ship', ship={line: line.product_uom_qty for line in order.order_line})

    def run_wizard(self, **values):
        form = Form(self.env['service.shipment.combine.wizard'])
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_one_invoice_per_customer_with_posting_and_document_dates(self):
        wizard = self.run_wizard(posting_date=date(2026, 12, 1), document_date=date(2026, 11, 30),
                                 post_invoices=True)
        wizard.action_create()
        invoices = wizard.invoice_ids
        self.assertEqual(len(invoices), 2)
        combined = invoices.filtered(lambda move: move.partner_id == self.customer)
        self.assertRecordValues(combined, [{
            'state': 'posted', 'date': date(2026, 12, 1), 'invoice_date': date(2026, 11, 30),
            'amount_untaxed': 8 * 50.0 + 2 * 80.0,
            'invoice_origin': ', '.join(sorted([self.order_1.name, self.order_2.name]))}])
        self.assertEqual((invoices - combined).amount_untaxed, 4 * 80.0)
        self.assertEqual(set((self.order_1 | self.order_2 | self.order_3).order_line.mapped(
            'service_qty_shipped_not_invoiced')), {0.0})
        self.assertEqual(self.env['service.shipment.line']._items_to_invoice(date(2100, 12, 31)),
                         ([], 0))

    def test_combine_says_when_it_invoices_beside_a_draft_holding_shipment_lines(self):
        """Get Shipment Lines filled a draft: Combine Shipments invoices the rest beside it and
        says so (before: a second draft of the same customer, without a word)."""
        draft = self.env['account.move'].create(
            {'move_type': 'out_invoice', 'partner_id': self.customer.id})
        kit_line = self.order_1.service_shipment_ids.line_ids.filtered(
            lambda line: line.product_id == self.filter_kit)
        action = draft.action_get_shipment_lines()
        form = Form(self.env[action['res_model']].with_context(**action['context']))
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                line.selected = line.shipment_line_id == kit_line
                line.qty_to_invoice = 2.0 if line.selected else 0.0
        form.save().action_confirm()
        wizard = self.run_wizard()
        report = self.env['service.test.report'].browse(wizard.action_test_report()['res_id'])
        warned = report.problem_ids.filtered(lambda problem: problem.level == 'warning')
        self.assertIn(f"{self.customer.display_name} already has a draft invoice holding "
                      f"shipment lines ({draft.display_name})", '\n'.join(warned.mapped('message')))
        action = wizard.action_create()
        self.assertEqual(action['res_model'], wizard._name, "the wizard stays open to say it")
        self.assertIn(f"{self.customer.display_name} already has a draft invoice holding "
                      f"shipment lines ({draft.display_name})", wizard.result_message)
        beside = wizard.invoice_ids.filtered(lambda move: move.partner_id == self.customer)
        self.assertEqual(kit_line.qty_to_invoice, 0.0)
        self.assertEqual(draft.invoice_line_ids.quantity, 2.0)
        self.assertEqual(beside.amount_untaxed, 3 * 50.0 + 2 * 80.0 + 3 * 50.0)
        # The customer of no earlier draft gets no such word.
        self.assertNotIn(self.customer_2.display_name, wizard.result_message)

    def test_combined_invoices_match_the_standard_path(self):
        """Combine Shipments creates its invoices complete: discounts, price-included and
        fixed taxes, fiscal positions, split payment terms and no terms give exactly what
        Odoo's standard path gives."""
        tax_included = self.env['account.tax'].create({
            'name': "VAT 21% incl.", 'amount': 21.0, 'price_include_override': 'tax_included'})
        eco_fee = self.env['account.tax'].create({
            'name': "Eco fee", 'amount_type': 'fixed', 'amount': 1.5,
            'include_base_amount': True, 'sequence': 1})
        two_terms = self.env['account.payment.term'].create({
            'name': "30% now, rest in 60 days",
            'line_ids': [
                Command.create({'value': 'percent', 'value_amount': 30.0, 'nb_days': 0}),
                Command.create({'value': 'percent', 'value_amount': 70.0, 'nb_days': 60}),
            ],
        })
        export_account = self.revenue_account.copy({'code': '400997'})
        export = self.env['account.fiscal.position'].create({
            'name': "Export", 'account_ids': [Command.create({
                'account_src_id': self.revenue_account.id,
                'account_dest_id': export_account.id})]})
        customer_3 = self.env['res.partner'].create({'name': "Freezer Inc"})
        # Odoo's analytic distribution models still apply to invoices created complete.
        analytic = self.env['account.analytic.account'].create({
            'name': "Freezer projects",
            'plan_id': self.env['account.analytic.plan'].create({'name': "Projects"}).id})
        self.env['account.analytic.distribution.model'].create({
            'partner_id': customer_3.id, 'analytic_distribution': {str(analytic.id): 100}})
        mixed = self.create_order([(self.filter_kit, 7.0), (self.labour, 3.0)],
                                  partner=customer_3, payment_term_id=two_terms.id)
        mixed.order_line[0].write({'discount': 12.5, 'price_unit': 33.33,
                                   'tax_ids': [Command.set((tax_included | eco_fee).ids)]})
        exported = self.create_order([(self.labour, 1.0)], partner=self.customer_2,
                                     fiscal_position_id=export.id)
        plain = self.create_order([(self.labour, 2.0)], partner=customer_3)
        for order in mixed | exported | plain:
            order.order_line._service_post(
                'ship', ship={line: line.product_uom_qty for line in order.order_line})
        items, _left = self.env['service.shipment.line']._items_to_invoice(date(2100, 1, 1))
        vals_list = self.env['service.shipment.line']._prepare_invoices_vals(items)
        self.assertEqual(len(vals_list), 5)
        Move = self.env['account.move']
        # Only the invoice whose tax lines follow a distribution model's analytics is left to
        # Odoo's standard create.
        self.assertEqual(
            [bool(Move._service_complete_invoice_vals(vals)) for vals in vals_list
             if vals['partner_id'] == customer_3.id],
            [vals['invoice_payment_term_id'] != two_terms.id for vals in vals_list
             if vals['partner_id'] == customer_3.id])
        self.assertTrue(all(Move._service_complete_invoice_vals(vals) for vals in vals_list
                            if vals['partner_id'] != customer_3.id))
        invoices, failed, _left = self.env['service.shipment.line']._combine_shipments(
            date(2100, 1, 1), document_date=date(2026, 11, 30))
        self.assertFalse(failed)
        self.assertEqual(len(invoices), 5)
        mixed_invoice = invoices.filtered(lambda move: move.invoice_payment_term_id == two_terms)
        plain_invoice = invoices.filtered(lambda move: move.invoice_origin == plain.name)
        self.assertEqual(plain_invoice.invoice_line_ids.analytic_distribution,
                         {str(analytic.id): 100})
        exported_invoice = invoices.filtered(lambda move: move.fiscal_position_id == export)
        self.assertEqual(len(mixed_invoice.line_ids.filtered(
            lambda line: line.display_type == 'payment_term')), 2)
        self.assertEqual(exported_invoice.invoice_line_ids.account_id, export_account)
        self.assertEqual(mixed_invoice.invoice_line_ids.mapped('analytic_distribution'),
                         [{str(analytic.id): 100}] * 2)
        self.assertFalse(exported_invoice.invoice_line_ids.analytic_distribution)
        self.assertEqual(sorted(mixed_invoice.invoice_line_ids.mapped('price_subtotal')),
                         sorted(mixed.order_line.mapped('price_subtotal')))
        self.assert_same_as_standard(invoices)
        self.assertEqual(set((self.order_1 | self.order_2 | mixed).order_line.mapped(
            'qty_invoiced')) - {0.0}, {5.0, 2.0, 3.0, 7.0})

    def test_daily_job_drafts_combined_invoices(self):
        invoices, failed = self.env['service.shipment.line']._cron_combine_shipments()
        self.assertFalse(failed)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped('state')), {'draft'})
        self.assertFalse(self.env.ref('service_invoicing.ir_cron_combine_shipments').active)

    def test_one_refused_invoice_does_not_stop_the_others(self):
        """A misconfigured order (a purchase journal) cannot be invoiced, and an invoice with a
        negative total cannot be posted: the other customers are invoiced and posted, the
        refusals name the orders, and the refused order's lines stay to invoice."""
        customer_3 = self.env['res.partner'].create({'name': "Freezer Inc"})
        customer_4 = self.env['res.partner'].create({'name': "Chiller GmbH"})
        misconfigured = self.create_order([(self.labour, 1.0)], partner=customer_3)
        negative = self.create_order([(self.labour, 1.0)], partner=customer_4)
        negative.order_line.price_unit = -80.0
        for order in misconfigured | negative:
            order.order_line._service_post('ship', ship={order.order_line: 1.0})
        misconfigured.journal_id = self.company_data['default_journal_purchase']
        wizard = self.run_wizard(post_invoices=True)
        action = wizard.action_create()
        self.assertEqual(action['res_model'], wizard._name)
        self.assertEqual(wizard.state, 'done')
        self.assertEqual(len(wizard.invoice_ids), 3)
        self.assertEqual(self.env['account.move'].search(wizard.action_view_invoices()['domain']),
                         wizard.invoice_ids, "several invoices: their list")
        refused_draft = wizard.invoice_ids.filtered(lambda move: move.partner_id == customer_4)
        self.assertEqual(refused_draft.state, 'draft')
        self.assertEqual(set((wizard.invoice_ids - refused_draft).mapped('state')), {'posted'})
        self.assertIn(f"Orders {misconfigured.name} of Freezer Inc could not be invoiced",
                      wizard.result_message)
        self.assertIn(f"of orders {negative.name} was created but not posted",
                      wizard.result_message)
        self.assertIn("negative total amount", wizard.result_message)
        self.assertFalse(misconfigured.invoice_ids)
        self.assertEqual(misconfigured.order_line.service_qty_shipped_not_invoiced, 1.0)
        # The daily job gives the salesperson an activity on the refused order.
        invoices, failed = self.env['service.shipment.line']._cron_combine_shipments()
        self.assertFalse(invoices)
        self.assertEqual([orders for orders, _message in failed], [misconfigured])
        self.assertEqual(misconfigured.activity_ids.summary, "Combine Shipments failed")

    def test_test_report_shows_each_order_its_amount_lines_and_invoice(self):
        wizard = self.run_wizard()
        action = wizard.action_test_report()
        report = self.env['service.test.report'].browse(action['res_id'])
        self.assertEqual(report.row_source, 'order')
        rows = report.row_ids
        self.assertEqual(rows.order_id, self.order_1 | self.order_2 | self.order_3)
        by_order = {row.order_id: row for row in rows}
        usd = self.env.company.currency_id
        self.assertRecordValues(by_order[self.order_1] | by_order[self.order_3], [
            {'status': 'invoice', 'partner_id': self.customer.id, 'currency_id': usd.id,
             'amount': 5 * 50.0 + 2 * 80.0},
            {'status': 'invoice', 'partner_id': self.customer_2.id, 'currency_id': usd.id,
             'amount': 4 * 80.0},
        ])
        # The two orders of one customer on one invoice, each with its own lines.
        self.assertEqual(by_order[self.order_1].invoice_id, by_order[self.order_2].invoice_id)
        self.assertNotEqual(by_order[self.order_1].invoice_id,
                            by_order[self.order_3].invoice_id)
        self.assertEqual(sorted((line.product_id.id, line.quantity, line.price_unit, line.amount)
                                for line in by_order[self.order_1].line_ids),
                         sorted([(self.filter_kit.id, 5.0, 50.0, 250.0),
                                 (self.labour.id, 2.0, 80.0, 160.0)]))
        self.assertEqual([(line.product_id, line.quantity)
                          for line in by_order[self.order_2].line_ids], [(self.filter_kit, 3.0)])
        action = by_order[self.order_3].action_open_source()
        self.assertEqual((action['res_model'], action['res_id']), ('sale.order', self.order_3.id))
        self.assertFalse((self.order_1 | self.order_2 | self.order_3).invoice_ids)
        # Closing it returns to the wizard; the Preview of its own is gone.
        self.assertEqual(report.action_back()['res_id'], wizard.id)
        self.assertNotIn('preview_line_ids', wizard._fields)

    def test_filters_customers_dates_and_standard_payment_terms(self):
        wizard = self.run_wizard(date_to=fields.Date.today() - timedelta(days=1))
        self.assertFalse(wizard._items()[0])
        with self.assertRaisesRegex(UserError, "left to invoice"):
            wizard.action_create()
        immediate = self.env.ref('account.account_payment_term_immediate')
        self.customer.property_payment_term_id = immediate
        self.order_2.payment_term_id = self.env.ref('account.account_payment_term_30days')
        self.order_1.payment_term_id = immediate
        wizard = self.run_wizard(standard_payment_terms_only=True)
        wizard.partner_ids = self.customer
        wizard.action_create()
        self.assertEqual(wizard.invoice_ids.invoice_origin, self.order_1.name)
        self.assertFalse(self.order_2.invoice_ids | self.order_3.invoice_ids)


@tagged('post_install', '-at_install')
class TestServiceInvoicesMenu(ServiceOrderCommon):

    def test_service_invoices_list_every_source(self):
        contract = self.create_contract()
        from_contract = contract._create_contract_invoices(date(2026, 1, 31),
                                                           date(2026, 1, 31)).invoices
        order = self.create_order([(self.labour, 2.0)])
        from_order = order.order_line._service_post(
            'ship_invoice', ship={order.order_line: 2.0}, invoice={order.order_line: 2.0})
        by_hand = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create({'product_id': self.hotline.id})]})
        goods_only = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create({'product_id': self.filter_kit.id})]})
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_invoices')
        service_invoices = Domain(ast.literal_eval(action['domain']))
        found = self.env['account.move'].search(
            service_invoices & Domain('partner_id', '=', self.customer.id))
        self.assertEqual(found, from_contract | from_order | by_hand)
        self.assertNotIn(goods_only, found)
        filters = {
            'service_from_contracts': from_contract, 'service_from_orders': from_order,
            'service_manual': by_hand | goods_only}
        arch = self.env.ref('service_invoicing.account_move_view_search_service').arch
        for name, expected in filters.items():
            with self.subTest(filter=name):
                domain = re.search(rf'name="{name}".*?domain="(.*?)"', arch, re.S).group(1)
                domain = ast.literal_eval(html.unescape(domain))
                self.assertEqual(self.env['account.move'].search(
                    Domain(domain) & Domain('id', 'in', (found | goods_only).ids)), expected)
