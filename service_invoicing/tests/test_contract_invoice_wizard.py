from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import ServiceInvoicingCommon


@tagged('post_install', '-at_install')
class TestContractInvoiceWizard(ServiceInvoicingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.monthly = cls.create_contract()
        cls.quarterly = cls.create_contract(invoice_period='quarter', partner=cls.customer_2)
        cls.opened = cls.create_contract(partner=cls.customer_2)
        cls.opened.action_open()

    def open_wizard(self, **values):
        form = Form(self.env['service.contract.invoice.wizard'])
        for name, value in values.items():
            setattr(form, name, value)
        return form

    def make_test_report(self, wizard):
        action = wizard.action_test_report()
        self.assertEqual(action['res_model'], 'service.test.report')
        return self.env['service.test.report'].browse(action['res_id'])

    @freeze_time('2026-04-10')
    def test_test_report_shows_every_contract_its_period_lines_and_invoice(self):
        # A quote chosen with the others, and a contract with nothing due yet: shown too.
        quote = self.create_contract(sign=False, partner=self.customer_2)
        later = self.create_contract(date_start=date(2026, 6, 1))
        wizard = self.open_wizard(invoice_to_date=date(2026, 3, 31),
                                  posting_date=date(2026, 4, 2)).save()
        wizard.contract_ids = self.monthly | self.quarterly | self.opened | quote | later
        report = self.make_test_report(wizard)
        self.assertEqual(report.row_source, 'contract')
        rows = report.row_ids
        self.assertEqual(rows.contract_id,
                         self.monthly | self.quarterly | self.opened | quote | later)
        by_contract = {row.contract_id: row for row in rows}
        monthly, quarterly = by_contract[self.monthly], by_contract[self.quarterly]
        usd = self.env.company.currency_id
        self.assertRecordValues(monthly | quarterly, [
            {'status': 'invoice', 'partner_id': self.customer.id, 'currency_id': usd.id,
             'period_start': date(2026, 1, 1), 'period_end': date(2026, 3, 31),
             'amount': 300.0, 'message': False, 'warning': False},
            {'status': 'invoice', 'partner_id': self.customer_2.id, 'currency_id': usd.id,
             'period_start': date(2026, 1, 1), 'period_end': date(2026, 3, 31),
             'amount': 300.0, 'message': False, 'warning': False},
        ])
        # Each on its own invoice (another customer), with its lines: one a month.
        self.assertNotEqual(monthly.invoice_id, quarterly.invoice_id)
        self.assertEqual(monthly.invoice_id.partner_id, self.customer)
        self.assertEqual(monthly.invoice_id.display_name, "Invoice %s of %s" % (
            monthly.invoice_id.sequence, self.customer.display_name))
        self.assertEqual([(line.product_id, line.quantity, line.price_unit, line.amount)
                          for line in monthly.line_ids],
                         [(self.maintenance, 1.0, 100.0, 100.0)] * 3)
        self.assertEqual(monthly.lines_text.splitlines(),
                         ["%s: 1.00 x $\xa0100.00 = $\xa0100.00" % self.maintenance.display_name]
                         * 3)
        self.assertEqual([(line.quantity, line.price_unit) for line in quarterly.line_ids],
                         [(1.0, 300.0)])
        # Refused and skipped contracts are rows too, with the reason.
        self.assertEqual(by_contract[self.opened].status, 'refused')
        self.assertIn("is Open: lock it", by_contract[self.opened].message)
        self.assertEqual(by_contract[quote].status, 'refused')
        self.assertIn("is not signed: sign it", by_contract[quote].message)
        self.assertEqual(by_contract[later].status, 'skipped')
        self.assertIn("has no period due", by_contract[later].message)
        self.assertFalse((by_contract[later] | by_contract[quote]).invoice_id)
        # Every row opens its contract.
        action = monthly.action_open_source()
        self.assertEqual((action['res_model'], action['res_id'], action['views']),
                         ('service.contract', self.monthly.id, [(False, 'form')]))
        self.assertFalse((self.monthly | self.quarterly | self.opened).period_ids)

    @freeze_time('2026-03-20')
    def test_period_not_ended_warns_in_the_report_and_the_run(self):
        prepaid = self.create_contract(prepaid=True, partner=self.customer_2)
        wizard = self.open_wizard(invoice_to_date=date(2026, 3, 31),
                                  posting_date=date(2026, 3, 20)).save()
        wizard.contract_ids = self.monthly | prepaid
        report = self.make_test_report(wizard)
        arrears = report.row_ids.filtered(lambda row: row.contract_id == self.monthly)
        self.assertEqual((arrears.period_start, arrears.period_end),
                         (date(2026, 1, 1), date(2026, 3, 31)))
        warning = (f"Contract {self.monthly.name} is billed in arrears, but its period "
                   "01/01/2026 - 03/31/2026 has not ended (today is 03/20/2026): the "
                   "invoice-to date 03/31/2026 is in the future.")
        self.assertIn(warning, arrears.warning)
        problem = report.problem_ids.filtered(lambda p: p.kind == 'period_not_ended')
        self.assertEqual(problem.level, 'warning')
        self.assertIn(warning, problem.message)
        self.assertEqual(report.warning_count, 1)
        # Prepaid, billing a period that has begun is what it means: no warning.
        self.assertFalse(report.row_ids.filtered(
            lambda row: row.contract_id == prepaid).warning)
        # The run says the same.
        report.action_run_as_shown()
        self.assertEqual(wizard.state, 'done')
        self.assertIn(warning, wizard.result_message)
        self.assertNotIn(prepaid.name, wizard.result_message)
        # Up to a date that has passed, nothing to say.
        wizard = self.open_wizard(invoice_to_date=date(2026, 3, 31),
                                  posting_date=date(2026, 3, 20)).save()
        wizard.contract_ids = self.quarterly
        with freeze_time('2026-04-01'):
            report = self.make_test_report(wizard)
            self.assertFalse(report.row_ids.warning)
            self.assertFalse(report.warning_count)
            wizard.action_run()
        self.assertFalse(wizard.result_message)

    @freeze_time('2026-04-10')
    def test_test_report_prints_the_same_columns_as_pdf(self):
        wizard = self.open_wizard(invoice_to_date=date(2026, 3, 31)).save()
        wizard.contract_ids = self.monthly | self.opened
        report = self.make_test_report(wizard)
        html = self.env['ir.actions.report']._render_qweb_html(
            'service_invoicing.action_report_service_test_report', report.ids)[0].decode()
        for text in ("<th>Contract</th>", "<th>Period</th>", "<th>Invoice</th>",
                     "<th>Lines</th>", self.monthly.name, self.opened.name,
                     "01/01/2026", "03/31/2026", "is Open: lock it",
                     "Invoice 1 of %s" % self.customer.display_name, "To Invoice", "Refused",
                     self.maintenance.display_name):
            self.assertIn(text, html)
        # wkhtmltopdf would fetch the report's styles from this very server, which Odoo's test
        # runner (odoo-bin --test-enable) keeps busy while it runs the tests: it waits
        # forever. A closed port makes it render the page without them, at once.
        self.env['ir.config_parameter'].sudo().set_param('report.url', 'http://127.0.0.1:9')
        pdf, report_type = self.env['ir.actions.report'].with_context(
            force_report_rendering=True)._render_qweb_pdf(
            'service_invoicing.action_report_service_test_report', report.ids)
        self.assertEqual(report_type, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))

    def test_closing_the_test_report_returns_to_the_wizard_as_it_was(self):
        wizard = self.open_wizard(invoice_to_date=date(2026, 2, 28),
                                  posting_date=date(2026, 3, 2), post_invoices=True).save()
        wizard.contract_ids = self.quarterly
        action = self.make_test_report(wizard).action_back()
        self.assertEqual((action['res_model'], action['res_id'], action['target']),
                         (wizard._name, wizard.id, 'new'))
        self.assertRecordValues(wizard, [{
            'state': 'setup', 'invoice_to_date': date(2026, 2, 28),
            'posting_date': date(2026, 3, 2), 'post_invoices': True,
            'contract_ids': self.quarterly.ids}])

    def test_create_invoices_with_filters_and_posting(self):
        form = self.open_wizard(invoice_to_date=date(2026, 3, 31),
                                posting_date=date(2026, 4, 2))
        form.post_invoices = True
        form.partner_ids.add(self.customer_2)
        wizard = form.save()
        wizard.action_run()
        self.assertRecordValues(wizard, [{
            'state': 'done', 'created_count': 1, 'invoiced_count': 1, 'skipped_count': 0,
            'failed_count': 1, 'amount_total': 345.0}])
        self.assertEqual(wizard.amount_text, "$\xa0345.00")
        self.assertIn(self.opened.name, wizard.result_message)
        self.assertRecordValues(wizard.invoice_ids, [{
            'state': 'posted', 'invoice_date': date(2026, 4, 2), 'partner_id': self.customer_2.id,
            'amount_untaxed': 300.0}])
        self.assertFalse(self.monthly.period_ids, "filtered out by customer")
        action = wizard.action_view_invoices()
        self.assertEqual((action['views'], action['res_id']),
                         ([(False, 'form')], wizard.invoice_ids.id), "one invoice: its form")

    def test_send_queues_odoo_invoice_email(self):
        # A third worker, copied by the administrator as the README says: woken too.
        third = self.env.ref('service_invoicing.ir_cron_send_queued_invoices').copy(
            {'name': "Service Invoicing: Send Queued Invoices (worker 3)"})
        wizard = self.open_wizard(invoice_to_date=date(2026, 1, 31), send_invoices=True)
        self.assertTrue(wizard.post_invoices, "sending implies posting")
        wizard = wizard.save()
        wizard.contract_ids = self.monthly
        wizard.action_run()
        invoice = wizard.invoice_ids
        self.assertEqual(invoice.state, 'posted')
        self.assertEqual(invoice.sending_data['author_user_id'], self.env.user.id)
        workers = self.env.ref('service_invoicing.ir_cron_send_queued_invoices') \
            | self.env.ref('service_invoicing.ir_cron_send_queued_invoices_2') | third
        triggered = self.env['ir.cron.trigger'].search([('cron_id', 'in', workers.ids)])
        self.assertEqual(triggered.cron_id, workers)

    def test_wizard_from_selected_contracts(self):
        wizard = Form(self.env['service.contract.invoice.wizard'].with_context(
            active_model='service.contract', active_ids=self.quarterly.ids)).save()
        self.assertEqual(wizard.contract_ids, self.quarterly)

    @freeze_time('2026-02-15')
    def test_create_service_invoice_button(self):
        action = self.monthly.action_create_invoice()
        self.assertEqual(self.monthly.invoice_count, 1)
        self.assertEqual(action['res_id'], self.monthly.period_ids.invoice_id.id)
        with self.assertRaisesRegex(Exception, "is Open: lock it"):
            self.opened.action_create_invoice()
        with self.assertRaisesRegex(Exception, "no period due"):
            self.monthly.action_create_invoice()
