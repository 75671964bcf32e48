"""The ten holes found through Odoo's RPC, each closed where every path goes through it.

Each test drives the public API as JSON-RPC does (``call_kw``: public methods only, the
client's own context) and asserts both the refusal and that nothing changed.
"""

from datetime import date

import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import call_kw
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ServiceInvoicingCommon, ServiceOrderCommon


def rpc(records, method, *args, **kwargs):
    """Call ``method`` as a JSON-RPC client would: public methods only, its own context."""
    model = records.browse()
    if records.ids and method not in ('create',):
        args = (records.ids, *args)
    return call_kw(model, method, list(args), kwargs)


@tagged('post_install', '-at_install')
class TestContractPricedAsSaleOrder(ServiceInvoicingCommon):
    """A contract bills, cent for cent, what Odoo's own sale order bills for the same
    customer, products, quantities, pricelist, fiscal position and currency (times the
    period's share of the year)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency('EUR', rates=[('2000-01-01', 0.9)])
        cls.pricelist_usd = cls.env['product.pricelist'].create(
            {'name': "Standard USD", 'currency_id': cls.env.company.currency_id.id})
        cls.pricelist_eur = cls.env['product.pricelist'].create(
            {'name': "Export EUR", 'currency_id': cls.eur.id})
        cls.pricelist_rules = cls.env['product.pricelist'].create({
            'name': "Loyal customers", 'currency_id': cls.env.company.currency_id.id,
            'item_ids': [Command.create({
                'applied_on': '0_product_variant', 'product_id': cls.maintenance.id,
                'compute_price': 'percentage', 'percent_price': 20.0})],
        })
        cls.tax_21_included = cls.env['account.tax'].create({
            'name': "VAT 21% incl.", 'amount': 21.0, 'price_include_override': 'tax_included'})
        cls.tax_0 = cls.env['account.tax'].create({'name': "Export 0%", 'amount': 0.0})
        cls.tax_5 = cls.env['account.tax'].create({'name': "Levy 5%", 'amount': 5.0})
        cls.export = cls.env['account.fiscal.position'].create({'name': "Export"})
        cls.tax_0.write({'fiscal_position_ids': [Command.link(cls.export.id)],
                         'original_tax_ids': [Command.link(cls.tax_21_included.id)]})
        cls.support = cls._create_product(
            name="Support (VAT incl.)", type='service', lst_price=1210.0,
            taxes_id=[Command.set(cls.tax_21_included.ids)])
        cls.levied = cls._create_product(
            name="Levied service", type='service', lst_price=600.0,
            taxes_id=[Command.set((cls.tax_15 | cls.tax_5).ids)])

    def contract_and_order(self, products, period='year', pricelist=None, fiscal_position=None,
                           partner=None, company=None, **values):
        """A contract and a confirmed sale order with the same input, both priced by Odoo."""
        partner = partner or self.customer
        common = {
            'partner_id': partner.id,
            'pricelist_id': (pricelist or self.pricelist_usd).id,
            'fiscal_position_id': fiscal_position.id if fiscal_position else False,
        }
        if company:
            common['company_id'] = company.id
        Contract = self.env['service.contract']
        Order = self.env['sale.order']
        if company:
            Contract, Order = Contract.with_company(company), Order.with_company(company)
        contract = Contract.create({
            **common, 'date_start': date(2026, 1, 1), 'invoice_period': period,
            'prepaid': True,
            'line_ids': [Command.create({'product_id': product.id, 'quantity': quantity,
                                         **({'discount': discount} if discount else {})})
                         for product, quantity, discount in products],
            **values,
        })
        contract.action_sign()
        order = Order.create({
            **common,
            'order_line': [Command.create({'product_id': product.id,
                                           'product_uom_qty': quantity,
                                           **({'discount': discount} if discount else {})})
                           for product, quantity, discount in products],
        })
        order.action_confirm()
        return contract, order

    def order_invoice(self, order, invoice_date):
        invoice = order._create_invoices()
        invoice.invoice_date = invoice_date
        return invoice

    def money(self, invoice, share=1.0):
        """What a customer pays, line by line: product, subtotal, total, taxes; tax lines."""
        currency = invoice.currency_id
        return {
            'currency': currency.name,
            'lines': sorted((line.product_id.name, currency.round(line.price_subtotal * share),
                             currency.round(line.price_total * share), tuple(line.tax_ids.ids))
                            for line in invoice.invoice_line_ids),
            'untaxed': currency.round(invoice.amount_untaxed * share),
            'total': currency.round(invoice.amount_total * share),
        }

    def assert_same_money(self, contract, order, invoice_to_date=date(2026, 1, 1), share=1.0):
        ours = self.invoice(contract, invoice_to_date).invoices
        theirs = self.order_invoice(order, invoice_to_date)
        self.assertEqual(len(ours), 1, contract.invoice_error)
        self.assertEqual(self.money(ours), self.money(theirs, share), contract.name)
        if share == 1.0:
            self.assertEqual(ours.amount_tax, theirs.amount_tax)
            ours.action_post()
            theirs.action_post()
            # The same journal items in the company's currency, tax by tax.
            self.assertEqual(
                sorted((line.tax_line_id.id, line.balance, line.amount_currency)
                       for line in ours.line_ids if line.tax_line_id),
                sorted((line.tax_line_id.id, line.balance, line.amount_currency)
                       for line in theirs.line_ids if line.tax_line_id))
            self.assertEqual(ours.amount_total_signed, theirs.amount_total_signed)
        return ours

    def test_a_matrix_of_prices_equals_the_sale_order(self):
        cases = {
            'discount and tax': {'products': [(self.maintenance, 2.0, 10.0)]},
            'foreign currency': {'products': [(self.maintenance, 1.0, 0.0),
                                              (self.hotline, 3.0, 0.0)],
                                 'pricelist': self.pricelist_eur},
            'pricelist rule': {'products': [(self.maintenance, 1.0, 0.0),
                                            (self.hotline, 1.0, 0.0)],
                               'pricelist': self.pricelist_rules},
            'included tax': {'products': [(self.support, 1.0, 0.0)]},
            'included tax mapped': {'products': [(self.support, 1.0, 0.0)],
                                    'fiscal_position': self.export},
            'several taxes': {'products': [(self.levied, 2.0, 5.0), (self.hotline, 1.0, 0.0)]},
        }
        for case, values in cases.items():
            with self.subTest(case=case):
                contract, order = self.contract_and_order(**values)
                self.assertEqual(contract.line_ids.mapped('price_unit'),
                                 order.order_line.mapped('price_unit'))
                self.assert_same_money(contract, order)

    def test_foreign_currency_converts_the_list_price(self):
        """EUR at 0.9 per USD: the 1,200.00 USD maintenance is 1,080.00 EUR a year, 90.00 a
        month, not 100.00."""
        contract, order = self.contract_and_order(
            [(self.maintenance, 1.0, 0.0)], period='month', pricelist=self.pricelist_eur)
        self.assertEqual(contract.currency_id, self.eur)
        invoice = self.assert_same_money(contract, order, share=1 / 12)
        self.assertEqual(invoice.amount_untaxed, 90.0)
        self.assertEqual(invoice.currency_id, self.eur)

    def test_included_tax_mapped_to_zero_leaves_the_price(self):
        """21 % included, mapped to 0 % by the fiscal position: 1,000.00 a year as on the
        sale order (83.33 a month), not 1,210.00 (100.83)."""
        contract, order = self.contract_and_order(
            [(self.support, 1.0, 0.0)], period='month', fiscal_position=self.export)
        self.assertEqual(contract.line_ids.tax_ids, self.tax_0)
        invoice = self.invoice(contract, date(2026, 1, 1)).invoices
        self.assertEqual(invoice.amount_total, 83.33)
        self.assertEqual(self.order_invoice(order, date(2026, 1, 1)).amount_total, 1000.0)

    def test_prorated_period_is_the_share_of_the_sale_order(self):
        contract, order = self.contract_and_order(
            [(self.maintenance, 1.0, 0.0)], period='month', pricelist=self.pricelist_eur,
            date_start=date(2026, 1, 16))
        invoice = self.invoice(contract, date(2026, 1, 16)).invoices
        theirs = self.order_invoice(order, date(2026, 1, 16))
        # 16 of the 31 days of January, of a twelfth of the year.
        self.assertEqual(invoice.amount_untaxed,
                         self.eur.round(self.eur.round(theirs.amount_untaxed / 12) * 16 / 31))

    def test_company_in_another_currency(self):
        company_eur = self.setup_other_company(name="Service EUR", currency_id=self.eur.id)
        company = company_eur['company']
        self.env.user.company_ids |= company
        pricelist = self.env['product.pricelist'].create(
            {'name': "EUR company", 'currency_id': self.eur.id, 'company_id': company.id})
        taxes = company_eur['default_tax_sale']
        self.maintenance.with_company(company).taxes_id = [Command.link(taxes.id)]
        contract, order = self.contract_and_order(
            [(self.maintenance, 1.0, 0.0)], pricelist=pricelist, company=company)
        self.assertEqual(contract.currency_id, company.currency_id)
        self.assert_same_money(contract, order)

    def test_a_typed_price_stays_and_the_pricelist_currency_must_match(self):
        contract = self.create_contract(sign=False, pricelist_id=self.pricelist_eur.id)
        self.assertEqual(contract.currency_id, self.eur)
        self.assertEqual(contract.line_ids.price_unit, 1200.0, "typed in create_contract")
        contract.line_ids.quantity = 2.0
        self.assertEqual(contract.line_ids.price_unit, 1200.0)
        with self.assert_refused(ValidationError, "choose a pricelist in USD"):
            contract.currency_id = self.env.company.currency_id


@tagged('post_install', '-at_install')
class TestLockedContractGuards(ServiceInvoicingCommon):
    """A Locked contract refuses every field that decides billing; statuses move only through
    the actions; derived fields are never written (as a manager, through RPC)."""

    def test_fields_that_decide_billing_are_refused_through_rpc(self):
        contract = self.create_contract()
        self.invoice(contract, date(2026, 10, 31))
        fiscal_position = self.env['account.fiscal.position'].create({'name': "Zero"})
        watched = ['annual_amount', 'invoiced_until', 'fiscal_position_id', 'state',
                   'change_status', 'next_invoice_date', 'journal_id', 'payment_term_id']
        before = contract.read(watched)
        hostile = {
            'calculated_annual_amount': 12.0,
            'annual_amount': 12.0,
            'invoiced_until': date(2026, 10, 14),
            'next_invoice_date': date(2026, 1, 1),
            'fiscal_position_id': fiscal_position.id,
            'state': 'draft',
            'change_status': 'open',
            'period_ids': [Command.clear()],
            'invoice_error': "nothing",
            'pricelist_id': False,
            'journal_id': self.company_data['default_journal_misc'].id,
            'payment_term_id': self.env.ref('account.account_payment_term_30days').id,
        }
        for name, value in hostile.items():
            with self.subTest(field=name), self.assertRaises(UserError):
                rpc(contract, 'write', {name: value},
                    context={'service_invoicing_trusted': True})
        self.env.invalidate_all()
        self.assertEqual(before, contract.read(watched))
        self.assertEqual(len(contract.period_ids), 10)
        with self.assert_refused(UserError, "cannot be written"):
            rpc(contract.line_ids, 'write', {'line_amount': 12.0})

    def test_status_changes_only_through_the_actions_and_their_checks(self):
        contract = self.create_contract()
        contract.action_open()
        contract.line_ids.price_unit = -2760.0
        with self.assert_refused(UserError, "changes only with its buttons"):
            rpc(contract, 'write', {'change_status': 'locked'})
        with self.assert_refused(UserError, "negative annual amount"):
            rpc(contract, 'action_lock')
        self.assertEqual(contract.change_status, 'open')
        self.assertFalse(self.invoice(contract, date(2026, 1, 31)).invoices)
        with self.assert_refused(UserError, "changes only with its buttons"):
            rpc(self.env['service.contract'], 'create', {
                'partner_id': self.customer.id, 'state': 'signed', 'change_status': 'locked',
                'line_ids': [Command.create({'product_id': self.maintenance.id,
                                             'price_unit': -230.0})]})

    def test_annual_amount_follows_the_lines_unless_unbalanced(self):
        contract = self.create_contract(sign=False)
        with self.assert_refused(ValidationError, "must equal the sum of its lines"):
            rpc(contract, 'write', {'annual_amount': 12.0})
        rpc(contract, 'write', {'allow_unbalanced_amounts': True, 'annual_amount': 12.0})
        self.assertEqual(contract.annual_amount, 12.0)


@tagged('post_install', '-at_install')
class TestBilledPeriods(ServiceInvoicingCommon):

    def test_a_day_cannot_be_billed_twice_by_the_database(self):
        contract = self.create_contract()
        invoice = self.invoice(contract, date(2026, 10, 31)).invoices
        Period = self.env['service.contract.period'].sudo()
        with self.assertRaises(psycopg2.errors.ExclusionViolation), \
                mute_logger('odoo.sql_db'), self.env.cr.savepoint():
            Period.create({'contract_id': contract.id, 'date_start': date(2026, 10, 15),
                           'date_end': date(2026, 11, 14), 'invoice_id': invoice.id})
        with self.assertRaises(psycopg2.errors.CheckViolation), \
                mute_logger('odoo.sql_db'), self.env.cr.savepoint():
            Period.create({'contract_id': contract.id, 'date_start': date(2026, 12, 31),
                           'date_end': date(2026, 12, 1), 'invoice_id': invoice.id})
        # Another contract may have the same days.
        other = self.create_contract()
        self.invoice(other, date(2026, 1, 31))
        self.assertEqual(len(other.period_ids), 1)

    def test_a_deleted_period_line_gives_the_period_back(self):
        contract = self.create_contract(date_start=date(2026, 8, 1))
        invoice = self.invoice(contract, date(2026, 9, 30)).invoices
        august, september = invoice.invoice_line_ids.sorted('service_period_start')
        with self.assert_refused(UserError, "cancel the later invoice first"):
            rpc(invoice, 'write', {'invoice_line_ids': [Command.delete(august.id)]})
        rpc(invoice, 'write', {'invoice_line_ids': [Command.delete(september.id)]})
        self.assertEqual(contract.period_ids.mapped('date_start'), [date(2026, 8, 1)])
        self.assertEqual(contract.next_invoice_date, date(2026, 9, 30))
        invoice.action_post()
        september_again = self.invoice(contract, date(2026, 9, 30)).invoices
        self.assertEqual(september_again.amount_untaxed, 100.0)
        self.assertEqual(contract.invoiced_until, date(2026, 9, 30))

    def test_posting_checks_every_period_against_its_lines(self):
        contract = self.create_contract()
        invoice = self.invoice(contract, date(2026, 1, 31)).invoices
        # A line claiming a period that this invoice does not bill.
        forged = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create({
                'product_id': self.maintenance.id, 'price_unit': 1.0,
                'service_contract_id': contract.id, 'service_period_start': date(2026, 1, 1),
                'service_period_end': date(2026, 1, 31)})]})
        with self.assert_refused(UserError, "that period is not billed by this invoice"):
            rpc(forged, 'action_post')
        self.assertEqual(forged.state, 'draft')
        with self.assert_refused(UserError, "cannot be changed"):
            rpc(invoice.invoice_line_ids, 'write', {'service_period_start': date(2026, 2, 1)})
        invoice.action_post()
        self.assertEqual(invoice.state, 'posted')

    def test_a_credit_note_cannot_credit_more_of_a_period_than_was_billed(self):
        contract = self.create_contract()
        invoice = self.invoice(contract, date(2026, 1, 31), post=True).invoices
        credit = invoice._reverse_moves()
        self.assertEqual(credit.invoice_line_ids.service_contract_id, contract)
        credit.invoice_line_ids.price_unit = 250.0
        with self.assert_refused(UserError, "would credit more of contract"):
            rpc(credit, 'action_post')
        credit.invoice_line_ids.price_unit = 40.0
        credit.action_post()
        second = invoice._reverse_moves()
        second.invoice_line_ids.price_unit = 60.01
        with self.assert_refused(UserError, "would credit more of contract"):
            second.action_post()
        second.invoice_line_ids.price_unit = 60.0
        second.action_post()


@tagged('post_install', '-at_install')
class TestQuantityGuards(ServiceOrderCommon):

    def test_over_crediting_an_order_line_is_refused(self):
        """4 hours shipped and invoiced by posting: a credit note of 10 is refused, so the
        posting wizard never sees -6 invoiced and never invoices 10 of the 4 shipped."""
        order = self.create_order([(self.labour, 4.0)])
        invoice = self.post(order, 'ship_invoice', ship={self.labour: 4.0},
                            invoice={self.labour: 4.0}, post_invoice=True)
        credit = invoice._reverse_moves()
        credit.invoice_line_ids.quantity = 10.0
        with self.assert_refused(UserError, "would be credited 6.00 more"):
            rpc(credit, 'action_post')
        self.assertEqual(credit.state, 'draft')
        line = order.order_line
        self.assertEqual(line.qty_invoiced_posted, 4.0)
        credit.invoice_line_ids.quantity = 3.0
        credit.action_post()
        with self.assert_refused(UserError, "(?i)you cannot invoice what has not been shipped"):
            self.post(order, 'invoice', invoice={self.labour: 10.0})
        self.assertEqual(line.service_qty_shipped_not_invoiced, 3.0)

    def test_invoicing_a_service_beyond_what_was_shipped_is_refused_at_posting(self):
        order = self.create_order([(self.labour, 4.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        by_hand = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create(order.order_line._prepare_invoice_line(
                quantity=3.0))]})
        with self.assert_refused(UserError, "only 2.00 were shipped"):
            rpc(by_hand, 'action_post')

    def test_a_shipment_line_of_another_customer_cannot_be_linked(self):
        theirs = self.create_order([(self.filter_kit, 5.0)], partner=self.customer_2)
        self.post(theirs, 'ship', ship={self.filter_kit: 5.0})
        shipment_line = theirs.service_shipment_ids.line_ids
        self.assertEqual(shipment_line.qty_to_invoice, 5.0)
        Move = self.env['account.move']
        with self.assert_refused(ValidationError, "cannot bill the shipment line"):
            rpc(Move, 'create', {
                'move_type': 'out_invoice', 'partner_id': self.customer.id,
                'invoice_line_ids': [Command.create({
                    'product_id': self.filter_kit.id, 'quantity': 5.0, 'price_unit': 0.0,
                    'service_shipment_line_id': shipment_line.id,
                    'sale_line_ids': [Command.set(theirs.order_line.ids)]})]})
        mine = self.create_order([(self.filter_kit, 1.0)])
        self.post(mine, 'ship', ship={self.filter_kit: 1.0})
        invoice = Move.create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create(mine.order_line._prepare_invoice_line(
                quantity=1.0,
                service_shipment_line_id=mine.service_shipment_ids.line_ids.id))]})
        with self.assert_refused(UserError, "cannot be changed"):
            rpc(invoice.invoice_line_ids, 'write', {'service_shipment_line_id': shipment_line.id})
        # The invoice changes customer after the link: posting refuses it.
        invoice.partner_id = self.customer_2
        with self.assert_refused(ValidationError, "cannot bill the shipment line"):
            invoice.action_post()
        self.assertEqual(shipment_line.qty_to_invoice, 5.0)
        self.assertEqual(theirs.service_shipment_ids.invoice_status, 'to_invoice')


@tagged('post_install', '-at_install')
class TestRightsOnEveryEntryPoint(ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login='si_billing_user',
                                 groups='service_invoicing.group_service_user')
        cls.manager = new_test_user(cls.env, login='si_billing_manager',
                                    groups='service_invoicing.group_service_manager')

    def test_a_user_bills_only_their_own_contracts(self):
        own = self.create_contract(user_id=self.user.id)
        other = self.create_contract(user_id=self.manager.id)
        Contract = self.env['service.contract'].with_user(self.user)
        with freeze_time('2026-01-31'):
            with self.assert_refused(AccessError, f"not the salesperson of contract "
                                                     f"{other.name}"):
                rpc(other.with_user(self.user), 'action_create_invoice')
            with self.assertRaises(AccessError):
                rpc((own | other).with_user(self.user), 'action_create_invoice')
            self.assertFalse((own | other).period_ids)
            wizard = self.env['service.contract.invoice.wizard'].with_user(self.user).create({
                'contract_ids': [Command.set((own | other).ids)],
                'invoice_to_date': date(2026, 1, 31), 'posting_date': date(2026, 1, 31)})
            rpc(wizard, 'action_run')
            self.assertEqual(wizard.created_count, 1)
            self.assertEqual(wizard.skipped_count, 1)
            self.assertTrue(own.period_ids)
            self.assertFalse(other.period_ids)
            rpc(other.with_user(self.manager), 'action_create_invoice')
        self.assertTrue(other.period_ids)
        self.assertEqual(Contract.search_count([('id', 'in', (own | other).ids)]), 2)

    def test_combine_shipments_bills_what_the_user_may_and_says_what_it_left(self):
        mine = self.create_order([(self.labour, 2.0)], user_id=self.user.id)
        theirs = self.create_order([(self.labour, 3.0), (self.filter_kit, 1.0)],
                                   partner=self.customer_2, user_id=self.manager.id)
        self.post(mine, 'ship', ship={self.labour: 2.0})
        self.post(theirs, 'ship', ship={self.labour: 3.0, self.filter_kit: 1.0})
        Wizard = self.env['service.shipment.combine.wizard']
        wizard = Wizard.with_user(self.user).create({})
        rpc(wizard, 'action_create')
        self.assertEqual(wizard.invoice_ids.invoice_line_ids.sale_line_ids, mine.order_line)
        self.assertIn("2 shipment lines of orders of other salespersons were left out",
                      wizard.result_message)
        self.assertFalse(theirs.invoice_ids)
        wizard = Wizard.with_user(self.manager).create({})
        rpc(wizard, 'action_create')
        self.assertEqual(wizard.invoice_ids.invoice_line_ids.sale_line_ids, theirs.order_line)
        self.assertFalse(wizard.result_message)

    def test_combine_shipments_says_one_line_left_in_the_singular(self):
        mine = self.create_order([(self.labour, 2.0)], user_id=self.user.id)
        theirs = self.create_order([(self.labour, 3.0)], partner=self.customer_2,
                                   user_id=self.manager.id)
        self.post(mine, 'ship', ship={self.labour: 2.0})
        self.post(theirs, 'ship', ship={self.labour: 3.0})
        wizard = self.env['service.shipment.combine.wizard'].with_user(self.user).create({})
        rpc(wizard, 'action_create')
        self.assertIn("1 shipment line of an order of another salesperson was left out: its "
                      "salesperson or a Service Invoicing manager invoices it.",
                      wizard.result_message)


@tagged('post_install', '-at_install')
class TestDraftsARunCouldNotPost(ServiceInvoicingCommon):

    def test_the_next_run_that_posts_posts_them(self):
        journal = self.sale_journal.copy({'name': "Inspections", 'code': 'INSP'})
        contract = self.create_contract(journal_id=journal.id)
        journal.active = False  # Odoo refuses to post in an archived journal
        result = self.invoice(contract, date(2026, 1, 31), post=True)
        invoice = contract.period_ids.invoice_id
        self.assertEqual(invoice.state, 'draft')
        self.assertTrue(invoice.service_to_post)
        self.assertIn("It waits to be posted", result.failed[0][1])
        self.assertIn(invoice, self.env['account.move'].search(
            [('service_to_post', '=', True), ('state', '=', 'draft')]))
        journal.active = True
        # Nothing is due any more, yet the run posts what the last one left.
        rerun = self.invoice(contract, date(2026, 1, 31), post=True)
        self.assertEqual(rerun.invoices, invoice)
        self.assertEqual(invoice.state, 'posted')
        self.assertFalse(invoice.service_to_post)
        self.assertFalse(rerun.failed)
