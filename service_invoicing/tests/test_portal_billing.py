"""The customer portal's shipments (/my/shipments) and billing (/my/billing), through HTTP as
the customers' portal users read them, and through JSON-RPC as a portal user may call it."""

from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from ..tools.formatting import format_money
from .common import ServiceOrderCommon
from .tour_common import ServiceTourCase


def text_of(element):
    """An element's text as a reader sees it: one space between words (no-break spaces
    too)."""
    return ' '.join(element.text_content().replace('\xa0', ' ').split())


@tagged('post_install', '-at_install')
class TestPortalBilling(ServiceOrderCommon, HttpCase):
    """Two customers (Cooling Corp with two contacts on the portal, Heating Ltd with one), a
    customer of another company, and what each may see of shipments and billing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.is_company = True
        cls.customer_2.is_company = True
        cls.alice = cls._portal_user('portal_alice', "Alice Cool", cls.customer)
        cls.bob = cls._portal_user('portal_bob', "Bob Cool", cls.customer)
        cls.hank = cls._portal_user('portal_hank', "Hank Heat", cls.customer_2)
        cls.company_2_data = cls.setup_other_company(name="Other Company")
        cls.company_2 = cls.company_2_data['company']
        cls.stranger_customer = cls.env['res.partner'].create(
            {'name': "Northwind", 'is_company': True, 'company_id': cls.company_2.id})
        cls.nina = cls._portal_user('portal_nina', "Nina North", cls.stranger_customer,
                                    company=cls.company_2)

        # Cooling Corp: an order shipped (3 hours of labour, 2 filter kits) of which 1 hour
        # is invoiced and posted, and a draft invoice (a proforma under review) of 1 kit.
        cls.order = cls.create_order([(cls.labour, 3.0), (cls.filter_kit, 4.0)],
                                     partner=cls.alice.partner_id,
                                     client_order_ref="PO-COOL-7")
        cls.env['sale.order.line'].browse(cls.order.order_line.ids)._service_post(
            'ship', ship={cls.order.order_line[0]: 3.0, cls.order.order_line[1]: 2.0})
        cls.shipment = cls.order.service_shipment_ids
        cls.invoice = cls.order.order_line._service_post(
            'invoice', invoice={cls.order.order_line[0]: 1.0}, post_invoice=True)
        cls.draft = cls.order.order_line._service_post(
            'invoice', invoice={cls.order.order_line[1]: 1.0})
        # Heating Ltd: an order shipped, nothing invoiced.
        cls.order_2 = cls.create_order([(cls.labour, 5.0)], partner=cls.customer_2)
        cls.order_2.order_line._service_post('ship', ship={cls.order_2.order_line: 5.0})
        cls.shipment_2 = cls.order_2.service_shipment_ids

    @classmethod
    def _portal_user(cls, login, name, company_partner, company=None):
        company = company or cls.env.company
        contact = cls.env['res.partner'].create({
            'name': name, 'parent_id': company_partner.id, 'email': f'{login}@example.com',
            'company_id': company_partner.company_id.id})
        return new_test_user(cls.env, login=login, groups='base.group_portal', name=name,
                             partner_id=contact.id, company_id=company.id,
                             company_ids=[Command.set(company.ids)])

    def get(self, url, login=None, **params):
        """GET ``url`` as ``login`` (anonymous when None), not following redirects."""
        self.authenticate(login, login)
        return self.url_open(url, params=params, allow_redirects=False, timeout=120)

    def page(self, url, login, **params):
        response = self.get(url, login, **params)
        self.assertEqual(response.status_code, 200, f"{url} as {login}: {response.text[:300]}")
        return html.fromstring(response.content)

    def assert_refused(self, response):
        """Sent back to the portal's home (or its login) and shown nothing."""
        self.assertIn(response.status_code, (302, 303))
        self.assertRegex(response.headers['Location'], r'/(my|web/login)')

    def rows(self, tree, css_class):
        return [[text_of(cell) for cell in row.xpath('./td|./th')]
                for row in tree.xpath(f'//tr[contains(@class, "{css_class}")]')]

    def shipments_listed(self, tree):
        return [text_of(link) for link in tree.xpath('//a[contains(@href, "/my/shipments/")]')]

    def money(self, amount, currency=None):
        return format_money(self.env, amount, currency or self.env.company.currency_id) \
            .replace('\xa0', ' ')

    # --- Shipments --------------------------------------------------------------------------

    def test_shipments_of_the_users_company_every_contact_alike(self):
        for login in ('portal_alice', 'portal_bob'):
            tree = self.page('/my/shipments', login)
            self.assertEqual(self.shipments_listed(tree), [self.shipment.name], login)
            self.assertIn("PO-COOL-7", text_of(tree))
        tree = self.page('/my/shipments', 'portal_hank')
        self.assertEqual(self.shipments_listed(tree), [self.shipment_2.name])
        self.assertNotIn(self.shipment.name, text_of(tree))
        self.assertNotIn(self.shipment.name, text_of(self.page('/my/shipments', 'portal_nina')))

    def test_shipments_search_sort_filter_and_pager(self):
        for params, expected in [
            ({'search': "Repair labour", 'search_in': 'product'}, [self.shipment.name]),
            ({'search': "PO-COOL", 'search_in': 'order'}, [self.shipment.name]),
            ({'search': self.shipment.name, 'search_in': 'name'}, [self.shipment.name]),
            ({'search': "Filter"}, [self.shipment.name]),
            ({'search': "Nothing like it"}, []),
            ({'filterby': 'to_invoice'}, [self.shipment.name]),
            ({'filterby': 'invoiced'}, []),
            # What a forged URL sends is read as the defaults.
            ({'sortby': 'id desc; drop table', 'filterby': 'x', 'search_in': 'y'},
             [self.shipment.name]),
            ({'sortby': 'status'}, [self.shipment.name]),
        ]:
            tree = self.page('/my/shipments', 'portal_alice', **params)
            self.assertEqual(self.shipments_listed(tree), expected, params)
        # A page beyond the last one is empty, not an error.
        self.page('/my/shipments/page/7', 'portal_alice')

    def test_shipment_page_lines_invoices_order_and_pdf(self):
        tree = self.page(f'/my/shipments/{self.shipment.id}', 'portal_alice')
        # Shipped = Invoiced + In Draft Invoices + Left to Invoice, in the glossary's words.
        self.assertEqual(
            [text_of(th) for th in tree.xpath('(//div[@id="service_shipment_content"]'
                                             '//table)[1]//thead//th')],
            ["Product", "Shipped", "Invoiced", "In Draft Invoices", "Left to Invoice"])
        self.assertEqual(self.rows(tree, 'o_service_shipment_line'), [
            ["Repair labour", "3.00 Units", "1.00", "0.00", "2.00"],
            ["Filter kit", "2.00 Units", "0.00", "1.00", "1.00"],
        ])
        self.assertIn("Partly Invoiced", text_of(tree))
        # The posted invoice, linked to Odoo's own invoice page; never the draft.
        self.assertEqual(self.rows(tree, 'o_service_shipment_invoice'), [
            [self.invoice.name, self.invoice.invoice_date.strftime('%m/%d/%Y'),
             self.money(self.invoice.amount_total), "Not Paid"]])
        self.assertEqual(
            tree.xpath('//tr[contains(@class, "o_service_shipment_invoice")]//a/@href'),
            [f'/my/invoices/{self.invoice.id}'])
        self.assertEqual(tree.xpath('//a[contains(@class, "o_service_shipment_order")]/@href'),
                         [f'/my/orders/{self.order.id}'])
        self.assertFalse(tree.xpath(f'//a[@href="/my/invoices/{self.draft.id}"]'))
        # Its PDF, the shipment's own report.
        response = self.get(f'/my/shipments/{self.shipment.id}', 'portal_alice', report_type='pdf')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        self.assertIn(self.shipment.name, response.content.decode(errors='ignore'))
        # Opened by a contact of the same company too, in its breadcrumbs.
        tree = self.page(f'/my/shipments/{self.shipment.id}', 'portal_bob')
        crumbs = tree.xpath('//ol[contains(@class, "breadcrumb")]/li')
        self.assertEqual([text_of(li) for li in crumbs][1:], ["Shipments", self.shipment.name])

    def test_forged_ids_and_tokens_are_refused_on_every_route(self):
        url = f'/my/shipments/{self.shipment.id}'
        # Another customer's user, another company's customer, anonymous: sent away.
        for login in ('portal_hank', 'portal_nina', None):
            self.assert_refused(self.get(url, login))
            self.assert_refused(self.get(url, login, report_type='pdf'))
        # Ids that are no shipment.
        self.assert_refused(self.get('/my/shipments/999999999', 'portal_alice'))
        self.assert_refused(self.get(f'/my/shipments/{self.shipment_2.id}', 'portal_alice'))
        # The lists are for logged-in users only.
        self.assert_refused(self.get('/my/shipments', None))
        self.assert_refused(self.get('/my/billing', None))

        token = self.shipment._portal_ensure_token()
        other_token = self.shipment_2._portal_ensure_token()
        self.assertTrue(token)
        for login in (None, 'portal_hank', 'portal_nina'):
            # The token opens its shipment, and its PDF...
            tree = self.page(url, login, access_token=token)
            self.assertIn("Repair labour", text_of(tree))
            response = self.get(url, login, access_token=token, report_type='pdf')
            self.assertEqual(response.status_code, 200)
            # ... and nothing else: no token for the invoices and the order it links to.
            links = tree.xpath('//a[contains(@href, "/my/invoices/") '
                               'or contains(@href, "/my/orders/")]/@href')
            self.assertEqual(sorted(links), sorted([f'/my/invoices/{self.invoice.id}',
                                                    f'/my/orders/{self.order.id}']))
            self.assert_refused(self.get(f'/my/invoices/{self.invoice.id}', login))
            # A forged token, another shipment's, or this one's on another shipment.
            for forged in ('x' * 36, other_token, token.upper(), ''):
                self.assert_refused(self.get(url, login, access_token=forged))
                self.assert_refused(self.get(url, login, access_token=forged,
                                             report_type='pdf'))
            if login != 'portal_hank':  # Heating Ltd's shipment is Hank's own
                self.assert_refused(self.get(f'/my/shipments/{self.shipment_2.id}', login,
                                             access_token=token))

    # --- Billing ----------------------------------------------------------------------------

    def _contract_for_alices_company(self):
        """A contract of Cooling Corp billing 1,200 a year monthly from the first of the month
        three months ago: its past periods are due in the backlog."""
        start = date.today().replace(day=1) - relativedelta(months=3)
        contract = self.create_contract(date_start=start)
        contract._sync_billing_items()
        return contract

    def test_billing_shows_what_is_not_invoiced_with_the_next_invoice(self):
        contract = self._contract_for_alices_company()
        Item = self.env['service.billing.item']
        # A clerk holds the filter kit back (Mark Not Ready): it waits.
        kit_item = Item.search([('order_id', '=', self.order.id),
                                ('product_id', '=', self.filter_kit.id)])
        kit_item.action_mark_not_ready()
        open_items = Item.search([('partner_id', '=', self.customer.id),
                                  ('billing_status', 'in', ('ready', 'not_ready'))])
        ready = open_items.filtered(lambda item: item.billing_status == 'ready')
        self.assertEqual(len(ready), len(contract.billing_item_ids) + 1)

        tree = self.page('/my/billing', 'portal_bob')
        items = self.rows(tree, 'o_service_billing_item')
        self.assertEqual(len(items), len(open_items))
        by_name = {row[1]: row for row in items}
        labour = by_name[self.line_of(self.order, self.labour).name]
        self.assertEqual(labour[2:], ["2.00 Units", self.money(160.0), "To Invoice"])
        kit = by_name[self.line_of(self.order, self.filter_kit).name]
        # 1 of the 2 kits shipped is on a draft invoice: 1 left, waiting.
        self.assertEqual(kit[2:], ["1.00 Units", self.money(50.0), "Waiting"])
        for item in contract.billing_item_ids:
            self.assertEqual(by_name[item.name][2:], ["", self.money(100.0), "To Invoice"])
        # Grouped by contract and order, each with what waits and what is to invoice.
        sources = self.rows(tree, 'o_service_billing_source')
        self.assertIn([f"Contract {contract.name}",
                       f"To Invoice {self.money(100.0 * len(contract.billing_item_ids))}"],
                      sources)
        self.assertIn([f"Order {self.order.name}",
                       f"Waiting {self.money(50.0)} To Invoice {self.money(160.0)}"], sources)

        estimate = text_of(tree.xpath('//div[contains(@class, "o_service_next_invoice")]')[0])
        # Filters, search and a forged sort read as the customer asked, or the defaults.
        for params, expected in [
            ({'filterby': 'waiting'}, 1),
            ({'filterby': 'to_invoice'}, len(ready)),
            ({'search': contract.name, 'search_in': 'source'}, len(contract.billing_item_ids)),
            ({'search': "Filter kit", 'search_in': 'product'}, 1),
            ({'search': self.order.name}, 2),
            ({'sortby': 'amount'}, len(open_items)),
            ({'sortby': '1; select', 'filterby': 'paid', 'search_in': 'cost'}, len(open_items)),
        ]:
            tree = self.page('/my/billing', 'portal_alice', **params)
            self.assertEqual(len(self.rows(tree, 'o_service_billing_item')), expected, params)

        # The next invoice is the proforma Create Proforma Invoices makes of what is ready.
        # (Made last: it puts the ready items on a draft.)
        proformas, _left_out = ready._create_proformas('customer')
        self.assertEqual(len(proformas), 1)
        self.assertIn(f"Untaxed Amount {self.money(proformas.amount_untaxed)}", estimate)
        self.assertIn(f"Total {self.money(proformas.amount_total)}", estimate)
        self.assertIn(f"15% {self.money(proformas.amount_tax)}", estimate)
        self.assertEqual(proformas.amount_untaxed, 160.0 + 100.0 * len(contract.billing_item_ids))

    def test_next_invoice_is_the_proforma_to_the_cent_with_price_included_taxes(self):
        """Many small lines with a price-included tax (21 % of 0.35, of 0.33 a month): the
        estimate is the invoice Create Proforma Invoices makes of the same items, to the
        cent, rounded per line or globally (it summed the contract periods into one line per
        product and taxed the sum: cents off, and a price-included tax counted as untaxed)."""
        included = self.env['account.tax'].create({
            'name': "VAT 21% incl.", 'amount': 21.0, 'price_include_override': 'tax_included'})
        cheap = [self._create_product(name=f"Washer {index}", type='service',
                                      lst_price=0.35 + index / 100,
                                      taxes_id=[Command.set(included.ids)])
                 for index in range(3)]
        Item = self.env['service.billing.item']
        for rounding in ('round_per_line', 'round_globally'):
            with self.subTest(rounding=rounding):
                self.env.company.tax_calculation_rounding_method = rounding
                self.env['account.move'].search([('partner_id', 'child_of', self.customer.id),
                                                 ('state', '=', 'draft')]).unlink()
                # Twelve orders of three washers shipped, and a contract of 4.00 a year
                # (0.33 a month, 0.34 the last) billed monthly for three months overdue.
                orders = self.env['sale.order'].browse([
                    self.create_order([(product, 1.0) for product in cheap],
                                      partner=self.alice.partner_id).id for _index in range(12)])
                orders.order_line._service_post('ship', ship=dict.fromkeys(orders.order_line,
                                                                           1.0))
                start = date.today().replace(day=1) - relativedelta(months=3)
                contract = self.create_contract(
                    date_start=start, lines=[(cheap[0], 1.0, 4.0), (self.maintenance, 1.0, 1.0)])
                contract._sync_billing_items()
                ready = Item.search([('partner_id', '=', self.customer.id),
                                     ('billing_status', '=', 'ready')])
                estimates = Item.with_user(self.bob)._portal_next_invoices(
                    Item._portal_domain(self.bob.partner_id))
                tree = self.page('/my/billing', 'portal_bob')
                shown = text_of(tree.xpath(
                    '//div[contains(@class, "o_service_next_invoice")]')[0])
                proformas, _left_out = ready._create_proformas('customer')
                self.assertEqual(len(proformas), 1)
                self.assertEqual(len(estimates), 1)
                totals = estimates[0]['tax_totals']
                self.assertEqual(
                    tuple(round(totals[key], 2) for key in (
                        'base_amount_currency', 'tax_amount_currency', 'total_amount_currency')),
                    (proformas.amount_untaxed, proformas.amount_tax, proformas.amount_total))
                self.assertIn(f"Untaxed Amount {self.money(proformas.amount_untaxed)}", shown)
                self.assertIn(f"Total {self.money(proformas.amount_total)}", shown)

    def test_billing_shows_nothing_of_another_customer_nor_internal_words(self):
        contract = self._contract_for_alices_company()
        Item = self.env['service.billing.item']
        Item.search([('order_id', '=', self.order.id)]).action_mark_not_ready()
        tree = self.page('/my/billing', 'portal_hank')
        self.assertEqual([row[1] for row in self.rows(tree, 'o_service_billing_item')],
                         [self.line_of(self.order_2, self.labour).name])
        page = text_of(tree)
        self.assertNotIn(self.order.name, page)
        self.assertNotIn(contract.name, page)
        self.assertEqual(self.rows(self.page('/my/billing', 'portal_nina'),
                                   'o_service_billing_item'), [])
        # Alice's own page: why an item waits in the clerk's words is never there, nor who
        # sells it.
        page = text_of(self.page('/my/billing', 'portal_alice'))
        self.assertIn("Waiting", page)
        for internal in ("Mark Ready", "Not Ready to Invoice", self.order.user_id.name):
            self.assertNotIn(internal, page)

    def test_home_tiles_count_shipments_and_billing(self):
        self.authenticate('portal_alice', 'portal_alice')
        counters = self.make_jsonrpc_request(
            '/my/counters', {'counters': ['service_shipment_count', 'service_billing_count']})
        self.assertEqual(counters, {'service_shipment_count': 1, 'service_billing_count': 1})
        self.authenticate('portal_nina', 'portal_nina')
        counters = self.make_jsonrpc_request(
            '/my/counters', {'counters': ['service_shipment_count', 'service_billing_count']})
        self.assertEqual(counters, {'service_shipment_count': 0, 'service_billing_count': 0})
        tree = self.page('/my/home', 'portal_alice')
        self.assertEqual(tree.xpath('//a[@href="/my/shipments"]/@title'), ["Shipments"])
        self.assertEqual(tree.xpath('//a[@href="/my/billing"]/@title'), ["Billing"])

    def queries_of(self, url, login):
        """The SQL queries of a page, once the caches it fills are warm."""
        self.authenticate(login, login)
        self.url_open(url, timeout=120)
        before = self.cr.sql_log_count
        response = self.url_open(url, timeout=120)
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - before

    def test_pages_read_their_rows_together(self):
        """No query per row: with three times the shipments, orders, contracts and backlog
        items, the pages ask the database the same number of times."""
        self._contract_for_alices_company()
        urls = ('/my/shipments', '/my/billing', f'/my/shipments/{self.shipment.id}')
        queries = {url: self.queries_of(url, 'portal_alice') for url in urls}
        for _index in range(2):
            self._contract_for_alices_company()
            # Alice's orders, as the first: the next invoice reads its invoice address once,
            # whatever the number of orders (another contact's is one query more, once).
            order = self.create_order([(self.labour, 2.0), (self.hotline, 1.0)],
                                      partner=self.alice.partner_id)
            order.order_line._service_post('ship', ship={line: line.product_uom_qty
                                                         for line in order.order_line})
        self.env.flush_all()
        self.assertEqual(len(self.env['service.shipment'].search(
            [('partner_id', 'child_of', self.customer.id)])), 3)
        for url, count in queries.items():
            self.assertEqual(self.queries_of(url, 'portal_alice'), count, url)

    # --- JSON-RPC ---------------------------------------------------------------------------

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(f'/web/dataset/call_kw/{model}/{method}', {
            'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs})

    def test_json_rpc_reads_only_the_users_company_and_writes_nothing(self):
        self._contract_for_alices_company()
        self.authenticate('portal_bob', 'portal_bob')
        shipments = self.call('service.shipment', 'search_read', [], fields=['name'])
        self.assertEqual([row['name'] for row in shipments], [self.shipment.name])
        lines = self.call('service.shipment.line', 'search_read', [], fields=['shipment_id'])
        self.assertEqual({row['shipment_id'][0] for row in lines}, set(self.shipment.ids))
        items = self.call('service.billing.item', 'search_read', [], fields=['partner_id'])
        self.assertTrue(items)
        self.assertEqual({row['partner_id'][0] for row in items}, set(self.customer.ids))
        # Another customer's records, even by their ids, and the company's own words.
        for model, ids in [('service.shipment', self.shipment_2.ids),
                           ('service.shipment.line', self.shipment_2.line_ids.ids),
                           ('service.billing.item', self.env['service.billing.item'].search(
                               [('partner_id', '=', self.customer_2.id)]).ids)]:
            with self.assertRaises(JsonRpcException, msg=model) as caught:
                self.call(model, 'read', ids, ['display_name'])
            self.assertEqual(caught.exception.args[0], 'odoo.exceptions.AccessError')
        with self.assertRaises(JsonRpcException) as caught:
            self.call('service.billing.item', 'read', [items[0]['id']], ['not_ready_reason'])
        self.assertEqual(caught.exception.args[0], 'odoo.exceptions.AccessError')
        # Nothing is written: not their own shipment, line or item either (refused by the
        # access rights, or first by the rule that only postings write them).
        for model, method, args in [
            ('service.shipment', 'write', [self.shipment.ids, {'date': '2020-01-01'}]),
            ('service.shipment', 'create', [{'order_id': self.order.id, 'date': '2020-01-01'}]),
            ('service.shipment', 'unlink', [self.shipment.ids]),
            ('service.shipment.line', 'write', [self.shipment.line_ids.ids, {'qty_consumed': 1}]),
            ('service.billing.item', 'write', [[items[0]['id']], {'ready': True}]),
            ('service.billing.item', 'action_mark_ready', [[items[0]['id']]]),
            ('service.billing.item', 'unlink', [[items[0]['id']]]),
        ]:
            with self.assertRaises(JsonRpcException, msg=(model, method)) as caught:
                self.call(model, method, *args)
            self.assertIn(caught.exception.args[0],
                          ('odoo.exceptions.AccessError', 'odoo.exceptions.UserError'),
                          (model, method))
        self.assertEqual(self.shipment.date, date.today())
        self.assertEqual(self.shipment.line_ids.mapped('qty_consumed'), [0.0, 0.0])


@tagged('post_install', '-at_install')
class TestPortalBillingTour(ServiceOrderCommon, ServiceTourCase):
    """The portal in a real (headless Chromium) browser, as a customer's contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The portal's bundles, built once for the class as ServiceTourCase builds the web
        # client's.
        qweb = cls.env['ir.qweb']
        qweb._get_asset_bundle('web.assets_frontend', css=False, js=True).js()
        qweb._get_asset_bundle('web.assets_frontend', css=True, js=False).css()
        customer = cls.env['res.partner'].create({'name': "Tour Portal Customer",
                                                  'is_company': True})
        contact = cls.env['res.partner'].create({'name': "Tess Tour", 'parent_id': customer.id,
                                                 'email': 'tess@example.com'})
        cls.portal_user = new_test_user(cls.env, login='portal_tess', name="Tess Tour",
                                        groups='base.group_portal', partner_id=contact.id)
        cls.labour_hours = cls._create_product(
            name="Tour Portal Labour", type='service', lst_price=80.0,
            invoice_policy='delivery', uom_id=cls.env.ref('uom.product_uom_hour').id,
            taxes_id=[Command.set(cls.tax_15.ids)])
        cls.order = cls.create_order([(cls.labour_hours, 5.0)], partner=contact)
        line = cls.order.order_line
        line._service_post('ship', ship={line: 5.0})
        line._service_post('invoice', invoice={line: 2.0}, post_invoice=True)

    def test_portal_user_reads_a_shipment_and_the_next_invoice(self):
        self.start_tour('/my', 'service_invoicing_portal_billing_tour',
                        login=self.portal_user.login)
        # What the tour read is what Odoo bills: the posted invoice of the 2 hours, and the
        # proforma Create Proforma Invoices makes of the 3 hours left.
        self.assertRecordValues(self.order.invoice_ids, [
            {'state': 'posted', 'amount_untaxed': 160.0, 'amount_total': 184.0}])
        items = self.env['service.billing.item'].search([('order_id', '=', self.order.id),
                                                          ('billing_status', '=', 'ready')])
        proformas, _left_out = items._create_proformas('customer')
        self.assertRecordValues(proformas, [{'amount_untaxed': 240.0, 'amount_total': 276.0}])

