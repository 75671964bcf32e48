from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from .common import ServiceOrderCommon

# What a test report must never create or change: the rows of every table a run writes.
WATCHED_TABLES = (
    'account_move', 'account_move_line', 'account_partial_reconcile', 'service_contract',
    'service_contract_period', 'service_shipment', 'service_shipment_line', 'sale_order',
    'sale_order_line', 'service_billing_item', 'service_invoice_schedule_run', 'mail_message',
    'mail_activity', 'ir_cron_trigger',
)


@tagged('post_install', '-at_install')
class TestTestReports(ServiceOrderCommon):
    """Test reports of drafts, order postings, contract runs, Combine Shipments and schedule
    runs: the invoices they show are those the one-click action then makes, every problem
    is found, and making a report creates and changes nothing."""

    # --- helpers ------------------------------------------------------------------------

    def database_state(self):
        """{table: (rows, checksum of every row)}: any row created, changed or deleted shows."""
        self.env.flush_all()
        state = {}
        for table in WATCHED_TABLES:
            self.env.cr.execute(SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
                "FROM %s t", SQL.identifier(table)))
            state[table] = self.env.cr.fetchone()
        return state

    def make_report(self, action_of):
        """Make a test report by ``action_of()`` and check it wrote nothing but itself."""
        before = self.database_state()
        action = action_of()
        self.assertEqual(self.database_state(), before, "a test report changed the database")
        self.assertEqual(action['res_model'], 'service.test.report')
        return self.env['service.test.report'].browse(action['res_id'])

    def problems(self, report, kind, level=None):
        problems = report.problem_ids.filtered(lambda problem: problem.kind == kind)
        if level:
            problems = problems.filtered(lambda problem: problem.level == level)
        return problems

    def assert_shows(self, report, invoices):
        """The report shows exactly ``invoices``: header, lines, taxes, totals."""
        def key(record):
            return record.partner_id.id, record.amount_total
        self.assertEqual(len(report.invoice_ids), len(invoices))
        for shown, invoice in zip(report.invoice_ids.sorted(key), invoices.sorted(key),
                                  strict=True):
            self.assertRecordValues(shown, [{
                'partner_id': invoice.partner_id.id, 'journal_id': invoice.journal_id.id,
                'currency_id': invoice.currency_id.id, 'invoice_date': invoice.invoice_date,
                'invoice_date_due': invoice.invoice_date_due,
                'payment_term_id': invoice.invoice_payment_term_id.id,
                'amount_untaxed': invoice.amount_untaxed, 'amount_tax': invoice.amount_tax,
                'amount_total': invoice.amount_total,
            }])
            products = shown.line_ids.filtered(lambda line: line.kind == 'product')
            self.assertEqual(
                [(line.product_id, line.quantity, line.price_unit, line.tax_ids,
                  line.account_id, line.amount) for line in products],
                [(line.product_id, line.quantity, line.price_unit, line.tax_ids,
                  line.account_id, line.price_subtotal) for line in invoice.invoice_line_ids])
            taxes = shown.line_ids.filtered(lambda line: line.kind == 'tax')
            tax_lines = invoice.line_ids.filtered(lambda line: line.display_type == 'tax')
            self.assertEqual(
                sorted((line.tax_ids.id, line.account_id.id, line.amount) for line in taxes),
                sorted((line.tax_line_id.id, line.account_id.id, -line.amount_currency)
                       for line in tax_lines))

    def post_wizard(self, order, option='ship_invoice', **values):
        action = order.action_service_post()
        form = Form(self.env['service.order.post.wizard'].with_context(**action['context']))
        form.option = option
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def wizard(self, model, **values):
        form = Form(self.env[model])
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def combine_wizard(self, **values):
        return self.wizard('service.shipment.combine.wizard', **values)

    def contract_wizard(self, **values):
        return self.wizard('service.contract.invoice.wizard', **values)

    def draft(self, lines, partner=None, **values):
        return self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': (partner or self.customer).id,
            'invoice_date': date(2026, 3, 10),
            'invoice_line_ids': [Command.create({
                'product_id': product.id, 'quantity': quantity, 'price_unit': price,
            }) for product, quantity, price in lines],
            **values,
        })

    # --- the five entry points ------------------------------------------------------------

    def test_draft_invoices_post_as_shown(self):
        first = self.draft([(self.maintenance, 2.0, 150.0), (self.hotline, 1.0, 80.0)],
                           invoice_payment_term_id=self.pay_terms_a.id)
        second = self.draft([(self.hotline, 3.0, 60.0)], partner=self.customer_2)
        posted = self.draft([(self.hotline, 1.0, 10.0)])
        posted.action_post()
        drafts = first | second
        report = self.make_report((drafts | posted).action_service_test_report)
        self.assertRecordValues(report, [{
            'origin': 'drafts', 'invoice_count': 2, 'error_count': 0, 'post': True}])
        self.assertEqual(report.invoice_ids.move_id, drafts)
        self.assertIn(posted.display_name, self.problems(report, 'left_out', 'info').message)
        self.assert_shows(report, drafts)
        self.assertIn("Invoices in USD: 2, untaxed", report.totals)
        report.action_run_as_shown()
        self.assertEqual(drafts.mapped('state'), ['posted', 'posted'])
        self.assert_shows(report, drafts)

    def test_order_posting_ship_and_invoice_then_invoice_post_as_shown(self):
        order = self.create_order([(self.labour, 5.0), (self.filter_kit, 4.0)])
        self.line_of(order, self.labour).discount = 10.0
        wizard = self.post_wizard(order, 'ship_invoice', post_invoice=True)
        report = self.make_report(wizard.action_test_report)
        self.assertRecordValues(report, [{'origin': 'order_posting', 'invoice_count': 1,
                                          'error_count': 0, 'post': True}])
        self.assertRecordValues(report.invoice_ids, [{
            'partner_id': self.customer.id, 'amount_untaxed': 5 * 72.0 + 4 * 50.0}])
        # A row for the order, with its lines, that opens it.
        self.assertRecordValues(report.row_ids, [{
            'status': 'invoice', 'order_id': order.id, 'partner_id': self.customer.id,
            'amount': 5 * 72.0 + 4 * 50.0, 'invoice_id': report.invoice_ids.id}])
        self.assertEqual(sorted((line.product_id.id, line.quantity, line.amount)
                                for line in report.row_ids.line_ids),
                         sorted([(self.labour.id, 5.0, 360.0), (self.filter_kit.id, 4.0, 200.0)]))
        self.assertEqual(report.row_ids.action_open_source()['res_id'], order.id)
        report.action_run_as_shown()
        invoice = wizard.invoice_ids
        self.assertEqual(invoice.state, 'posted')
        self.assertEqual(self.line_of(order, self.labour).qty_delivered, 5.0)
        self.assert_shows(report, invoice)
        # Ship first, then Invoice part of it: the shipped lines are billed, oldest first.
        second = self.create_order([(self.labour, 6.0)], partner=self.customer_2)
        self.post(second, 'ship', ship={self.labour: 2.0})
        self.post(second, 'ship', ship={self.labour: 3.0})
        wizard = self.post_wizard(second, 'invoice')
        wizard.line_ids.qty_to_invoice = 4.0
        report = self.make_report(wizard.action_test_report)
        self.assertEqual(report.invoice_ids.line_ids.filtered(
            lambda line: line.kind == 'product').mapped('quantity'), [2.0, 2.0])
        report.action_run_as_shown()
        self.assert_shows(report, wizard.invoice_ids)

    def test_contract_run_create_as_shown(self):
        monthly = self.create_contract()
        quarterly = self.create_contract(invoice_period='quarter', partner=self.customer_2,
                                         payment_term_id=self.pay_terms_a.id)
        # In another currency: Odoo's standard create, converted at the rate of the date.
        euro = self.setup_other_currency('EUR')
        foreign = self.create_contract(lines=[(self.maintenance, 1.0, 2400.0)],
                                       currency_id=euro.id, pricelist_id=False)
        wizard = self.contract_wizard(invoice_to_date=date(2026, 3, 31),
                                      posting_date=date(2026, 4, 2), post_invoices=True)
        wizard.contract_ids = monthly | quarterly | foreign
        report = self.make_report(wizard.action_test_report)
        self.assertRecordValues(report, [{'origin': 'contracts', 'invoice_count': 3,
                                          'error_count': 0}])
        usd = self.env.company.currency_id
        self.assertRecordValues(report.invoice_ids, [
            {'partner_id': self.customer.id, 'amount_untaxed': 300.0, 'amount_total': 345.0,
             'invoice_date': date(2026, 4, 2), 'currency_id': usd.id, 'payment_term_id': False},
            {'partner_id': self.customer_2.id, 'amount_untaxed': 300.0, 'amount_total': 345.0,
             'invoice_date': date(2026, 4, 2), 'currency_id': usd.id,
             'payment_term_id': self.pay_terms_a.id},
            {'partner_id': self.customer.id, 'amount_untaxed': 600.0, 'amount_total': 690.0,
             'invoice_date': date(2026, 4, 2), 'currency_id': euro.id, 'payment_term_id': False},
        ])
        self.assertIn("Contract %s, " % monthly.name, report.invoice_ids[0].line_ids[0].name)
        self.assertIn("Invoices in EUR: 1, untaxed", report.totals)
        report.action_run_as_shown()
        self.assertEqual(wizard.state, 'done')
        self.assertEqual(wizard.invoice_ids.mapped('state'), ['posted'] * 3)
        self.assert_shows(report, wizard.invoice_ids)

    def test_combine_shipments_create_as_shown(self):
        first = self.create_order([(self.labour, 3.0), (self.filter_kit, 2.0)])
        second = self.create_order([(self.labour, 1.0)])
        third = self.create_order([(self.filter_kit, 5.0)], partner=self.customer_2)
        for order in (first, second, third):
            order.order_line._service_post(
                'ship', ship={line: line.product_uom_qty for line in order.order_line})
        wizard = self.combine_wizard(posting_date=date(2026, 11, 2))
        report = self.make_report(wizard.action_test_report)
        self.assertRecordValues(report, [{'origin': 'combine', 'invoice_count': 2,
                                          'error_count': 0, 'post': False}])
        self.assertEqual(report.invoice_ids.partner_id, self.customer | self.customer_2)
        report.action_run_as_shown()
        self.assertEqual(wizard.state, 'done')
        self.assertEqual(wizard.invoice_ids.mapped('state'), ['draft', 'draft'])
        self.assert_shows(report, wizard.invoice_ids)

    def test_schedule_run_run_as_shown(self):
        order = self.create_order([(self.labour, 5.0), (self.filter_kit, 2.0)])
        with freeze_time('2026-01-20'):
            self.post(order, 'ship', ship={self.labour: 2.0, self.filter_kit: 2.0})
        schedule = self.env['service.invoice.schedule'].create({
            'order_id': order.id, 'grouping': 'source', 'day_of_month': 1,
            'date_from': date(2026, 1, 1), 'date_to': date(2026, 3, 31)})
        schedule.action_generate_runs()
        february = schedule.run_ids.filtered(lambda run: run.run_date == date(2026, 2, 1))
        report = self.make_report(february.action_test_report)
        self.assertRecordValues(report, [{'origin': 'schedule_run', 'invoice_count': 1,
                                          'error_count': 0}])
        self.assertRecordValues(report.invoice_ids, [{'invoice_date': date(2026, 2, 1),
                                                      'amount_untaxed': 2 * 80.0 + 2 * 50.0}])
        self.assertRecordValues(report.row_ids, [{
            'status': 'invoice', 'order_id': order.id, 'amount': 2 * 80.0 + 2 * 50.0}])
        report.action_run_as_shown()
        self.assertEqual(february.state, 'succeeded')
        self.assertTrue(february.invoice_ids.service_proforma)
        self.assert_shows(report, february.invoice_ids)

    def test_closing_a_report_of_post_returns_to_the_quantities_typed(self):
        order = self.create_order([(self.labour, 5.0), (self.filter_kit, 4.0)])
        wizard = self.post_wizard(order, 'ship_invoice', invoice_date=date(2026, 3, 12))
        typed = {self.labour: 2.5, self.filter_kit: 1.0}
        form = Form(wizard)
        for index, line in enumerate(wizard.line_ids):
            with form.line_ids.edit(index) as row:
                row.qty_to_ship = typed[line.sale_line_id.product_id]
                row.qty_to_invoice = typed[line.sale_line_id.product_id]
        wizard = form.save()
        report = self.make_report(wizard.action_test_report)
        self.assertEqual(report.invoice_ids.amount_untaxed, 2.5 * 80.0 + 1.0 * 50.0)
        action = report.action_back()
        self.assertEqual((action['res_model'], action['res_id'], action['target']),
                         ('service.order.post.wizard', wizard.id, 'new'))
        # The wizard as the user left it: the option, the date and the quantities typed.
        reopened = Form(self.env[action['res_model']].browse(action['res_id']))
        self.assertEqual(reopened.option, 'ship_invoice')
        self.assertEqual(reopened.record.invoice_date, date(2026, 3, 12))
        self.assertEqual(
            sorted((line.sale_line_id.product_id.id, line.qty_to_ship, line.qty_to_invoice)
                   for line in reopened.record.line_ids),
            sorted((product.id, quantity, quantity) for product, quantity in typed.items()))
        self.assertFalse(order.service_shipment_ids)
        # A report of drafts has no wizard behind it: Close closes it.
        draft = self.draft([(self.hotline, 1.0, 60.0)])
        report = self.make_report(draft.action_service_test_report)
        self.assertEqual(report.action_back(), {'type': 'ir.actions.act_window_close'})

    @freeze_time('2026-03-15')
    def test_proformas_report_rows_then_create_as_shown(self):
        contract = self.create_contract()
        opened = self.create_contract(partner=self.customer_2)
        order = self.create_order([(self.labour, 3.0), (self.filter_kit, 2.0)])
        self.post(order, 'ship', ship={self.labour: 3.0, self.filter_kit: 2.0})
        opened.action_open()
        wizard = self.wizard('service.proforma.wizard', grouping='customer')
        report = self.make_report(wizard.action_test_report)
        self.assertRecordValues(report, [{'origin': 'proformas', 'invoice_count': 1,
                                          'row_source': 'both'}])
        rows = {row.contract_id or row.order_id: row for row in report.row_ids}
        self.assertEqual(set(rows), {contract, order, opened})
        # January and February are due by 15 March (in arrears), on one proforma with the
        # order's shipment.
        self.assertRecordValues(rows[contract] | rows[order], [
            {'status': 'invoice', 'period_start': date(2026, 1, 1),
             'period_end': date(2026, 2, 28), 'amount': 200.0},
            {'status': 'invoice', 'period_start': False, 'period_end': False,
             'amount': 3 * 80.0 + 2 * 50.0},
        ])
        self.assertEqual(rows[contract].invoice_id, rows[order].invoice_id)
        self.assertEqual(sorted((line.product_id.id, line.quantity, line.amount)
                                for line in rows[order].line_ids),
                         sorted([(self.labour.id, 3.0, 240.0), (self.filter_kit.id, 2.0, 100.0)]))
        self.assertEqual(rows[opened].status, 'refused')
        self.assertIn("is Open: lock it", rows[opened].message)
        self.assertEqual(rows[order].action_open_source()['res_id'], order.id)
        # The Open contract blocks it (as the run would leave it out): locked, it is billed.
        opened.action_lock()
        report.action_refresh()
        self.assertEqual(report.error_count, 0)
        report.action_run_as_shown()
        self.assertEqual(wizard.state, 'done')
        self.assertTrue(all(wizard.invoice_ids.mapped('service_proforma')))
        self.assert_shows(report, wizard.invoice_ids)

    # --- the problems, one kind each ------------------------------------------------------

    def test_problem_missing_income_account(self):
        bare = self._create_product(name="Unaccounted", type='service', lst_price=40.0,
                                    invoice_policy='delivery',
                                    taxes_id=[Command.set(self.tax_15.ids)])
        bare.property_account_income_id = False
        bare.categ_id = self.env['product.category'].create({'name': "Bare"})
        bare.categ_id.property_account_income_categ_id = False
        self.env.company.income_account_id = False
        order = self.create_order([(bare, 2.0)])
        wizard = self.post_wizard(order)
        report = self.make_report(wizard.action_test_report)
        # Odoo falls back on the journal's account: it worries, it does not block.
        warning = self.problems(report, 'income_account', 'warning')
        self.assertIn("Unaccounted has no income account", warning.message)
        self.assertIn(self.sale_journal.default_account_id.display_name, warning.message)
        self.sale_journal.default_account_id = False
        report.action_refresh()
        error = self.problems(report, 'income_account', 'error')
        self.assertIn("Unaccounted has no income account", error.message)
        self.assertTrue(report.invoice_ids.has_error)
        with self.assertRaisesRegex(UserError, "shows an error, so nothing is done: fix it"):
            report.action_run_as_shown()
        self.assertFalse(order.service_shipment_ids)

    def test_problem_missing_tax(self):
        untaxed = self._create_product(name="Untaxed work", type='service', lst_price=30.0,
                                       invoice_policy='delivery', taxes_id=[Command.clear()])
        report = self.make_report(self.draft([(untaxed, 1.0, 30.0)]).action_service_test_report)
        self.assertIn("Untaxed work has no taxes", self.problems(report, 'tax', 'warning').message)
        self.assertFalse(report.error_count)

    def test_problem_date_in_a_locked_period(self):
        self.env.company.sale_lock_date = date(2026, 3, 31)
        report = self.make_report(self.draft([(self.hotline, 1.0, 60.0)])
                                  .action_service_test_report)
        problem = self.problems(report, 'lock_date', 'warning')
        self.assertIn("is dated 03/10/2026, in a locked period", problem.message)
        self.assertIn("The Journal Entry will be accounted on", problem.message)

    def test_problem_customer_without_email_when_sending(self):
        silent = self.env['res.partner'].create({'name': "Silent Customer"})
        order = self.create_order([(self.labour, 1.0)], partner=silent)
        self.post(order, 'ship', ship={self.labour: 1.0})
        report = self.make_report(self.combine_wizard(send_invoices=True).action_test_report)
        problem = self.problems(report, 'email', 'warning')
        self.assertIn("its customer Silent Customer has no email address", problem.message)
        report = self.make_report(self.combine_wizard().action_test_report)
        self.assertFalse(self.problems(report, 'email'), "not sent: no email needed")

    def test_problem_zero_or_negative_total(self):
        negative = self.draft([(self.hotline, 1.0, -50.0)])
        zero = self.draft([(self.hotline, 1.0, 0.0)])
        report = self.make_report((negative | zero).action_service_test_report)
        error = self.problems(report, 'total', 'error')
        self.assertEqual(error.invoice_id.move_id, negative)
        self.assertIn("Odoo refuses to post an invoice with a negative total", error.message)
        warning = self.problems(report, 'total', 'warning')
        self.assertEqual(warning.invoice_id.move_id, zero)
        self.assertIn("totals zero", warning.message)
        with self.assertRaisesRegex(UserError, "negative total"):
            report.action_run_as_shown()
        self.assertEqual((negative | zero).mapped('state'), ['draft', 'draft'])

    def test_problem_currency_without_rate(self):
        rateless = self.env.ref('base.CHF')
        rateless.active = True
        rateless.rate_ids.unlink()
        draft = self.draft([(self.hotline, 1.0, 60.0)], currency_id=rateless.id)
        report = self.make_report(draft.action_service_test_report)
        problem = self.problems(report, 'currency_rate', 'error')
        self.assertIn("is in CHF, which has no rate on or before 03/10/2026", problem.message)
        self.setup_other_currency('CHF', rates=[('2026-01-01', 1.1)])
        report.action_refresh()
        self.assertFalse(self.problems(report, 'currency_rate'))

    def test_problem_quantities_beyond_what_was_shipped(self):
        order = self.create_order([(self.labour, 5.0), (self.filter_kit, 4.0)])
        self.post(order, 'ship', ship={self.labour: 2.0, self.filter_kit: 1.0})
        wizard = self.post_wizard(order, 'invoice')
        for line in wizard.line_ids:
            line.qty_to_invoice = 3.0
        report = self.make_report(wizard.action_test_report)
        errors = self.problems(report, 'quantity', 'error')
        # Every refused line is listed, not only the first one.
        self.assertEqual(len(errors), 2)
        for product in (self.labour, self.filter_kit):
            self.assertIn(product.display_name, ' '.join(errors.mapped('message')))
        self.assertIn("You cannot invoice what has not been shipped", errors[0].message)
        with self.assertRaises(UserError):
            report.action_run_as_shown()
        # Drafts never get there: a draft holds no more than is left to invoice.
        drafts = order.order_line._service_post(
            'invoice', invoice={self.line_of(order, self.labour): 2.0})
        with self.assertRaisesRegex(UserError, r"Draft invoices would hold 4\.00 .* only 2\.00"):
            drafts.invoice_line_ids.quantity = 4.0

    def test_problem_contract_open(self):
        locked = self.create_contract()
        opened = self.create_contract(partner=self.customer_2)
        opened.action_open()
        wizard = self.contract_wizard(invoice_to_date=date(2026, 1, 31))
        wizard.contract_ids = locked | opened
        report = self.make_report(wizard.action_test_report)
        error = self.problems(report, 'contract', 'error')
        self.assertIn(f"Contract {opened.name} is Open: lock it", error.message)
        self.assertEqual(report.invoice_ids.partner_id, self.customer)
        with self.assertRaisesRegex(UserError, "is Open: lock it"):
            report.action_run_as_shown()
        # The errors are found again at the click, whatever became of the report's rows.
        report.problem_ids.unlink()
        with self.assertRaisesRegex(UserError, "is Open: lock it"):
            report.action_run_as_shown()
        self.assertFalse(locked.period_ids)
        self.assertFalse(opened.invoice_error, "a report stores no error on the contract")

    # --- one click, as shown --------------------------------------------------------------

    def test_what_changed_since_the_report_is_shown_again_not_done(self):
        order = self.create_order([(self.labour, 5.0)])
        self.post(order, 'ship', ship={self.labour: 3.0})
        wizard = self.combine_wizard()
        report = self.make_report(wizard.action_test_report)
        self.assertEqual(report.invoice_ids.amount_untaxed, 240.0)
        self.post(order, 'ship', ship={self.labour: 2.0})
        action = report.action_run_as_shown()
        self.assertEqual((action['res_model'], action['res_id']), (report._name, report.id))
        self.assertIn("changed since the report was made", report.changed_message)
        self.assertEqual(report.invoice_ids.amount_untaxed, 400.0)
        self.assertFalse(wizard.invoice_ids, "nothing was done")
        report.action_run_as_shown()
        self.assertEqual(wizard.invoice_ids.amount_untaxed, 400.0)

    def test_another_users_report_cannot_run_their_wizard(self):
        order = self.create_order([(self.labour, 1.0)])
        self.post(order, 'ship', ship={self.labour: 1.0})
        report = self.make_report(self.combine_wizard().action_test_report)
        other = new_test_user(self.env, 'other_clerk', groups=(
            'service_invoicing.group_service_manager,account.group_account_invoice'))
        with self.assertRaises(AccessError):
            report.with_user(other).action_run_as_shown()
        portal = new_test_user(self.env, 'portal_reader', groups='base.group_portal')
        with self.assertRaises(AccessError):
            self.env['service.test.report'].with_user(portal).browse(report.id).read(['name'])

    # --- printed ---------------------------------------------------------------------------

    def test_report_prints_invoices_customers_and_errors(self):
        good = self.draft([(self.maintenance, 1.0, 100.0)])
        bad = self.draft([(self.hotline, 1.0, -10.0)], partner=self.customer_2)
        report = self.make_report((good | bad).action_service_test_report)
        html = self.env['ir.actions.report']._render_qweb_html(
            'service_invoicing.action_report_service_test_report', report.ids)[0].decode()
        for text in ("Draft Invoices - Test Report", "Cooling Corp", "Heating Ltd",
                     good.display_name, "negative total", "Errors:", "text-danger",
                     self.env.company.name):
            self.assertIn(text, html)
        # Create Contract Invoices prints its contracts, then the invoices and their problems.
        contract = self.create_contract()
        opened = self.create_contract(partner=self.customer_2)
        opened.action_open()
        wizard = self.contract_wizard(invoice_to_date=date(2026, 1, 31))
        wizard.contract_ids = contract | opened
        report = self.make_report(wizard.action_test_report)
        html = self.env['ir.actions.report']._render_qweb_html(
            'service_invoicing.action_report_service_test_report', report.ids)[0].decode()
        self.assertIn(contract.name, html)
        self.assertIn("is Open: lock it", html)
        self.assertIn(f"Contract {contract.name}, ", html)
        self.assertIn("Cooling Corp", html)
