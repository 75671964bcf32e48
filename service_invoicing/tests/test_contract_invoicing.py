from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import ServiceInvoicingCommon


@tagged('post_install', '-at_install')
class TestContractInvoicing(ServiceInvoicingCommon):

    def test_invoice_lines_taxes_accounts_and_journal(self):
        journal_2 = self.sale_journal.copy({'name': "Service Sales", 'code': 'SRV'})
        contract = self.create_contract(
            lines=[(self.maintenance, 2.0, 1200.0), (self.hotline, 1.0, 600.0)],
            invoice_period='quarter', prepaid=True, journal_id=journal_2.id)
        result = self.invoice(contract, date(2026, 1, 1), post=True)
        invoice = result.invoices
        self.assertRecordValues(invoice, [{
            'move_type': 'out_invoice', 'state': 'posted', 'journal_id': journal_2.id,
            'partner_id': self.customer.id, 'invoice_date': date(2026, 1, 1),
            'invoice_origin': contract.name,
            'amount_untaxed': 750.0, 'amount_tax': 112.5, 'amount_total': 862.5,
        }])
        self.assertRecordValues(invoice.invoice_line_ids, [
            {'product_id': self.maintenance.id, 'quantity': 1.0, 'price_unit': 600.0,
             'tax_ids': self.tax_15.ids, 'account_id': self.revenue_account.id,
             'service_contract_id': contract.id, 'service_period_start': date(2026, 1, 1),
             'service_period_end': date(2026, 3, 31)},
            {'product_id': self.hotline.id, 'quantity': 1.0, 'price_unit': 150.0,
             'tax_ids': self.tax_15.ids, 'account_id': self.revenue_account.id,
             'service_contract_id': contract.id, 'service_period_start': date(2026, 1, 1),
             'service_period_end': date(2026, 3, 31)},
        ])
        # Dates in the language's format, as on the lines of time and milestones.
        self.assertIn(f"Contract {contract.name}, 01/01/2026 - 03/31/2026",
                      invoice.invoice_line_ids[0].name)
        self.assertEqual(contract.invoice_count, 1)
        self.assertEqual(invoice.service_contract_ids, contract)
        self.assertEqual(contract.action_view_invoices()['res_id'], invoice.id)
        self.assertEqual(invoice.action_view_service_contracts()['res_id'], contract.id)

    def test_fiscal_position_maps_taxes_and_accounts(self):
        tax_0 = self.tax_15.copy({'name': "Export 0%", 'amount': 0.0})
        export_account = self.revenue_account.copy({'code': '400999'})
        fiscal_position = self.env['account.fiscal.position'].create({
            'name': "Export",
            'account_ids': [Command.create({
                'account_src_id': self.revenue_account.id,
                'account_dest_id': export_account.id})],
        })
        tax_0.fiscal_position_ids = fiscal_position
        tax_0.original_tax_ids = self.tax_15
        contract = self.create_contract(fiscal_position_id=fiscal_position.id, sign=False)
        contract.line_ids._compute_tax_ids()
        contract.action_sign()
        invoice = self.invoice(contract, date(2026, 1, 31)).invoices
        self.assertRecordValues(invoice.invoice_line_ids, [
            {'tax_ids': tax_0.ids, 'account_id': export_account.id, 'price_subtotal': 100.0}])
        self.assertEqual(invoice.amount_total, 100.0)

    def test_catch_up_bills_each_due_period_on_its_own_line(self):
        contract = self.create_contract()
        result = self.invoice(contract, date(2026, 4, 30))
        lines = result.invoices.invoice_line_ids
        self.assertEqual(len(result.invoices), 1)
        self.assertEqual(lines.mapped('service_period_start'),
                         [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)])
        self.assertEqual(lines.mapped('price_subtotal'), [100.0] * 4)
        self.assertEqual(contract.next_invoice_date, date(2026, 5, 31))

    def test_a_year_of_monthly_invoices_sums_to_the_annual_amount(self):
        contract = self.create_contract(
            lines=[(self.maintenance, 1.0, 700.0), (self.hotline, 1.0, 300.01)])
        invoices = self.env['account.move']
        for month_end in [date(2026, m, 28) for m in range(1, 13)]:
            invoices |= self.invoice(contract, month_end.replace(day=1) + (
                date(2026, 1, 31) - date(2026, 1, 1)) if month_end.month < 12 else
                date(2026, 12, 31)).invoices
        invoices |= self.invoice(contract, date(2026, 12, 31)).invoices
        self.assertEqual(len(contract.period_ids), 12)
        self.assertAlmostEqual(sum(invoices.mapped('amount_untaxed')), 1000.01, places=2)
        self.assertAlmostEqual(sum(contract.period_ids.mapped('amount')), 1000.01, places=2)

    def test_rerun_creates_nothing_twice(self):
        contract = self.create_contract(invoice_period='quarter', prepaid=True)
        first = self.invoice(contract, date(2026, 2, 15))
        second = self.invoice(contract, date(2026, 2, 15))
        self.assertEqual(len(first.invoices), 1)
        self.assertFalse(second.invoices)
        self.assertEqual(second.skipped[0][0], contract)
        self.assertEqual(len(contract.period_ids), 1)

    def test_open_contract_is_refused_and_the_batch_goes_on(self):
        good = self.create_contract()
        opened = self.create_contract()
        opened.action_open()
        result = self.invoice(good | opened, date(2026, 1, 31))
        self.assertEqual(result.invoiced, good)
        self.assertEqual(result.failed[0][0], opened)
        self.assertIn("is Open: lock it", result.failed[0][1])
        self.assertIn("is Open", opened.invoice_error)
        activity = opened.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, opened.user_id)
        # The same error on the next run schedules no second activity; a fix clears it.
        self.invoice(opened, date(2026, 1, 31))
        self.assertEqual(len(opened.activity_ids), 1)
        opened.action_lock()
        self.invoice(opened, date(2026, 1, 31))
        self.assertFalse(opened.invoice_error)
        self.assertEqual(len(opened.period_ids), 1)

    def test_each_refusal_names_the_contract_and_the_fix(self):
        unsigned = self.create_contract(sign=False)
        no_address = self.create_contract(sign=False)
        no_address.partner_invoice_id = False
        no_address.action_sign()
        other_company = self.setup_other_company(name="Other Co")['company']
        foreign_customer = self.env['res.partner'].create(
            {'name': "Foreign", 'company_id': other_company.id})
        wrong_company = self.create_contract(partner=self.customer_2)
        self.env.cr.execute("UPDATE service_contract SET partner_id = %s WHERE id = %s",
                            [foreign_customer.id, wrong_company.id])
        wrong_company.invalidate_recordset()
        foreign_journal = self.create_contract()
        self.env.cr.execute("UPDATE service_contract SET journal_id = %s WHERE id = %s", [
            self.env['account.journal'].search([('company_id', '=', other_company.id),
                                                ('type', '=', 'sale')], limit=1).id,
            foreign_journal.id])
        foreign_journal.invalidate_recordset()
        no_journal = self.create_contract()
        self.env.cr.execute("UPDATE service_contract SET journal_id = NULL WHERE id = %s",
                            [no_journal.id])
        no_journal.invalidate_recordset()
        no_income = self._create_product(name="Unaccounted", type='service', lst_price=10.0)
        no_income.property_account_income_id = False
        no_income.categ_id = self.env['product.category'].create({'name': "Bare"})
        no_income.categ_id.property_account_income_categ_id = False
        self.env.company.income_account_id = False
        self.sale_journal.default_account_id = False
        missing_account = self.create_contract(lines=[(no_income, 1.0, 120.0)])
        zero = self.create_contract(lines=[(self.maintenance, 1.0, 0.01)])
        good = self.create_contract()

        contracts = unsigned | no_address | wrong_company | foreign_journal | no_journal \
            | missing_account | zero | good
        result = self.invoice(contracts, date(2026, 1, 31))
        errors = dict(result.failed)
        self.assertEqual(result.invoiced, good)
        self.assertIn("is not signed: sign it", errors[unsigned])
        self.assertIn("has no invoice address", errors[no_address])
        self.assertIn("belongs to the company Other Co", errors[wrong_company])
        self.assertIn("belongs to another company", errors[foreign_journal])
        self.assertIn("has no sales journal", errors[no_journal])
        self.assertIn("has no income account", errors[missing_account])
        self.assertIn("amount to invoice for this invoice period is zero", errors[zero])
        for contract, error in errors.items():
            self.assertIn(contract.name, error)
            self.assertEqual(contract.invoice_error, error)
            self.assertFalse(contract.period_ids)

    def test_combined_invoices_per_customer_never_mix_currencies(self):
        other_currency = self.setup_other_currency('EUR')
        a = self.create_contract(combine_invoices=True)
        b = self.create_contract(combine_invoices=True, invoice_period='quarter')
        c_eur = self.create_contract(combine_invoices=True, currency_id=other_currency.id,
                                     pricelist_id=False)
        alone = self.create_contract()
        other_customer = self.create_contract(combine_invoices=True, partner=self.customer_2)
        result = self.invoice(a | b | c_eur | alone | other_customer, date(2026, 3, 31))
        self.assertEqual(len(result.invoices), 4)
        combined = a.period_ids.invoice_id
        self.assertEqual(combined, b.period_ids.invoice_id)
        self.assertEqual(combined.currency_id, self.env.company.currency_id)
        self.assertEqual(combined.amount_untaxed, 3 * 100.0 + 300.0)
        self.assertEqual(combined.invoice_origin, ', '.join(sorted([a.name, b.name])))
        self.assertEqual(c_eur.period_ids.invoice_id.currency_id, other_currency)
        self.assertNotEqual(alone.period_ids.invoice_id, combined)
        self.assertNotEqual(other_customer.period_ids.invoice_id, combined)

    def test_invoice_after_service_waits_for_a_shipped_order(self):
        contract = self.create_contract(invoice_after_service=True)
        result = self.invoice(contract, date(2026, 1, 31))
        self.assertFalse(result.invoices)
        self.assertIn("no service order", result.skipped[0][1])
        order = self.env['sale.order'].create({
            'partner_id': self.customer.id, 'service_contract_id': contract.id,
            'order_line': [Command.create({'product_id': self.hotline.id,
                                           'product_uom_qty': 1.0})],
        })
        order.action_confirm()
        with freeze_time('2026-01-20'):
            order.order_line._service_post('ship', ship={order.order_line: 1.0})
        self.assertEqual(order.service_shipment_ids.date, date(2026, 1, 20))
        self.assertEqual(len(self.invoice(contract, date(2026, 1, 31)).invoices), 1)
        # The same shipment does not open the next period.
        self.assertFalse(self.invoice(contract, date(2026, 2, 28)).invoices)

    def test_cancelled_draft_reopens_its_period_credit_note_does_not(self):
        contract = self.create_contract()
        january = self.invoice(contract, date(2026, 1, 31)).invoices
        february = self.invoice(contract, date(2026, 2, 28)).invoices
        with self.assertRaisesRegex(Exception, "cancel the later invoice first"):
            january.button_cancel()
        february.button_cancel()
        self.assertEqual(contract.next_invoice_date, date(2026, 2, 28))
        again = self.invoice(contract, date(2026, 2, 28), post=True).invoices
        self.assertEqual(again.invoice_line_ids.service_period_start, date(2026, 2, 1))
        credit_note = again._reverse_moves()
        credit_note.action_post()
        # Credited in full, February is back in the backlog, ready to invoice as it was when
        # it was billed: the next proforma bills it again (test_billing_backlog.py), no
        # contract run bills it by itself.
        self.assertEqual(contract.invoiced_until, date(2026, 2, 28))
        self.assertFalse(self.invoice(contract, date(2026, 2, 28)).invoices)
        february_item = contract.billing_item_ids.filtered(
            lambda item: item.period_start == date(2026, 2, 1))
        self.assertEqual(february_item.billing_status, 'ready')

    def test_multi_company_isolation(self):
        company_2 = self.setup_other_company(name="Second Co")['company']
        self.env.user.company_ids |= company_2
        journal_2 = self.env['account.journal'].search(
            [('company_id', '=', company_2.id), ('type', '=', 'sale')], limit=1)
        contract_1 = self.create_contract()
        contract_2 = self.env['service.contract'].with_company(company_2).create({
            'partner_id': self.customer.id, 'company_id': company_2.id,
            'date_start': date(2026, 1, 1), 'invoice_period': 'month',
            'line_ids': [Command.create({'product_id': self.maintenance.id,
                                         'price_unit': 2400.0})],
        })
        contract_2.action_sign()
        self.assertEqual(contract_2.journal_id, journal_2)
        result = self.invoice(contract_1 | contract_2, date(2026, 1, 31))
        self.assertRecordValues(contract_1.period_ids.invoice_id, [
            {'company_id': self.env.company.id, 'journal_id': self.sale_journal.id,
             'amount_untaxed': 100.0}])
        self.assertRecordValues(contract_2.period_ids.invoice_id, [
            {'company_id': company_2.id, 'journal_id': journal_2.id, 'amount_untaxed': 200.0}])
        self.assertEqual(len(result.invoices), 2)
        only_1 = self.env['service.contract'].with_context(allowed_company_ids=[
            self.env.company.id]).search([('id', 'in', (contract_1 | contract_2).ids)])
        self.assertEqual(only_1, contract_1)

    def test_one_failing_invoice_among_many_is_skipped(self):
        contracts = self.env['service.contract']
        for _index in range(5):
            contracts |= self.create_contract()
        # A contract whose tax belongs to another company makes Odoo refuse its invoice.
        company_2 = self.setup_other_company(name="Tax Co")['company']
        foreign_tax = self.env['account.tax'].search([('company_id', '=', company_2.id),
                                                      ('type_tax_use', '=', 'sale')], limit=1)
        broken = self.create_contract()
        self.env.cr.execute(
            "UPDATE account_tax_service_contract_line_rel SET account_tax_id = %s "
            "WHERE service_contract_line_id = %s", [foreign_tax.id, broken.line_ids.id])
        broken.line_ids.invalidate_recordset()
        result = self.invoice(contracts | broken, date(2026, 1, 31))
        self.assertEqual(result.invoiced, contracts)
        self.assertEqual(len(result.invoices), 5)
        self.assertEqual([c for c, _e in result.failed], [broken])
        self.assertFalse(broken.period_ids)
        self.assertIn(broken.name, broken.invoice_error)


@tagged('post_install', '-at_install')
class TestInvoicingErrorsAndReports(ServiceInvoicingCommon):

    def failed_activities(self, contract):
        return contract.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.env.ref(
                'service_invoicing.mail_activity_type_contract_invoicing_failed'))

    def test_a_resolved_error_clears_itself_and_its_activity_is_done(self):
        contract = self.create_contract()
        contract.action_open()
        result = self.invoice(contract, date(2026, 1, 31))
        self.assertIn("is Open: lock it", result.failed[0][1])
        self.assertIn("is Open: lock it", contract.invoice_error)
        self.assertEqual(len(self.failed_activities(contract)), 1)
        contract.action_lock()
        self.assertFalse(contract.invoice_error)
        self.assertFalse(self.failed_activities(contract), "marked done")
        self.assertIn("Resolved", contract.message_ids[0].body)
        # A failure that locking does not clear (Odoo refused the invoice) is cleared, and its
        # activity done, by the next run that invoices the contract.
        journal = self.sale_journal.copy({'name': "Archived", 'code': 'ARCH'})
        other = self.create_contract(journal_id=journal.id)
        journal.active = False
        self.invoice(other, date(2026, 1, 31), post=True)
        self.assertIn("was created but not posted", other.invoice_error)
        self.assertEqual(len(self.failed_activities(other)), 1)
        journal.active = True
        self.invoice(other, date(2026, 2, 28), post=True)
        self.assertFalse(other.invoice_error)
        self.assertFalse(self.failed_activities(other))

    def test_every_chosen_contract_is_reported(self):
        signed = self.create_contract()
        cancelled = self.create_contract()
        cancelled.action_cancel()
        no_period = self.create_contract(lines=[(self.maintenance, 1.0, 0.0)], sign=False,
                                          invoice_period='none')
        no_period.action_sign()
        quote = self.create_contract(sign=False)
        chosen = signed | cancelled | no_period | quote
        wizard = self.env['service.contract.invoice.wizard'].create({
            'contract_ids': [Command.set(chosen.ids)],
            'invoice_to_date': date(2026, 1, 31), 'posting_date': date(2026, 1, 31)})
        wizard.action_run()
        self.assertRecordValues(wizard, [{'created_count': 1, 'invoiced_count': 1,
                                          'skipped_count': 2, 'failed_count': 1}])
        self.assertEqual(wizard.invoiced_count + wizard.skipped_count + wizard.failed_count,
                         len(chosen))
        result = self.invoice(cancelled | no_period, date(2026, 1, 31))
        self.assertEqual(sorted(message for _contract, message in result.skipped), sorted([
            f"Contract {cancelled.name} is cancelled: it is not invoiced any more.",
            f"Contract {no_period.name} has the invoice period None: it bills nothing."]))
        self.assertFalse(cancelled.activity_ids)
