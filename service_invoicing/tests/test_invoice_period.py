from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.service_invoicing.tools import invoice_period as periods


def currency_round(amount):
    return round(amount + 0.0, 2)


@tagged('post_install', '-at_install')
class TestInvoicePeriod(BaseCase):
    """Business Central's period rules, without a database."""

    def next_period(self, invoice_period, start=date(2026, 1, 1), end=None, until=None):
        return periods.next_period(start, end, invoice_period, until)

    def test_first_period_of_every_invoice_period(self):
        expected = {
            'month': date(2026, 1, 31),
            'two_months': date(2026, 2, 28),
            'quarter': date(2026, 3, 31),
            'half_year': date(2026, 6, 30),
            'year': date(2026, 12, 31),
        }
        for invoice_period, period_end in expected.items():
            with self.subTest(invoice_period=invoice_period):
                period = self.next_period(invoice_period)
                self.assertEqual((period.start, period.end), (date(2026, 1, 1), period_end))
                self.assertEqual(periods.invoice_date_of(period, prepaid=True), date(2026, 1, 1))
                self.assertEqual(periods.invoice_date_of(period, prepaid=False), period_end)
        self.assertIsNone(self.next_period('none'))

    def test_periods_follow_the_month_of_the_start(self):
        period = self.next_period('quarter', start=date(2026, 2, 1), until=date(2026, 4, 30))
        self.assertEqual((period.start, period.end), (date(2026, 5, 1), date(2026, 7, 31)))
        self.assertEqual(period.index, 1)

    def test_mid_month_start_gives_a_short_prorated_first_period(self):
        period = self.next_period('month', start=date(2026, 1, 15))
        self.assertEqual((period.start, period.end), (date(2026, 1, 15), date(2026, 1, 31)))
        # 17 of 31 days of a 1,200.00 / 12 month
        self.assertEqual(periods.period_amount(1200.0, 'month', period, currency_round), 54.84)
        following = self.next_period('month', start=date(2026, 1, 15), until=period.end)
        self.assertEqual((following.start, following.end), (date(2026, 2, 1), date(2026, 2, 28)))
        self.assertEqual(periods.period_amount(1200.0, 'month', following, currency_round), 100.0)

    def test_expiration_date_prorates_the_last_period_and_ends_invoicing(self):
        end = date(2026, 5, 15)
        period = self.next_period('quarter', end=end, until=date(2026, 3, 31))
        self.assertEqual((period.start, period.end), (date(2026, 4, 1), end))
        # 45 of 91 days of a 4,000.00 / 4 quarter
        self.assertEqual(periods.period_amount(4000.0, 'quarter', period, currency_round), 494.51)
        self.assertIsNone(self.next_period('quarter', end=end, until=end))

    def test_a_year_sums_exactly_to_the_annual_amount(self):
        for invoice_period, annual in [('month', 1000.0), ('two_months', 100.0),
                                       ('quarter', 1000.01), ('half_year', 0.03), ('year', 99.99)]:
            with self.subTest(invoice_period=invoice_period):
                due = periods.due_periods(date(2026, 3, 1), None, invoice_period, True, None,
                                          date(2027, 2, 28))
                self.assertEqual(len(due), periods.periods_per_year(invoice_period))
                amounts = [periods.period_amount(annual, invoice_period, p, currency_round)
                           for p in due]
                self.assertAlmostEqual(sum(amounts), annual, places=2)
        monthly = [periods.period_amount(1000.0, 'month', p, currency_round)
                   for p in periods.due_periods(date(2026, 1, 1), None, 'month', True, None,
                                                date(2026, 12, 1))]
        self.assertEqual(monthly[:11], [83.33] * 11)
        self.assertEqual(monthly[11], 83.37)

    def test_catch_up_lists_every_due_period(self):
        arrears = periods.due_periods(date(2026, 1, 1), None, 'month', False, None,
                                      date(2026, 4, 15))
        self.assertEqual([p.end for p in arrears],
                         [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)])
        prepaid = periods.due_periods(date(2026, 1, 1), None, 'month', True, None,
                                      date(2026, 4, 15))
        self.assertEqual([p.start for p in prepaid],
                         [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)])
