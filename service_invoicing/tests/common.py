import threading
from contextlib import contextmanager
from datetime import date

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests import get_db_name

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


# Builders of the tests' data, for the test classes below and the browser tours alike.

def build_contract(env, partner, lines, sign=True, **values):
    """A monthly contract of ``partner`` from January 2026 unless told, billing ``lines``
    [(product, quantity, price per year)], signed and locked unless told."""
    contract = env['service.contract'].create({
        'partner_id': partner.id,
        'date_start': date(2026, 1, 1),
        'invoice_period': 'month',
        'line_ids': [
            Command.create({'product_id': product.id, 'quantity': qty, 'price_unit': price})
            for product, qty, price in lines
        ],
        **values,
    })
    if sign:
        contract.action_sign()
    return contract


def build_order(env, partner, lines, confirm=True, **values):
    """An order of ``partner`` for ``lines`` [(product, quantity)], confirmed unless told."""
    order = env['sale.order'].create({
        'partner_id': partner.id,
        'order_line': [
            Command.create({'product_id': product.id, 'product_uom_qty': quantity})
            for product, quantity in lines
        ],
        **values,
    })
    if confirm:
        order.action_confirm()
    return order


def post_order(order_or_lines, option, ship=None, invoice=None, consume=None, **options):
    """Post an order (or some of its lines) by product: ``ship={product: qty}``; returns the
    invoices."""
    lines = order_or_lines.order_line if order_or_lines._name == 'sale.order' \
        else order_or_lines

    def by_line(quantities):
        return {line: qty for product, qty in (quantities or {}).items()
                for line in lines.filtered(lambda line, p=product: line.product_id == p)}
    return lines._service_post(option, ship=by_line(ship), invoice=by_line(invoice),
                               consume=by_line(consume), **options)


def committed_contracts(env, name, count):
    """For tests that commit: ``count`` signed monthly contracts from January 2026 of one new
    customer, each billing a service of 1,200 a year: (customer, product, contracts)."""
    partner = env['res.partner'].create({'name': f"{name} Customer"})
    product = env['product.product'].create(
        {'name': f"{name} Service", 'type': 'service', 'lst_price': 1200.0})
    contracts = env['service.contract'].create([{
        'partner_id': partner.id, 'date_start': date(2026, 1, 1), 'invoice_period': 'month',
        'line_ids': [Command.create({'product_id': product.id})],
    } for _index in range(count)])
    contracts.action_sign()
    return partner, product, contracts


def remove_committed_contracts(env, contract_ids, product_id, partner_id):
    """Undo ``committed_contracts``: their invoices, the contracts, product and customer."""
    contracts = env['service.contract'].browse(contract_ids)
    contracts.period_ids.invoice_id.unlink()
    contracts.action_open()
    contracts.unlink()
    env['product.product'].browse(product_id).unlink()
    env['res.partner'].browse(partner_id).unlink()


def run_workers(worker, cursors):
    """Run ``worker(name)`` in a thread per cursor name at once, then close the cursors."""
    threads = [threading.Thread(target=worker, args=(name,)) for name in cursors]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        for cr in cursors.values():
            cr.close()


class CommittedIntegrityMixin:
    """Tests that commit (workers, daily jobs) end with the billing integrity check of the
    database as they left it, read in a transaction of its own."""

    def tearDown(self):
        registry = Registry(get_db_name())
        with registry.cursor() as cr:
            broken = api.Environment(cr, SUPERUSER_ID, {})[
                'service.billing.integrity']._find_broken_invariants()
        super().tearDown()
        self.assertFalse(broken, "The test left broken billing invariants:\n" + "\n".join(
            f"- [{finding['rule']}] {finding['message']}" for finding in broken))


class ServiceInvoicingCommon(AccountTestInvoicingCommon):
    """Customers, service products with taxes and a helper to make signed contracts."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref('service_invoicing.group_service_manager')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale_journal = cls.company_data['default_journal_sale']
        cls.revenue_account = cls.company_data['default_account_revenue']
        cls.tax_15 = cls.tax_sale_a
        cls.customer = cls.env['res.partner'].create(
            {'name': "Cooling Corp", 'email': 'billing@cooling.example.com'})
        cls.customer_2 = cls.env['res.partner'].create(
            {'name': "Heating Ltd", 'email': 'ap@heating.example.com'})
        cls.maintenance = cls._create_product(
            name="Maintenance visit", type='service', lst_price=1200.0,
            taxes_id=[Command.set(cls.tax_15.ids)])
        cls.hotline = cls._create_product(
            name="Hotline", type='service', lst_price=600.0,
            taxes_id=[Command.set(cls.tax_15.ids)])

    def tearDown(self):
        # Every test ends with the billing integrity check: whatever it did, through whichever
        # path, no money invariant may be left broken.
        broken = self.broken_invariants()
        super().tearDown()
        self.assertFalse(broken, "The test left broken billing invariants:\n" + "\n".join(
            f"- [{finding['rule']}] {finding['message']}" for finding in broken))

    def broken_invariants(self):
        """The billing integrity check of the whole database, as the nightly job runs it."""
        return self.env(su=True)['service.billing.integrity']._find_broken_invariants()

    @classmethod
    def create_contract(cls, lines=None, sign=True, partner=None, **values):
        """A contract billing 1,200 a year by default, signed and locked unless told."""
        lines = lines if lines is not None else [(cls.maintenance, 1.0, 1200.0)]
        return build_contract(cls.env, partner or cls.customer, lines, sign=sign, **values)

    @contextmanager
    def assert_refused(self, exception, pattern):
        """Refused with ``exception`` whose message matches ``pattern``, and everything the
        refused call wrote is rolled back (as a request is)."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def invoice(self, contracts, invoice_to_date, posting_date=None, **options):
        return contracts._create_contract_invoices(
            invoice_to_date, posting_date or invoice_to_date, **options)

    # The batches create invoices complete, without Odoo's line synchronisation: each must be
    # exactly the invoice Odoo's standard path gives for the same input.

    def standard_invoice(self, invoice):
        """The same invoice made by Odoo's standard path from products, prices and taxes."""
        return self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': invoice.partner_id.id,
            'journal_id': invoice.journal_id.id, 'invoice_date': invoice.invoice_date,
            'date': invoice.date, 'currency_id': invoice.currency_id.id,
            'invoice_payment_term_id': invoice.invoice_payment_term_id.id,
            'fiscal_position_id': invoice.fiscal_position_id.id,
            'invoice_line_ids': [Command.create({
                'product_id': line.product_id.id, 'name': line.name, 'sequence': line.sequence,
                'quantity': line.quantity,
                'price_unit': line.price_unit, 'discount': line.discount,
                'product_uom_id': line.product_uom_id.id,
                'tax_ids': [Command.set(line.tax_ids.ids)],
                'analytic_distribution': line.analytic_distribution,
            }) for line in invoice.invoice_line_ids],
        })

    def snapshot(self, invoice):
        def lines(kind):
            return sorted(
                (line.account_id.id, line.product_id.id, tuple(line.tax_ids.ids),
                 line.tax_line_id.id, line.tax_repartition_line_id.id,
                 tuple(line.tax_tag_ids.ids), line.partner_id.id,
                 # A payment term line is named after its invoice's number.
                 line.name if kind != 'payment_term' else '',
                 line.sequence, line.balance, line.amount_currency, line.debit, line.credit,
                 line.price_subtotal, line.price_total, line.tax_base_amount,
                 line.date_maturity, line.analytic_distribution or {})
                for line in invoice.line_ids if line.display_type == kind)
        return {
            'totals': (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total,
                       invoice.amount_residual, invoice.amount_total_signed,
                       invoice.invoice_date_due, invoice.payment_state,
                       invoice.commercial_partner_id.id, invoice.tax_totals['total_amount']),
            'product': lines('product'), 'tax': lines('tax'),
            'payment_term': lines('payment_term'),
        }

    def assert_same_as_standard(self, invoices):
        self.assertTrue(invoices)
        for invoice in invoices:
            standard = self.standard_invoice(invoice)
            if invoice.state == 'draft':
                self.assertEqual(self.snapshot(invoice), self.snapshot(standard), invoice.name)
                invoice.action_post()
            standard.action_post()
            self.assertEqual(self.snapshot(invoice), self.snapshot(standard), invoice.name)
            self.assertEqual(self.analytic_items(invoice), self.analytic_items(standard),
                             invoice.name)

    def analytic_items(self, invoice):
        """The analytic items posting created, by analytic account and amount."""
        return sorted((tuple(item[name].id for name in item._get_plan_fnames() if item[name]),
                       item.amount)
                      for item in invoice.line_ids.analytic_line_ids)


class ServiceOrderCommon(ServiceInvoicingCommon):
    """Service orders with a goods line (a consumable spare part) and a service line.

    The same tests run with Service Invoicing alone (everything is shipped by posting) and
    with its Inventory bridge (goods shipped through Odoo deliveries): they assert what both
    give, the posted shipment lines and the order lines' figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.filter_kit = cls._create_product(
            name="Filter kit", type='consu', lst_price=50.0, invoice_policy='delivery')
        cls.labour = cls._create_product(
            name="Repair labour", type='service', lst_price=80.0, invoice_policy='delivery')

    @classmethod
    def create_order(cls, lines, partner=None, confirm=True, **values):
        return build_order(cls.env, partner or cls.customer, lines, confirm=confirm, **values)

    def post(self, order_or_lines, option, ship=None, invoice=None, consume=None, **options):
        """Post by product: ``ship={product: qty}``; returns the invoices."""
        return post_order(order_or_lines, option, ship=ship, invoice=invoice, consume=consume,
                          **options)

    def line_of(self, order, product):
        return order.order_line.filtered(lambda line: line.product_id == product)

    def shipment_lines(self, order, product=None):
        """The posted shipment lines of ``order`` (of ``product``), oldest first."""
        lines = order.service_shipment_ids.line_ids
        if product:
            lines = lines.filtered(lambda line: line.product_id == product)
        return lines.sorted(lambda line: (line.date, line.id))
