"""The customer portal's contracts, through HTTP as their readers use it: portal users of two
customers, a second contact of the same customer, a customer of another company, an anonymous
visitor with and without the access token; the JSON-RPC ORM as a portal user; the forecast of
the contract page against what the invoicing runs bill."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import lxml.html
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import format_date

from ..tools.formatting import format_money, format_period
from ..tools.trusted import trusted
from .common import ServiceInvoicingCommon
from .query_counts import QueryCounting
from .tour_common import ServiceTourCase


def cell_texts(row):
    """The texts of a table row's cells, as a reader reads them (spaces collapsed)."""
    return [' '.join(cell.text_content().replace('\xa0', ' ').split())
            for cell in row.xpath('./td')]


def table_rows(html, table_class):
    """[cell texts] of each body row of the table of class ``table_class`` in ``html``."""
    root = lxml.html.fromstring(html)
    return [cell_texts(row) for row in root.xpath(
        f"//table[contains(concat(' ', @class, ' '), ' {table_class} ')]/tbody/tr")]


def portal_user(env, login, partner, company=None):
    """A portal user of ``partner`` (password = login)."""
    company = company or env.company
    return new_test_user(env, login=login, groups='base.group_portal', name=partner.name,
                         partner_id=partner.id, company_id=company.id,
                         company_ids=[fields.Command.set(company.ids)])


@tagged('post_install', '-at_install')
class TestPortalContracts(ServiceInvoicingCommon, HttpCase, QueryCounting):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        month_start = cls.today.replace(day=1)
        Partner = cls.env['res.partner']
        # Two contacts of the customer Cooling Corp, one of Heating Ltd, each with portal access.
        cls.ann_contact = Partner.create({
            'name': "Ann Cooler", 'parent_id': cls.customer.id, 'email': 'ann@cooling.example.com'})
        cls.carl_contact = Partner.create({
            'name': "Carl Cooler", 'parent_id': cls.customer.id,
            'email': 'carl@cooling.example.com'})
        cls.hank_contact = Partner.create({
            'name': "Hank Heater", 'parent_id': cls.customer_2.id,
            'email': 'hank@heating.example.com'})
        cls.ann = portal_user(cls.env, 'portal_ann', cls.ann_contact)
        cls.carl = portal_user(cls.env, 'portal_carl', cls.carl_contact)
        cls.hank = portal_user(cls.env, 'portal_hank', cls.hank_contact)

        # Cooling Corp: a monthly contract from last month (last month billed and paid), a
        # quarterly prepaid one naming Ann (its first quarter billed, not paid), a quote.
        cls.contract = cls.create_contract(
            lines=[(cls.maintenance, 1.0, 1200.0), (cls.hotline, 2.0, 300.0)],
            date_start=month_start - relativedelta(months=1),
            description="Upkeep of the cooling units", sign=False)
        cls.contract.line_ids[1].name = "Hotline, weekdays 8-18"
        cls.contract.action_sign()
        cls.contract_of_ann = cls.create_contract(
            partner=cls.ann_contact, lines=[(cls.hotline, 1.0, 600.0)], invoice_period='quarter',
            prepaid=True, date_start=month_start, description="Hotline of Ann's site")
        cls.quote = cls.create_contract(sign=False, description="Quote being drafted")
        cls.paid_invoice = cls.contract._create_contract_invoices(
            month_start - relativedelta(days=1), month_start - relativedelta(days=1)).invoices
        cls.paid_invoice.action_post()
        cls.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=cls.paid_invoice.ids,
        ).create({})._create_payments()
        cls.open_invoice = cls.contract_of_ann._create_contract_invoices(
            cls.today, cls.today).invoices
        cls.open_invoice.action_post()
        cls.contract.message_post(body="Your technician comes on Monday.",
                                  message_type='comment', subtype_xmlid='mail.mt_comment')
        cls.contract.message_post(body="Slow payer, watch the reminders.",
                                  subtype_xmlid='mail.mt_note')

        # Heating Ltd's contract; a second company with its own customer, and a contract of
        # Cooling Corp in that company.
        cls.heating_contract = cls.create_contract(
            partner=cls.customer_2, description="Boiler care of Heating")
        company_2 = cls.setup_other_company(name="Portal Second Co")['company']
        cls.far_customer = Partner.create({'name': "Far Away Inc", 'company_id': company_2.id})
        cls.far = portal_user(cls.env, 'portal_far', cls.far_customer, company=company_2)
        cls.far_contract = cls.contract_in(company_2, cls.far_customer, "Far maintenance")
        cls.cooling_contract_2 = cls.contract_in(
            company_2, cls.customer, "Cooling in the second company")

    @classmethod
    def contract_in(cls, company, partner, description):
        env = cls.env(context=dict(cls.env.context,
                                   allowed_company_ids=[company.id, cls.env.company.id]))
        contract = env['service.contract'].with_company(company).create({
            'partner_id': partner.id, 'company_id': company.id,
            'date_start': cls.today.replace(day=1), 'description': description,
            'line_ids': [fields.Command.create({'product_id': cls.maintenance.id,
                                                'price_unit': 2400.0})],
        })
        contract.action_sign()
        return contract

    # --- helpers ------------------------------------------------------------------------

    def login(self, user):
        self.authenticate(user.login, user.login)

    def anonymous(self):
        self.authenticate(None, None)

    def page(self, url, status=200):
        response = self.url_open(url, timeout=60)
        self.assertEqual(response.status_code, status, url)
        return response.text

    def assert_refused(self, url, *secrets):
        """``url`` answers with a redirection to the portal (the login page for a visitor)
        or a not found, and none of ``secrets``."""
        response = self.url_open(url, allow_redirects=False, timeout=60)
        self.assertIn(response.status_code, (303, 302, 403, 404), url)
        if response.is_redirect:
            location = response.headers['Location']
            self.assertTrue(location.endswith('/my') or '/web/login' in location,
                            f"{url} redirects to {location}")
        for secret in secrets:
            self.assertNotIn(secret, response.text, url)

    def listed(self, url='/my/service_contracts'):
        """The contract numbers the contract list shows."""
        return [row[0] for row in table_rows(self.page(url), 'o_portal_my_doc_table')]

    def call_kw(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(f'/web/dataset/call_kw/{model}/{method}', {
            'model': model, 'method': method, 'args': args, 'kwargs': kwargs})

    def money(self, amount, currency=None):
        return format_money(self.env, amount, currency or self.env.company.currency_id) \
            .replace('\xa0', ' ')

    # --- lists and counters -------------------------------------------------------------

    def test_every_contact_of_the_customer_lists_its_contracts_and_nothing_else(self):
        for user in (self.ann, self.carl):
            self.login(user)
            self.assertCountEqual(self.listed(), [self.contract.name, self.contract_of_ann.name])
        self.login(self.hank)
        self.assertEqual(self.listed(), [self.heating_contract.name])
        self.login(self.far)
        self.assertEqual(self.listed(), [self.far_contract.name])

    def test_home_counts_the_contracts_and_links_them(self):
        self.login(self.carl)
        counters = self.make_jsonrpc_request('/my/counters',
                                             {'counters': ['service_contract_count']})
        self.assertTrue(counters['service_contract_count'])
        self.assertIn('href="/my/service_contracts"', self.page('/my'))
        nobody = self.env['res.partner'].create({'name': "No Contract Ltd"})
        portal_user(self.env, 'portal_nobody', nobody)
        self.authenticate('portal_nobody', 'portal_nobody')
        counters = self.make_jsonrpc_request('/my/counters',
                                             {'counters': ['service_contract_count']})
        self.assertEqual(counters['service_contract_count'], 0)
        self.assertIn("There are currently no contracts for your account.",
                      self.page('/my/service_contracts'))

    def test_list_searches_sorts_filters_and_pages(self):
        self.login(self.ann)
        self.assertEqual(self.listed('/my/service_contracts?search=Ann%27s&search_in=description'),
                         [self.contract_of_ann.name])
        # Newest first by default: Ann's contract started this month, the other last month.
        self.assertEqual(self.listed('/my/service_contracts?search=Hotline&search_in=lines'),
                         [self.contract_of_ann.name, self.contract.name])
        self.assertEqual(self.listed('/my/service_contracts?search=Maintenance&search_in=lines'),
                         [self.contract.name])
        self.assertEqual(self.listed(f'/my/service_contracts?search={self.contract.name}&search_in=all'),
                         [self.contract.name])
        # Another customer's contract is not found by its number, nor the quote.
        self.assertEqual(self.listed(
            f'/my/service_contracts?search={self.heating_contract.name}&search_in=name'), [])
        self.assertEqual(self.listed('/my/service_contracts?search=Quote&search_in=all'), [])
        self.assertEqual(self.listed('/my/service_contracts?sortby=date'),
                         [self.contract_of_ann.name, self.contract.name])
        self.assertEqual(self.listed('/my/service_contracts?sortby=name'), sorted(
            [self.contract.name, self.contract_of_ann.name], reverse=True))
        self.assertEqual(self.listed('/my/service_contracts?sortby=next_invoice'),
                         [self.contract.name, self.contract_of_ann.name])
        self.contract_of_ann.action_cancel()
        self.assertEqual(self.listed('/my/service_contracts?filterby=running'),
                         [self.contract.name])
        self.assertEqual(self.listed('/my/service_contracts?filterby=ended'),
                         [self.contract_of_ann.name])
        # A page beyond the last shows the last; unknown options fall back to the defaults.
        self.assertEqual(len(self.listed('/my/service_contracts/page/9')), 2)
        self.assertEqual(len(self.listed('/my/service_contracts?sortby=id;drop&filterby=x&search_in=y')),
                         2)

    # --- the contract's page ------------------------------------------------------------

    def test_contract_page_shows_lines_terms_and_invoiced_periods(self):
        self.login(self.carl)
        html = self.page(self.contract.access_url)
        self.assertIn("Upkeep of the cooling units", html)
        # A line's description shows under its product where it says more.
        self.assertEqual(table_rows(html, 'o_service_contract_lines'), [
            ["Maintenance visit", "1.00 Units", self.money(1200.0), self.tax_15.name,
             self.money(1200.0)],
            ["Hotline Hotline, weekdays 8-18", "2.00 Units", self.money(300.0),
             self.tax_15.name, self.money(600.0)],
        ])
        self.assertIn("in arrears, on the last day of each period", html)
        self.assertIn(format_date(self.env, self.contract.next_invoice_date), html)
        period = self.contract.period_ids
        invoice = self.paid_invoice
        payment_states = dict(invoice._fields['payment_state']._description_selection(self.env))
        self.assertEqual(table_rows(html, 'o_portal_service_contract_billed'), [[
            format_period(self.env, period.date_start, period.date_end),
            self.money(1800.0 / 12),
            invoice.name,
            format_date(self.env, invoice.invoice_date),
            format_date(self.env, invoice.invoice_date_due),
            payment_states[invoice.payment_state],
        ]])
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        # The invoice opens in Odoo's own portal, as every contact of the customer.
        link = lxml.html.fromstring(html).xpath(
            "//table[contains(@class, 'o_portal_service_contract_billed')]//a/@href")[0]
        self.assertTrue(link.startswith(f'/my/invoices/{invoice.id}?access_token='), link)
        self.assertIn(invoice.name, self.page(link))
        # Ann's contract: billed, not paid yet.
        html = self.page(self.contract_of_ann.access_url)
        self.assertEqual(table_rows(html, 'o_portal_service_contract_billed')[0][-1],
                         payment_states['not_paid'])
        self.assertIn("in advance, on the first day of each period", html)

    def test_contract_page_shows_no_internal_note_nor_run_error(self):
        trusted(self.contract).invoice_error = "Income account missing, ask Bob"
        self.login(self.ann)
        html = self.page(self.contract.access_url)
        self.assertNotIn("Income account missing", html)
        self.assertNotIn("Slow payer", html)
        # The chatter the page loads: the customer's messages, no internal note.
        token = lxml.html.fromstring(html).xpath("//div[@id='discussion']/@data-token")[0]
        self.assertEqual(token, self.contract.access_token)
        fetched = self.make_jsonrpc_request('/mail/chatter_fetch', {
            'thread_model': 'service.contract', 'thread_id': self.contract.id, 'token': token})
        bodies = [message['body'] for message in fetched['data']['mail.message']]
        self.assertTrue(any("Your technician comes on Monday." in str(body) for body in bodies))
        self.assertFalse(any("Slow payer" in str(body) for body in bodies))
        # Another customer's user with that contract's id and a forged token reads nothing.
        self.login(self.hank)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request('/mail/chatter_fetch', {
                'thread_model': 'service.contract', 'thread_id': self.contract.id,
                'token': 'forged-token'})

    def test_forecast_is_what_the_runs_bill(self):
        """The Upcoming Invoices of the page against Create Contract Invoices run on each of
        their dates: dates, periods, untaxed amounts, taxes and totals as the invoices carry
        them (a price-included tax, taxes rounded globally, two overdue periods on one invoice,
        a prorated first and last period)."""
        included = self.env['account.tax'].create({
            'name': "VAT 21% incl.", 'amount': 21.0, 'price_include_override': 'tax_included'})
        monitoring = self._create_product(name="Remote monitoring", type='service',
                                          lst_price=1000.0,
                                          taxes_id=[fields.Command.set(included.ids)])
        start = self.today - relativedelta(days=40)
        monthly = self.create_contract(
            partner=self.ann_contact, date_start=start, description="Forecast monthly",
            lines=[(self.maintenance, 1.0, 1234.57), (monitoring, 3.0, 333.33)])
        quarterly = self.create_contract(
            partner=self.ann_contact, invoice_period='quarter', prepaid=True,
            date_start=self.today, date_end=self.today + relativedelta(months=7, days=-3),
            description="Forecast quarterly",
            lines=[(self.hotline, 1.0, 999.99), (monitoring, 1.0, 500.0)])
        self.env.company.tax_calculation_rounding_method = 'round_globally'
        self.login(self.ann)
        for contract in (monthly, quarterly):
            shown = table_rows(self.page(contract.access_url), 'o_service_contract_forecast')
            self.assertTrue(shown)
            self.assertEqual(shown, self.billed_rows(contract), contract.name)
        # The monthly contract's two overdue periods: one invoice, one row.
        self.assertEqual(len(monthly.period_ids.sorted('date_start')[:2].invoice_id), 1)

    def test_a_contract_open_for_changes_shows_no_upcoming_invoice(self):
        """The runs refuse a contract open for changes until it is locked again: its page
        forecasts nothing meanwhile and says why, then shows the invoices again."""
        self.contract.action_open()
        self.login(self.ann)
        html = self.page(self.contract.access_url)
        self.assertEqual(table_rows(html, 'o_service_contract_forecast'), [])
        self.assertIn("This contract is being changed", html)
        self.assertFalse(self.invoice(self.contract, self.today).invoices)
        self.contract.action_lock()
        html = self.page(self.contract.access_url)
        self.assertTrue(table_rows(html, 'o_service_contract_forecast'))
        self.assertNotIn("This contract is being changed", html)

    def billed_rows(self, contract):
        """What Create Contract Invoices bills for ``contract`` over the next twelve months,
        run on each day the contract is due: a row per invoice as the forecast shows it."""
        horizon = self.today + relativedelta(months=12, days=-1)
        rows = []
        while contract.next_invoice_date and contract.next_invoice_date <= horizon:
            day = max(contract.next_invoice_date, self.today)
            invoice = self.invoice(contract, day).invoices
            self.assertEqual(len(invoice), 1)
            lines = invoice.invoice_line_ids
            rows.append([
                format_date(self.env, invoice.invoice_date),
                format_period(self.env, min(lines.mapped('service_period_start')),
                              max(lines.mapped('service_period_end'))),
                self.money(invoice.amount_untaxed), self.money(invoice.amount_tax),
                self.money(invoice.amount_total),
            ])
        return rows

    def test_contract_pdf_from_the_portal_and_the_backend(self):
        if self.env['ir.actions.report'].get_wkhtmltopdf_state() == 'install' \
                or not shutil.which('pdftotext'):
            self.skipTest("needs wkhtmltopdf and pdftotext")
        # wkhtmltopdf would fetch the styles from this server, busy with the test.
        self.env['ir.config_parameter'].sudo().set_param('report.url', 'http://127.0.0.1:9')
        self.login(self.ann)
        response = self.url_open(f'{self.contract.access_url}?report_type=pdf&download=true',
                                 timeout=120)
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        self.assertIn(f'Contract_{self.contract.name}.pdf',
                      response.headers['Content-Disposition'])
        # Under test, Odoo gives the report's HTML for a PDF unless the caller forces the
        # rendering, which a request cannot: the route's document is read as HTML...
        document = ' '.join(lxml.html.fromstring(response.content).text_content().split())
        expected = (self.contract.name, "Upkeep of the cooling units", "Maintenance visit",
                    "Upcoming Invoices", self.env.company.name)
        for text in expected:
            self.assertIn(text, document)
        self.assertNotIn(self.contract_of_ann.name, document)
        # ... and the same report is rendered as a PDF by the backend's Print, as a service
        # user, with the seller's header.
        user = new_test_user(self.env, login='service_printer',
                             groups='base.group_user,service_invoicing.group_service_user')
        pdf, _type = self.env['ir.actions.report'].with_user(user).with_context(
            force_report_rendering=True)._render_qweb_pdf(
                'service_invoicing.action_report_service_contract', self.contract.ids)
        document = ' '.join(self.pdf_text(pdf).split())
        for text in expected:
            self.assertIn(text, document)

    def pdf_text(self, pdf):
        self.assertTrue(pdf.startswith(b'%PDF'), pdf[:200])
        folder = Path(tempfile.mkdtemp(prefix='si-portal-'))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        path = folder / 'contract.pdf'
        path.write_bytes(pdf)
        return subprocess.run(['pdftotext', '-layout', str(path), '-'], capture_output=True,
                              text=True, check=True).stdout

    # --- refusals -----------------------------------------------------------------------

    def test_forged_ids_and_tokens_are_refused_on_every_route(self):
        contract = self.contract
        token = contract._portal_ensure_token()
        other_token = self.heating_contract._portal_ensure_token()
        quote_token = self.quote._portal_ensure_token()
        missing_id = self.env['service.contract'].search([], order='id desc', limit=1).id + 1000
        secrets = (contract.name, "Upkeep of the cooling units")
        suffixes = ('', '?report_type=html', '?report_type=pdf', '?report_type=pdf&download=true')
        # Another customer's user; the other company's customer; an anonymous visitor.
        for who in (self.hank, self.far, None):
            if who:
                self.login(who)
            else:
                self.anonymous()
            for suffix in suffixes:
                url = f'{contract.access_url}{suffix}'
                joiner = '&' if '?' in url else '?'
                self.assert_refused(url, *secrets)
                self.assert_refused(f'{url}{joiner}access_token=forged', *secrets)
                self.assert_refused(f'{url}{joiner}access_token={other_token}', *secrets)
                self.assert_refused(f'{url}{joiner}access_token={token[:-1]}', *secrets)
                self.assert_refused(f'/my/service_contracts/{missing_id}{suffix}')
                self.assert_refused(f'/my/service_contracts/{missing_id}{suffix}{joiner}'
                                    f'access_token={token}')
        # Ann: the quote, the other company's contract of her customer, another's.
        self.login(self.ann)
        for refused in (self.quote, self.cooling_contract_2, self.heating_contract):
            self.assert_refused(refused.access_url, refused.description)
            self.assert_refused(f'{refused.access_url}?report_type=html', refused.description)
            self.assert_refused(f'{refused.access_url}?access_token={token}',
                                refused.description)
        self.anonymous()
        self.assert_refused('/my/service_contracts', *secrets)
        self.assert_refused('/my/service_contracts/page/2', *secrets)
        # The token opens its contract, and only it, to anyone; a quote's for who has it.
        self.assertIn("Upkeep of the cooling units",
                      self.page(f'{contract.access_url}?access_token={token}'))
        self.assertIn("Upkeep of the cooling units", self.page(
            f'{contract.access_url}?access_token={token}&report_type=html'))
        self.assertIn("Quote being drafted",
                      self.page(f'{self.quote.access_url}?access_token={quote_token}'))

    def test_token_visitor_follows_the_invoice_links(self):
        self.anonymous()
        html = self.page(self.contract.get_portal_url())
        link = lxml.html.fromstring(html).xpath(
            "//table[contains(@class, 'o_portal_service_contract_billed')]//a/@href")[0]
        self.assertIn(self.paid_invoice.name, self.page(link))

    # --- the JSON-RPC ORM as a portal user ------------------------------------------------

    def test_portal_user_reads_only_their_contracts_through_the_orm(self):
        self.login(self.carl)
        contracts = self.call_kw('service.contract', 'search_read', [[]], fields=['name'])
        self.assertCountEqual([row['name'] for row in contracts],
                              [self.contract.name, self.contract_of_ann.name])
        # Every field they may read, without the seller's own.
        everything = self.call_kw('service.contract', 'search_read', [[]])
        self.assertEqual(len(everything), 2)
        seller_only = self.env['service.contract']._seller_only_fields
        self.assertLessEqual(seller_only, set(self.env['service.contract']._fields))
        self.assertLessEqual({'invoice_error', 'backlog_amount', 'may_invoice'}, seller_only)
        self.assertFalse(seller_only & set(everything[0]))
        self.assertIn('annual_amount', everything[0])
        lines = self.call_kw('service.contract.line', 'search_read', [[]],
                             fields=['contract_id', 'price_unit'])
        self.assertCountEqual({line['contract_id'][0] for line in lines},
                              {self.contract.id, self.contract_of_ann.id})
        seller_only = self.env['service.contract.line']._seller_only_fields
        self.assertLessEqual(seller_only, set(self.env['service.contract.line']._fields))
        self.assertFalse(seller_only & set(
            self.call_kw('service.contract.line', 'search_read', [[]])[0]))
        periods = self.call_kw('service.contract.period', 'search_read', [[]],
                               fields=['contract_id', 'amount'])
        self.assertCountEqual({period['contract_id'][0] for period in periods},
                              {self.contract.id, self.contract_of_ann.id})
        self.assertFalse(self.call_kw('service.contract.period', 'search_read',
                                      [[('contract_id', '=', self.heating_contract.id)]]))
        # Messages of the contract: the customer's, no internal note.
        messages = self.call_kw('mail.message', 'search_read',
                                [[('model', '=', 'service.contract'),
                                  ('res_id', '=', self.contract.id)]], fields=['body'])
        self.assertFalse([m for m in messages if "Slow payer" in (m['body'] or '')])
        refused = [
            ('service.contract', 'read', [self.heating_contract.ids], {'fields': ['name']}),
            ('service.contract', 'read', [self.quote.ids], {'fields': ['name']}),
            ('service.contract', 'read', [self.cooling_contract_2.ids], {'fields': ['name']}),
            ('service.contract', 'read', [self.contract.ids], {'fields': ['invoice_error']}),
            ('service.contract.line', 'read', [self.contract.line_ids.ids],
             {'fields': ['technical_price_unit']}),
            ('service.contract', 'write', [self.contract.ids, {'description': "Mine now"}], {}),
            ('service.contract', 'create', [{'partner_id': self.customer.id}], {}),
            ('service.contract', 'unlink', [self.contract.ids], {}),
            ('service.contract', 'action_cancel', [self.contract.ids], {}),
            ('service.contract.line', 'write',
             [self.contract.line_ids.ids, {'price_unit': 1.0}], {}),
            ('service.contract.period', 'unlink', [self.contract.period_ids.ids], {}),
        ]
        for model, method, args, kwargs in refused:
            with self.subTest(model=model, method=method), self.assertRaises(JsonRpcException):
                self.call_kw(model, method, args, **kwargs)
        self.assertRecordValues(self.contract, [{
            'description': "Upkeep of the cooling units", 'state': 'signed'}])
        self.assertEqual(self.contract.line_ids.mapped('price_unit'), [1200.0, 300.0])

    # --- queries ------------------------------------------------------------------------

    def test_list_and_page_queries_do_not_grow_with_rows(self):
        customer = self.env['res.partner'].create({'name': "Many Contracts Co"})
        user = portal_user(self.env, 'portal_many', customer)
        start = self.today.replace(day=1) - relativedelta(months=6)
        self.login(user)
        contracts = self.env['service.contract']
        queries = {}
        for count in (2, 6):
            while len(contracts) < count:
                contracts |= self.create_contract(partner=customer, date_start=start)
            self.url_open('/my/service_contracts')  # the access tokens are given once
            queries[count], _response = self.count_queries(self.url_open, '/my/service_contracts')
        self.assertEqual(queries[2], queries[6], queries)
        # A contract's page: one line and one invoiced period, then three lines (products of
        # their own) and four periods with their invoices.
        filters = self._create_product(name="Filter change", type='service', lst_price=300.0)
        # Two contracts in the middle of the list: each page reads the one before and after.
        small, large = contracts[2:4]
        large.action_open()
        large.line_ids = [fields.Command.create({'product_id': product.id})
                          for product in (self.hotline, filters)]
        large.action_lock()
        pages = {}
        for contract, periods in ((small, 1), (large, 4)):
            while len(contract.period_ids) < periods:
                self.invoice(contract, contract.next_invoice_date).invoices.action_post()
            self.url_open(contract.access_url)
            pages[contract], _response = self.count_queries(self.url_open, contract.access_url)
        self.assertEqual(pages[small], pages[large], pages)


@tagged('post_install', '-at_install')
class TestPortalContractTour(ServiceTourCase):
    """A customer's contact in a real browser: My Account > Contracts > a contract, its
    upcoming invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        qweb = cls.env['ir.qweb']
        # The portal's bundles, built once (as ServiceTourCase does for the web client's).
        for bundle in ('web.assets_frontend', 'web.assets_frontend_minimal',
                       'web.assets_frontend_lazy'):
            qweb._get_asset_bundle(bundle, css=False, js=True).js()
        qweb._get_asset_bundle('web.assets_frontend', css=True, js=False).css()
        customer = cls.env['res.partner'].create({'name': "Tour Cooling Corp"})
        contact = cls.env['res.partner'].create({
            'name': "Tina Tour", 'parent_id': customer.id, 'email': 'tina@tour.example.com'})
        cls.user = portal_user(cls.env, 'portal_tour_tina', contact)
        product = cls.env['product.product'].create({
            'name': "Tour Maintenance", 'type': 'service', 'lst_price': 1200.0,
            'taxes_id': [fields.Command.clear()]})
        cls.contract = cls.env['service.contract'].create({
            'partner_id': customer.id, 'description': "Tour cooling upkeep",
            'date_start': fields.Date.today().replace(day=1), 'invoice_period': 'month',
            'line_ids': [fields.Command.create({'product_id': product.id})],
        })
        cls.contract.action_sign()

    def test_portal_user_reads_the_upcoming_invoices_and_writes_to_the_seller(self):
        self.start_tour('/my', 'service_invoicing_portal_contract_tour', login=self.user.login)
        message = self.contract.message_ids.filtered(
            lambda message: "Please call before the visit" in (message.body or ''))
        self.assertEqual(message.author_id, self.user.partner_id)
        self.assertEqual(message.subtype_id, self.env.ref('mail.mt_comment'))
