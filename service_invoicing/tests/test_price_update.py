from datetime import date

from odoo import Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, Form, get_db_name, new_test_user, tagged

from .common import (
    CommittedIntegrityMixin, ServiceInvoicingCommon, committed_contracts,
    remove_committed_contracts)
from .query_counts import QueryCounting


@tagged('post_install', '-at_install')
class TestPriceUpdate(QueryCounting, ServiceInvoicingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A monthly contract from January 2026: its prices are due for an update in January
        # 2027 (every 12 months).
        cls.contract = cls.create_contract(
            lines=[(cls.maintenance, 1.0, 1200.0), (cls.hotline, 2.0, 300.0)])

    def run_update(self, propose=True, **values):
        run = self.env['service.price.update'].create({
            'update_to_date': date(2027, 1, 1), 'effective_date': date(2027, 1, 1),
            'method': 'percentage', 'percentage': 3.5, **values,
        })
        if propose:
            run.action_propose()
        return run

    def line_of(self, contract, product):
        return contract.line_ids.filtered(lambda line: line.product_id == product)

    def billed(self, invoices):
        return [(line.service_period_start, line.product_id, line.price_unit)
                for line in invoices.invoice_line_ids.sorted(
                    lambda line: (line.service_period_start, line.product_id.id))]

    # --- proposal and apply ------------------------------------------------------------------

    def test_a_proposal_lists_old_and_new_prices_and_apply_writes_them_once(self):
        self.assertEqual(self.contract.next_price_update_date, date(2027, 1, 1))
        run = self.run_update()
        self.assertRecordValues(run.line_ids.sorted(lambda line: line.product_id.id), [
            {'product_id': self.maintenance.id, 'old_price': 1200.0, 'new_price': 1242.0,
             'old_annual_amount': 1200.0, 'new_annual_amount': 1242.0, 'change_percent': 3.5},
            {'product_id': self.hotline.id, 'old_price': 300.0, 'new_price': 310.5,
             'old_annual_amount': 600.0, 'new_annual_amount': 621.0, 'change_percent': 3.5},
        ])
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages_before = self.contract.message_ids
        # As a user's request: Odoo tracks changes (the tests' context turns tracking off).
        run.with_context(tracking_disable=False, mail_notrack=False).action_apply()
        self.assertEqual(run.state, 'applied')
        self.assertEqual(self.line_of(self.contract, self.maintenance).price_unit, 1242.0)
        self.assertEqual(self.contract.annual_amount, 1863.0)
        self.assertRecordValues(self.contract, [{
            'next_price_update_date': date(2028, 1, 1),
            'last_price_update_date': date(2027, 1, 1), 'last_price_update_percent': 3.5}])
        self.assertRecordValues(
            self.contract.price_history_ids.sorted(lambda change: change.product_id.id), [
                {'product_id': self.maintenance.id, 'effective_date': date(2027, 1, 1),
                 'old_price': 1200.0, 'new_price': 1242.0, 'update_id': run.id,
                 'user_id': self.env.uid},
                {'product_id': self.hotline.id, 'effective_date': date(2027, 1, 1),
                 'old_price': 300.0, 'new_price': 310.5, 'update_id': run.id,
                 'user_id': self.env.uid},
            ])
        # One message on the contract, with the old and new price of each line, and no
        # tracking message beside it (what Odoo tracks is posted when the transaction ends).
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages = self.contract.message_ids - messages_before
        self.assertEqual(len(messages), 1)
        self.assertIn(run.name, messages.body)
        for text in ('Maintenance visit', '1,200.00', '1,242.00', 'Hotline', '300.00', '310.50',
                     '1,800.00', '1,863.00', '01/01/2028'):
            self.assertIn(text, messages.body)
        # Applying again applies nothing again.
        with self.assert_refused(UserError, "is Applied: only a proposal"):
            run.action_apply()
        self.assertEqual(len(self.contract.price_history_ids), 2)
        self.assertEqual(self.line_of(self.contract, self.maintenance).price_unit, 1242.0)

    def test_the_forms_run_a_price_update_as_a_manager_does(self):
        with Form(self.env['service.price.update']) as form:
            form.update_to_date = date(2027, 1, 1)
            form.effective_date = date(2027, 1, 1)
            form.percentage = 10.0
            form.rounding = 'step'
            form.rounding_step = 1.0
        run = form.record
        run.action_propose()
        with Form(run) as form:
            with form.line_ids.edit(0) as line:
                line.new_price = 1300.0
            form.line_ids.remove(1)
        run.action_apply()
        self.assertEqual(self.contract.line_ids.mapped('price_unit'), [1300.0, 300.0])
        form = Form(self.contract)
        self.assertEqual(form.next_price_update_date, '2028-01-01')
        self.assertEqual(len(form.price_history_ids), 1)

    def test_a_dropped_line_is_not_applied_and_an_edited_price_is(self):
        run = self.run_update()
        run.line_ids.filtered(lambda line: line.product_id == self.hotline).unlink()
        run.line_ids.new_price = 1250.0
        run.action_apply()
        self.assertEqual(self.line_of(self.contract, self.hotline).price_unit, 300.0)
        self.assertEqual(self.line_of(self.contract, self.maintenance).price_unit, 1250.0)
        self.assertEqual(self.contract.price_history_ids.product_id, self.maintenance)
        self.assertEqual(self.contract.annual_amount, 1850.0)

    def test_a_new_price_that_is_negative_or_not_a_number_is_refused(self):
        run = self.run_update()
        line = run.line_ids[:1]
        with self.assert_refused(ValidationError, "cannot be negative"):
            line.new_price = -1.0
        for value in (float('nan'), float('inf'), 'nan'):
            with self.assert_refused(ValidationError, "not a number"):
                line.write({'new_price': value})
        with self.assert_refused(UserError, "Only the new price"):
            line.old_price = 1.0
        self.assertEqual(line.new_price, 1242.0)

    # --- the billed-period rule --------------------------------------------------------------

    def test_new_prices_never_reach_a_period_billed_before_or_after_the_update(self):
        # November is billed; the update takes effect in January and is applied now.
        first = self.invoice(self.contract, date(2026, 11, 30)).invoices
        self.run_update().action_apply()
        # December is billed after the update: at the old prices, as it started before.
        december = self.invoice(self.contract, date(2026, 12, 31)).invoices
        self.assertEqual(self.billed(december), [
            (date(2026, 12, 1), self.maintenance, 100.0), (date(2026, 12, 1), self.hotline, 50.0)])
        self.assertEqual(december.amount_untaxed, first.amount_untaxed / 11)
        # January, at the new ones; the forecast and the backlog say the same beforehand.
        forecast = self.env['service.contract.forecast']._forecast_periods(
            self.contract, date(2027, 1, 1), months=2)
        self.assertEqual([amount for _period, amount, _day in forecast], [155.25, 155.25])
        self.contract._sync_billing_items(date(2027, 2, 28))
        self.assertEqual(
            self.contract.sudo().billing_item_ids.filtered(lambda item: not item.period_id)
            .sorted('period_start').mapped('price_unit'), [155.25, 155.25])
        january = self.invoice(self.contract, date(2027, 1, 31)).invoices
        self.assertEqual(self.billed(january), [
            (date(2027, 1, 1), self.maintenance, 103.5), (date(2027, 1, 1), self.hotline, 51.75)])

    def test_an_effective_date_inside_a_billed_period_is_refused(self):
        self.invoice(self.contract, date(2026, 12, 31))
        run = self.run_update(effective_date=date(2026, 12, 15))
        self.assertFalse(run.line_ids)
        self.assertIn(f"Contract {self.contract.name} is billed until 12/31/2026", run.left_out)
        # Through the API, a price change inside the billed period is refused all the same.
        with self.assert_refused(UserError, rf"Contract {self.contract.name} is billed until "
                                            r"12/31/2026: new prices cannot take effect on "
                                            r"12/15/2026"):
            self.env['service.contract.price.history'].create({
                'contract_line_id': self.contract.line_ids[0].id,
                'effective_date': date(2026, 12, 15), 'old_price': 1200.0, 'new_price': 1.0})

    def test_a_proposal_billed_past_its_effective_date_is_not_applied(self):
        prepaid = self.create_contract(prepaid=True)
        run = self.run_update(contract_ids=[Command.set(prepaid.ids)])
        self.assertEqual(len(run.line_ids), 1)
        # January 2027 is billed (prepaid) between the proposal and Apply.
        self.invoice(prepaid, date(2027, 1, 1))
        with self.assert_refused(UserError, rf"Contract {prepaid.name} is billed until "
                                            r"01/31/2027"):
            run.action_apply()
        self.assertEqual(prepaid.line_ids.price_unit, 1200.0)
        self.assertEqual(run.state, 'proposed')

    def test_the_price_binding_date_and_earlier_updates_hold(self):
        self.contract.price_binding_date = date(2027, 3, 1)
        run = self.run_update()
        self.assertFalse(run.line_ids)
        self.assertIn("may not change before 03/01/2027", run.left_out)
        self.contract.price_binding_date = False
        self.run_update(effective_date=date(2027, 2, 1)).action_apply()
        # An update taking effect before the one applied is refused.
        self.contract.next_price_update_date = date(2027, 1, 1)
        late = self.run_update(effective_date=date(2027, 1, 15))
        self.assertIn("taking effect on 02/01/2027 already", late.left_out)

    def test_the_batch_reads_the_price_history_of_a_chunk_at_once(self):
        """Planning periods billed at old prices adds the same queries for two contracts
        as for six: the history is read for the chunk, not contract by contract."""
        contracts = self.contract | self.env['service.contract'].union(*(
            self.create_contract(lines=[(self.maintenance, 1.0, 1200.0 + index),
                                        (self.hotline, 1.0, 600.0)])
            for index in range(5)))
        def plan(size):
            # Twice: the first planning of a test also fills Odoo's caches (accounts...).
            self.count_queries(contracts[:size]._plan_invoicing, date(2026, 3, 31))
            return self.count_queries(contracts[:size]._plan_invoicing, date(2026, 3, 31))

        plain = {size: plan(size)[0] for size in (2, 6)}
        self.run_update().action_apply()
        updated = {size: plan(size) for size in (2, 6)}
        added = {size: queries - plain[size] for size, (queries, _plans) in updated.items()}
        self.assertEqual(added[2], added[6], added)
        self.assertLessEqual(added[6], 2)
        # ... and bills the old prices.
        self.assertEqual({plan.amount for plan in updated[6][1]} - {3 * 150.0}, {
            3 * round((1200.0 + index + 600.0) / 12, 2) for index in range(1, 5)})

    # --- methods and rounding ----------------------------------------------------------------

    def test_index_and_percentage_arithmetic_with_rounding(self):
        contract = self.create_contract(lines=[(self.maintenance, 1.0, 999.0)])
        index = self.env['service.price.index'].create({
            'name': "CPI", 'value_ids': [Command.create({'date': date(2026, 1, 1), 'value': 100.0}),
                                         Command.create({'date': date(2026, 12, 1),
                                                         'value': 104.3})]})
        base, new = index.value_ids.sorted('date')
        cases = [
            ({'method': 'index', 'index_id': index.id, 'base_index_value_id': base.id,
              'new_index_value_id': new.id}, 1041.96),          # 999 x 1.043 = 1041.957
            ({'method': 'index', 'index_id': index.id, 'base_index_value_id': base.id,
              'new_index_value_id': new.id, 'rounding': 'step', 'rounding_step': 0.05}, 1041.95),
            ({'method': 'index', 'index_id': index.id, 'base_index_value_id': base.id,
              'new_index_value_id': new.id, 'rounding': 'step', 'rounding_step': 1.0}, 1042.0),
            ({'percentage': 2.5}, 1023.98),                     # 999 x 1.025 = 1023.975
            ({'percentage': 2.5, 'rounding': 'step', 'rounding_step': 5.0}, 1025.0),
            ({'percentage': -10.0}, 899.1),
        ]
        for values, expected in cases:
            with self.subTest(values=values):
                run = self.run_update(contract_ids=[Command.set(contract.ids)], **values)
                self.assertEqual(run.line_ids.new_price, expected)
        with self.assert_refused(ValidationError, "must be above 0"):
            new.value = 0.0
        with self.assert_refused(ValidationError, "not a number"):
            new.write({'value': float('nan')})
        with self.assert_refused(ValidationError, "rounding step must be above 0"):
            self.run_update(propose=False, rounding='step', rounding_step=0.0)
        with self.assert_refused(ValidationError, "would make prices negative"):
            self.run_update(propose=False, percentage=-100.0)
        with self.assert_refused(ValidationError, "not a number"):
            self.run_update(propose=False, percentage=float('nan'))
        with self.assert_refused(ValidationError, "outside the dates"):
            self.run_update(propose=False, effective_date=date(2999, 1, 1))
        with self.assert_refused(UserError, "choose the index, its base value"):
            self.run_update(method='index')

    def test_the_pricelist_price_is_odoos_sale_order_price_and_invoice(self):
        pricelist = self.env['product.pricelist'].create({
            'name': "Service 2027", 'currency_id': self.env.company.currency_id.id,
            'item_ids': [Command.create({
                'applied_on': '0_product_variant', 'product_id': self.maintenance.id,
                'compute_price': 'formula', 'base': 'list_price',
                'price_discount': -8.0, 'price_round': 0.0, 'date_start': '2027-01-01'})],
        })
        contract = self.create_contract(
            lines=[(self.maintenance, 2.0, 1150.0)], pricelist_id=pricelist.id, prepaid=True,
            invoice_period='year')
        self.invoice(contract, date(2026, 1, 1))
        run = self.run_update(method='pricelist', contract_ids=[Command.set(contract.ids)])
        # Odoo's own sale order of the same customer and pricelist, on the effective date.
        order = self.env['sale.order'].create({
            'partner_id': self.customer.id, 'pricelist_id': pricelist.id,
            'date_order': '2027-01-01 00:00:00',
            'order_line': [Command.create({'product_id': self.maintenance.id,
                                           'product_uom_qty': 2.0})],
        })
        self.assertEqual(order.order_line.price_unit, 1296.0)  # 1,200 + 8 %
        self.assertEqual(run.line_ids.new_price, order.order_line.price_unit)
        run.action_apply()
        invoice = self.invoice(contract, date(2027, 1, 1), post=True).invoices
        # The year billed at the new price is what Odoo's invoice of that order bills.
        self.maintenance.invoice_policy = 'order'
        order.action_confirm()
        odoo_invoice = order._create_invoices()
        odoo_invoice.invoice_date = date(2027, 1, 1)
        odoo_invoice.action_post()
        self.assertEqual(
            (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total),
            (odoo_invoice.amount_untaxed, odoo_invoice.amount_tax, odoo_invoice.amount_total))
        self.assertEqual(invoice.amount_untaxed, 2592.0)

    # --- who and what ------------------------------------------------------------------------

    def test_a_user_reads_but_cannot_create_or_apply_and_other_companies_stay_out(self):
        company_2 = self.setup_other_company(name="Prices Co")['company']
        self.env.user.company_ids |= company_2
        other = self.env['service.contract'].with_company(company_2).create({
            'partner_id': self.customer_2.id, 'company_id': company_2.id,
            'date_start': date(2026, 1, 1), 'invoice_period': 'month',
            'line_ids': [Command.create({'product_id': self.hotline.id, 'price_unit': 600.0})]})
        other.action_sign()
        run = self.run_update()
        self.assertEqual(run.line_ids.contract_id, self.contract)
        user = new_test_user(self.env, login='si_prices_user',
                             groups='service_invoicing.group_service_user')
        as_user = run.with_user(user)
        self.assertEqual(as_user.line_ids.mapped('new_price'), run.line_ids.mapped('new_price'))
        with self.assertRaises(AccessError):
            as_user.action_apply()
        with self.assertRaises(AccessError):
            as_user.line_ids[:1].new_price = 1.0
        with self.assertRaises(AccessError):
            as_user.line_ids[:1].unlink()
        with self.assertRaises(AccessError):
            self.env['service.price.update'].with_user(user).create(
                {'update_to_date': date(2027, 1, 1), 'effective_date': date(2027, 1, 1)})
        with self.assertRaises(AccessError):
            self.env['service.contract.price.history'].with_user(user).create({
                'contract_line_id': self.contract.line_ids[0].id,
                'effective_date': date(2027, 6, 1), 'old_price': 1200.0, 'new_price': 1.0})
        self.assertFalse(self.contract.price_history_ids)
        # The other company's manager does not see this company's run.
        manager_2 = new_test_user(self.env, login='si_prices_manager_2',
                                  groups='service_invoicing.group_service_manager',
                                  company_id=company_2.id, company_ids=[Command.set(company_2.ids)])
        self.assertFalse(self.env['service.price.update'].with_user(manager_2).search(
            [('id', '=', run.id)]))

    def test_the_test_report_shows_the_proposal_and_changes_nothing(self):
        draft = self.run_update(propose=False)
        report = self.env['ir.actions.report']
        html = report._render_qweb_html(
            'service_invoicing.action_report_price_update_test', draft.ids)[0].decode()
        for text in (self.contract.name, 'Maintenance visit', '1,242.00', '621.00'):
            self.assertIn(text, html)
        self.assertEqual(draft.state, 'draft')
        self.assertFalse(self.env['service.price.update.line'].search(
            [('update_id', '=', draft.id)]))
        self.assertFalse(self.contract.price_history_ids)
        # A proposal's report says what Apply would refuse; the PDF is the same report.
        run = self.run_update()
        self.contract.action_open()
        self.line_of(self.contract, self.hotline).price_unit = 320.0
        self.contract.action_lock()
        html = report._render_qweb_html(
            'service_invoicing.action_report_price_update_test', run.ids)[0].decode()
        self.assertIn("changed since the proposal", html)
        # No styles fetched from this server: under Odoo's runner its requests wait for the
        # registry the tests hold, and wkhtmltopdf would wait for them.
        self.env['ir.config_parameter'].sudo().set_param('report.url', 'http://127.0.0.1:9')
        pdf, _kind = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            'service_invoicing.action_report_price_update_test_pdf', run.ids)
        self.assertTrue(pdf.startswith(b'%PDF'))
        self.assertEqual(run.state, 'proposed')
        self.assertFalse(self.contract.price_history_ids)
        with self.assert_refused(UserError, "changed since the proposal"):
            run.action_apply()


@tagged('post_install', '-at_install')
class TestPriceUpdateConcurrency(CommittedIntegrityMixin, BaseCase):
    """Two managers applying one proposal at the same time, each in its own transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner, product, contracts = committed_contracts(env, "Price Update", 3)
            run = env['service.price.update'].create({
                'update_to_date': date(2027, 1, 1), 'effective_date': date(2027, 1, 1),
                'percentage': 5.0, 'contract_ids': [Command.set(contracts.ids)]})
            run.action_propose()
            cls.contract_ids, cls.run_id = contracts.ids, run.id
            cls.partner_id, cls.product_id = partner.id, product.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            remove_committed_contracts(env, cls.contract_ids, cls.product_id, cls.partner_id)
            # An applied run stays by design: the test's own is removed behind the model.
            cr.execute("DELETE FROM service_price_update WHERE id = %s", [cls.run_id])
        super().tearDownClass()

    def apply(self, cr):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env['service.price.update'].browse(self.run_id).action_apply()

    def test_two_managers_applying_at_once_apply_once(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b, \
                self.registry.cursor() as cr_late:
            # A transaction that began before the first manager's commit.
            cr_late.execute("SELECT 1 FROM service_price_update WHERE id = %s", [self.run_id])
            self.apply(cr_a)
            with self.assertRaisesRegex(UserError, "being applied by another user"):
                self.apply(cr_b)
            cr_b.rollback()
            cr_a.commit()
            with self.assertRaisesRegex(UserError, "being applied by another user"):
                self.apply(cr_late)
            cr_late.rollback()
        with self.registry.cursor() as cr_c:
            with self.assertRaisesRegex(UserError, "is Applied"):
                self.apply(cr_c)
            cr_c.rollback()
            env = api.Environment(cr_c, api.SUPERUSER_ID, {})
            contracts = env['service.contract'].browse(self.contract_ids)
            self.assertEqual(len(contracts.price_history_ids), 3)
            self.assertEqual(contracts.line_ids.mapped('price_unit'), [1260.0] * 3)
