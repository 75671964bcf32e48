from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ServiceOrderCommon

TODAY = '2026-06-15'


@tagged('post_install', '-at_install')
@freeze_time(TODAY)
class TestReporting(ServiceOrderCommon):
    """Service Invoicing > Reporting: billed revenue, the contract billing forecast and the
    ageing of the backlog, with the figures a user reads in them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service_user = new_test_user(
            cls.env, login='si_report_user', groups='service_invoicing.group_service_user',
            company_id=cls.env.company.id, company_ids=cls.env.company.ids)

    def revenue(self, groupby, user=None, domain=()):
        Report = self.env['service.billing.revenue.report']
        if user:
            Report = Report.with_user(user)
        return {
            tuple(getattr(key, 'id', key) for key in keys): amount
            for *keys, amount in Report._read_group(
                list(domain), groupby, ['amount_untaxed:sum'])
        }

    # Billed Revenue

    def test_billed_revenue_per_month_and_contract_equals_the_invoices(self):
        monthly = self.create_contract()    # 100 a month, in arrears
        quarterly = self.create_contract(
            lines=[(self.maintenance, 2.0, 1200.0), (self.hotline, 1.0, 600.0)],
            invoice_period='quarter', prepaid=True, partner=self.customer_2)
        january = self.invoice(monthly, date(2026, 1, 31), post=True).invoices
        february = self.invoice(monthly, date(2026, 2, 28), post=True).invoices
        q1 = self.invoice(quarterly, date(2026, 1, 1), post=True).invoices
        q2 = self.invoice(quarterly, date(2026, 4, 1), post=True).invoices
        credit_note = february._reverse_moves([{'invoice_date': date(2026, 3, 10)}])
        credit_note.action_post()
        # A draft bills nothing yet, and an invoice of no contract, order or shipment is
        # not the addon's revenue.
        self.invoice(monthly, date(2026, 3, 31))
        other = self.init_invoice('out_invoice', partner=self.customer,
                                  invoice_date=date(2026, 1, 15), amounts=[500.0], post=True)
        self.assertEqual(other.state, 'posted')

        by_month_contract = self.revenue(['date:month', 'contract_id'])
        self.assertEqual(by_month_contract, {
            (date(2026, 1, 1), monthly.id): 100.0,
            (date(2026, 2, 1), monthly.id): 100.0,
            (date(2026, 3, 1), monthly.id): -100.0,
            (date(2026, 1, 1), quarterly.id): 750.0,
            (date(2026, 4, 1), quarterly.id): 750.0,
        })
        # The same figures as the invoices' own untaxed amounts (signed).
        for invoice, month in ((january, 1), (february, 2), (credit_note, 3), (q1, 1), (q2, 4)):
            contract = invoice.invoice_line_ids.service_contract_id
            self.assertEqual(by_month_contract[date(2026, month, 1), contract.id],
                             invoice.amount_untaxed_signed)
        self.assertEqual(self.revenue(['partner_id']), {
            (self.customer.id,): 100.0, (self.customer_2.id,): 1500.0})
        self.assertEqual(self.revenue(['user_id', 'source_type']), {
            (self.env.user.id, 'contract'): 1600.0})
        self.assertEqual(self.revenue(['date:month'], domain=[('move_type', '=', 'out_refund')]),
                         {(date(2026, 3, 1),): -100.0})

    def test_billed_revenue_of_shipments_and_orders(self):
        order = self.create_order([(self.labour, 3.0), (self.filter_kit, 4.0)])
        invoices = self.post(order, 'ship_invoice', ship={self.labour: 3.0, self.filter_kit: 2.0},
                             invoice={self.labour: 3.0, self.filter_kit: 2.0})
        invoices.filtered(lambda move: move.state == 'draft').action_post()
        self.assertEqual(invoices.mapped('amount_untaxed'), [340.0])
        self.assertEqual(self.revenue(['source_type', 'partner_id']), {
            ('shipment', self.customer.id): 340.0})
        self.assertEqual(self.revenue(['order_id']), {(order.id,): 340.0})

    def test_billed_revenue_as_service_user_and_other_company(self):
        contract = self.create_contract()
        invoice = self.invoice(contract, date(2026, 1, 31), post=True).invoices
        self.assertEqual(self.revenue(['date:month'], user=self.service_user),
                         {(date(2026, 1, 1),): invoice.amount_untaxed_signed})
        company_2 = self.setup_other_company(name="Reporting Second Co")['company']
        stranger = new_test_user(
            self.env, login='si_report_stranger', groups='service_invoicing.group_service_manager',
            company_id=company_2.id, company_ids=company_2.ids)
        self.assertEqual(self.revenue(['date:month'], user=stranger), {})

    # Contract Billing Forecast

    def test_forecast_of_a_prepaid_quarterly_contract_is_what_the_runs_bill(self):
        # 1,333.33 a year: 333.33 a quarter and 333.34 for the last quarter of each contract
        # year; it expires on 15 March 2027, so its last quarter is prorated.
        contract = self.create_contract(
            lines=[(self.maintenance, 1.0, 1000.0), (self.hotline, 1.0, 333.33)],
            invoice_period='quarter', prepaid=True, date_start=date(2026, 2, 1),
            date_end=date(2027, 3, 15))
        self.invoice(contract, date(2026, 2, 1), post=True)
        Forecast = self.env['service.contract.forecast']
        action = Forecast.action_open_forecast()
        rows = Forecast.search(action['domain'])
        self.assertRecordValues(rows, [
            # May to July was due on 1 May and is not billed yet: the next run bills it.
            {'contract_id': contract.id, 'partner_id': self.customer.id,
             'period_start': date(2026, 5, 1), 'period_end': date(2026, 7, 31),
             'invoice_date': date(2026, 6, 15), 'amount': 333.33},
            {'contract_id': contract.id, 'partner_id': self.customer.id,
             'period_start': date(2026, 8, 1), 'period_end': date(2026, 10, 31),
             'invoice_date': date(2026, 8, 1), 'amount': 333.33},
            {'contract_id': contract.id, 'partner_id': self.customer.id,
             'period_start': date(2026, 11, 1), 'period_end': date(2027, 1, 31),
             'invoice_date': date(2026, 11, 1), 'amount': 333.34},
            # 1 February to 15 March of a 333.33 quarter of 89 days: 43 days.
            {'contract_id': contract.id, 'partner_id': self.customer.id,
             'period_start': date(2027, 2, 1), 'period_end': date(2027, 3, 15),
             'invoice_date': date(2027, 2, 1), 'amount': 161.05},
        ])
        self.assertEqual(sum(rows.mapped('amount')), 1161.05)
        # The runs on those dates bill exactly that.
        for row in rows:
            invoice = self.invoice(contract, row.invoice_date, post=True).invoices
            self.assertRecordValues(invoice, [{
                'invoice_date': row.invoice_date, 'amount_untaxed': row.amount}])
            self.assertEqual(
                set(invoice.invoice_line_ids.mapped(
                    lambda line: (line.service_period_start, line.service_period_end))),
                {(row.period_start, row.period_end)})
        # Everything billed: the forecast made again is empty.
        self.assertFalse(Forecast.search(Forecast.action_open_forecast()['domain']))

    def test_forecast_untaxed_amount_is_the_invoices_with_a_price_included_tax(self):
        """Prices that include a tax: the forecast's Untaxed Amount is the invoice's, less
        that tax (it read the prices, tax included), to the cent, per period as the invoice's
        lines carry it, rounded per line then globally."""
        included = self.env['account.tax'].create({
            'name': "VAT 21% incl.", 'amount': 21.0, 'price_include_override': 'tax_included'})
        monitoring = self._create_product(name="Remote monitoring", type='service',
                                          lst_price=1000.0,
                                          taxes_id=[Command.set(included.ids)])
        Forecast = self.env['service.contract.forecast']
        for rounding in ('round_per_line', 'round_globally'):
            self.env.company.tax_calculation_rounding_method = rounding
            # Since April: April and May are overdue, billed together by the next run.
            contract = self.create_contract(
                date_start=date(2026, 4, 1), date_end=date(2026, 12, 15),
                lines=[(monitoring, 3.0, 333.33), (monitoring, 1.0, 0.35),
                       (self.maintenance, 1.0, 1234.57)])
            self.assertIn(included, contract.line_ids.tax_ids)
            rows = Forecast.search(Forecast.action_open_forecast()['domain']) \
                .filtered(lambda row, contract=contract: row.contract_id == contract)
            self.assertEqual(len(set(rows.mapped('invoice_date'))), 8, rounding)
            gross = sum(amount for _period, amount in contract._period_amounts(
                contract._due_periods(date(2026, 12, 31))))
            self.assertLess(sum(rows.mapped('amount')), gross, rounding)
            for invoice_date in sorted(set(rows.mapped('invoice_date'))):
                day_rows = rows.filtered(lambda row, day=invoice_date: row.invoice_date == day)
                invoice = self.invoice(contract, max(day_rows.mapped('period_end')),
                                       invoice_date).invoices
                self.assertEqual(len(invoice), 1)
                self.assertAlmostEqual(sum(day_rows.mapped('amount')), invoice.amount_untaxed,
                                       places=2, msg=f'{rounding} {invoice_date}')
                for row in day_rows:
                    lines = invoice.invoice_line_ids.filtered(
                        lambda line, row=row: line.service_period_start == row.period_start)
                    # What the invoice's lines of the period bring to its untaxed amount
                    # (their balance: rounded globally, Odoo puts the cent there).
                    self.assertAlmostEqual(row.amount, -sum(lines.mapped('balance')),
                                           places=2, msg=f'{rounding} {row.period_start}')

    def test_forecast_twelve_months_per_user_and_company(self):
        monthly = self.create_contract(date_start=date(2026, 6, 1))    # in arrears
        self.create_contract(sign=False, date_start=date(2026, 6, 1))  # a quote: not forecast
        Forecast = self.env['service.contract.forecast']
        Forecast.action_open_forecast()
        rows = Forecast.search([])
        # June 2026 to May 2027 end within the twelve months from 15 June 2026.
        self.assertEqual(rows.mapped('contract_id'), monthly)
        self.assertEqual(len(rows), 12)
        self.assertEqual(rows[0].invoice_date, date(2026, 6, 30))
        self.assertEqual(rows[-1].invoice_date, date(2027, 5, 31))
        self.assertEqual(sum(rows.mapped('amount')), 1200.0)
        by_month = dict(Forecast._read_group([], ['invoice_date:month'], ['amount:sum']))
        self.assertEqual(by_month[date(2026, 12, 1)], 100.0)
        # A Service User makes their own forecast from the menu; nobody else's rows are theirs.
        menu = self.env.ref('service_invoicing.menu_service_contract_forecast')
        action = menu.action.with_user(self.service_user).run()
        self.assertEqual(action['res_model'], 'service.contract.forecast')
        UserForecast = Forecast.with_user(self.service_user)
        self.assertEqual(len(UserForecast.search([])), 12)
        self.assertEqual(len(Forecast.search([])), 12)
        self.assertEqual(Forecast.sudo().search_count([]), 24)
        company_2 = self.setup_other_company(name="Forecast Second Co")['company']
        stranger = new_test_user(
            self.env, login='si_forecast_stranger',
            groups='service_invoicing.group_service_manager',
            company_id=company_2.id, company_ids=company_2.ids)
        StrangerForecast = Forecast.with_user(stranger)
        StrangerForecast.action_open_forecast()
        self.assertFalse(StrangerForecast.search([]))

    # Backlog Ageing

    def test_backlog_ageing_by_status_source_and_age(self):
        contract = self.create_contract()    # 100 a month in arrears since January
        self.invoice(contract, date(2026, 1, 31), post=True)
        Ageing = self.env['service.billing.ageing.report']
        items = self.env['service.billing.item'].search([('contract_id', '=', contract.id)])
        self.assertEqual(len(items), 5)   # January to May
        by_bucket = {
            (status, bucket): amount for status, bucket, amount in Ageing._read_group(
                [('contract_id', '=', contract.id)], ['billing_status', 'age_bucket'],
                ['amount:sum'])
        }
        # February (107 days), March (76), April (46), May (15) wait; January is invoiced.
        self.assertEqual(by_bucket, {
            ('invoice_posted', '90_plus'): 0.0,
            ('ready', '90_plus'): 100.0,
            ('ready', '61_90'): 100.0,
            ('ready', '31_60'): 100.0,
            ('ready', '0_30'): 100.0,
        })
        ages = Ageing.search([('contract_id', '=', contract.id)]).mapped('age')
        self.assertEqual(ages, [135, 107, 76, 46, 15])
        self.assertEqual(
            dict(Ageing.with_user(self.service_user)._read_group(
                [('billing_status', 'in', ('not_ready', 'ready'))], ['source_type'],
                ['amount:sum'])),
            {'contract_period': 400.0})
        # What waits and what is to invoice, apart (May marked not ready).
        items.filtered(lambda item: item.period_start == date(2026, 5, 1)).action_mark_not_ready()
        self.assertEqual(Ageing._read_group(
            [('contract_id', '=', contract.id)], [],
            ['amount_waiting:sum', 'amount_to_invoice:sum']), [(100.0, 300.0)])

    def test_one_backlog_aging_menu_under_reporting(self):
        menus = self.env['ir.ui.menu'].search([('name', '=', "Backlog Aging")])
        self.assertEqual(menus.mapped('complete_name'),
                         ["Service Invoicing/Reporting/Backlog Aging"])
        self.assertEqual(menus.action.res_model, 'service.billing.ageing.report')
