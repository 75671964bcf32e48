"""What runs inside one Odoo process of the benchmark: populate data, invoice, check, send.

Each task runs in its own process on its own copy of the data (``bench/run.py`` starts them)
so that every system starts from the same database and the same cold caches. A task prints
one line ``RESULT {json}`` with its figures.
"""

import cProfile
import hashlib
import json
import os
import pstats
import resource
import sys
import time
from datetime import date

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

BILLING_DATE = date(2026, 1, 1)
# Monthly prices of the three service lines; our contracts hold yearly prices (x12).
SERVICES = [("Maintenance", 100.0), ("Hotline", 50.0), ("Remote monitoring", 20.0)]


def rss_mb():
    with open('/proc/self/statm', encoding='ascii') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Meter:
    """Wall time, SQL queries and memory of the code run inside ``with``; with
    ``count_calls`` (set from a task's parameter of that name), the Python function calls instead
    of a meaningful time: a count that barely moves between runs of the same code (a few
    thousand calls in 25 million), whatever the host is doing (the profiler doubles the
    time)."""

    count_calls = False

    def __enter__(self):
        self.rss_before = rss_mb()
        self.queries = sql_db.sql_counter
        self.profile = cProfile.Profile() if self.count_calls else None
        self.start = time.time()
        if self.profile:
            self.profile.enable()
        return self

    def __exit__(self, *_exc):
        if self.profile:
            self.profile.disable()
        self.end = time.time()
        self.queries = sql_db.sql_counter - self.queries
        self.peak = peak_mb()

    def figures(self, **extra):
        figures = {
            'start': self.start, 'end': self.end, 'seconds': self.end - self.start,
            'queries': self.queries, 'peak_mb': round(self.peak, 1),
            'rss_before_mb': round(self.rss_before, 1), **extra,
        }
        if self.profile:
            figures['python_calls'] = pstats.Stats(self.profile).total_calls
        return figures


def wait_for_go(go_file):
    """Several workers start together: each loads Odoo, says READY, then waits."""
    if not go_file:
        return
    print('READY', flush=True)
    while not os.path.exists(go_file):
        time.sleep(0.02)


# --- scenario 1: contracts -------------------------------------------------------------------

def service_products(env):
    tax = env.company.account_sale_tax_id
    products = env['product.product'].search([('default_code', '=like', 'BENCH-SRV-%')],
                                             order='default_code')
    if not products:
        products = env['product.product'].create([{
            'name': name, 'default_code': f'BENCH-SRV-{index}', 'type': 'service',
            'lst_price': price * 12, 'taxes_id': [Command.set(tax.ids)],
        } for index, (name, price) in enumerate(SERVICES)])
    return products


def customers(env, count, prefix='Bench customer'):
    partners = env['res.partner'].search([('name', '=like', f'{prefix} %')], order='id')
    missing = count - len(partners)
    if missing > 0:
        partners |= env['res.partner'].create([{
            'name': f'{prefix} {index:06d}', 'email': f'customer{index}@bench.example.com',
        } for index in range(len(partners), count)])
    return partners[:count]


def populate_contracts(env, n):
    """N customers, each with one monthly contract of three taxed service lines in both systems."""
    products = service_products(env)
    partners = customers(env, n)
    Contract = env['service.contract'].with_context(tracking_disable=True)
    Oca = env['contract.contract'].with_context(tracking_disable=True)
    for start in range(0, n, 500):
        chunk = partners[start:start + 500]
        ours = Contract.create([{
            'partner_id': partner.id, 'date_start': BILLING_DATE, 'invoice_period': 'month',
            'prepaid': True,
            'line_ids': [Command.create({'product_id': product.id, 'quantity': 1.0,
                                         'price_unit': price * 12})
                         for product, (_name, price) in zip(products, SERVICES, strict=True)],
        } for partner in chunk])
        ours.action_sign()
        Oca.create([{
            'name': f'OCA {partner.name}', 'partner_id': partner.id, 'contract_type': 'sale',
            'line_recurrence': True,
            'contract_line_ids': [Command.create({
                'product_id': product.id, 'name': name, 'quantity': 1.0,
                'uom_id': product.uom_id.id, 'price_unit': price,
                'recurring_rule_type': 'monthly', 'recurring_interval': 1,
                'recurring_invoicing_type': 'pre-paid', 'date_start': BILLING_DATE,
            }) for product, (name, price) in zip(products, SERVICES, strict=True)],
        } for partner in chunk])
        env.cr.commit()
    return {'contracts': n}


def contracts_ours(env, post=False, chunk=200, go_file=None, guard=True, fast_check='on',
                   **_kw):
    Contract = env['service.contract']
    if not guard:
        # What the statistics guard is worth: the same run without it (this process only).
        type(Contract)._refresh_stale_statistics = lambda self: []
    check = fast_path_check(env, fast_check)
    domain = Contract._invoicing_domain(BILLING_DATE)
    wait_for_go(go_file)
    with Meter() as meter:
        result = Contract._run_contract_invoicing(
            domain, BILLING_DATE, BILLING_DATE, post=post, chunk_size=chunk, commit=True)
    invoices = result.invoices
    return meter.figures(invoices=len(invoices), failed=len(result.failed),
                         lines=sum(len(move.invoice_line_ids) for move in invoices), **check)


def fast_path_check(env, mode):
    """How invoices are created in this process. 'on' (the product as shipped): complete,
    the first invoice of each shape created by Odoo's standard create and compared, and the
    time spent in that check measured; 'skip': complete without the check (the fast path as
    it was before the check); 'param_off': the system parameter sends every invoice through
    Odoo's standard create. Returns the figures, filled in during the run."""
    Move = type(env['account.move'])
    figures = {'check_seconds': 0.0, 'shape_checks': 0, 'check_ms': []}
    if not hasattr(Move, '_service_check_shapes'):
        return figures
    if mode == 'skip':
        Move._service_check_shapes = lambda self, vals_list, complete, batch: [0] * len(vals_list)
    elif mode == 'param_off':
        env['ir.config_parameter'].sudo().set_param('service_invoicing.fast_invoice_create', '0')
        env.cr.commit()
    else:
        check = Move._service_check_shapes

        def timed_check(self, vals_list, complete, batch):
            checks, start = batch.get('shape_checks', 0), time.time()
            try:
                return check(self, vals_list, complete, batch)
            finally:
                figures['check_seconds'] += time.time() - start
                figures['shape_checks'] += batch.get('shape_checks', 0) - checks
                figures['check_ms'].append(round(1000 * (time.time() - start)))
        Move._service_check_shapes = timed_check
    return figures


def contracts_oca(env, post=False, **_kw):
    with Meter() as meter:
        before = env['account.move'].search([], order='id desc', limit=1).id or 0
        env['contract.contract'].cron_recurring_create_invoice(BILLING_DATE)
        invoices = env['account.move'].search([('id', '>', before),
                                               ('move_type', '=', 'out_invoice')])
        if post:
            invoices.action_post()
        env.cr.commit()
    return meter.figures(invoices=len(invoices),
                         lines=sum(len(move.invoice_line_ids) for move in invoices))


def check_contracts(env, sample=200, **_kw):
    """Our invoices against Odoo's standard path, and every period billed exactly once."""
    env.cr.execute("""SELECT count(*), count(DISTINCT (contract_id, date_start))
                        FROM service_contract_period""")
    periods, distinct = env.cr.fetchone()
    contracts = env['service.contract'].search_count([('state', '=', 'signed')])
    invoices = env['account.move'].search(
        [('invoice_line_ids.service_contract_id', '!=', False)], order='id')
    mismatches = compare_with_standard_path(env, invoices[:sample])
    env.cr.rollback()
    return {'contracts': contracts, 'periods': periods, 'periods_distinct': distinct,
            'invoices': len(invoices), 'compared': min(sample, len(invoices)),
            'mismatches': mismatches}


def invoice_snapshot(move):
    """What must be equal: totals, every line's account, taxes and amounts, in order."""
    def lines(kind):
        return sorted(
            (line.account_id.code, line.product_id.id, tuple(line.tax_ids.ids),
             line.tax_line_id.id, round(line.balance, 2), round(line.price_subtotal, 2),
             round(line.price_total, 2), str(line.date_maturity or ''))
            for line in move.line_ids if line.display_type == kind)
    return {
        'totals': (move.amount_untaxed, move.amount_tax, move.amount_total,
                   move.amount_residual, move.state, move.journal_id.id,
                   move.partner_id.id, move.currency_id.id, str(move.invoice_date),
                   str(move.invoice_date_due), move.invoice_payment_term_id.id,
                   move.fiscal_position_id.id),
        'product': lines('product'), 'tax': lines('tax'),
        'payment_term': lines('payment_term'),
    }


def compare_with_standard_path(env, invoices):
    """Create each invoice again from products, quantities and prices only: Odoo computes
    accounts, taxes and payment terms itself. Returns the differences found."""
    mismatches = []
    Move = env['account.move'].with_context(default_move_type='out_invoice')
    for move in invoices:
        try:
            with env.cr.savepoint():
                standard = Move.create({
                    'move_type': 'out_invoice', 'partner_id': move.partner_id.id,
                    'journal_id': move.journal_id.id, 'invoice_date': move.invoice_date,
                    'currency_id': move.currency_id.id,
                    'invoice_payment_term_id': move.invoice_payment_term_id.id,
                    'fiscal_position_id': move.fiscal_position_id.id,
                    'invoice_line_ids': [Command.create({
                        'product_id': line.product_id.id, 'name': line.name,
                        'quantity': line.quantity, 'price_unit': line.price_unit,
                        'product_uom_id': line.product_uom_id.id, 'discount': line.discount,
                    }) for line in move.invoice_line_ids],
                })
                if move.state == 'posted':
                    standard.action_post()
                ours, theirs = invoice_snapshot(move), invoice_snapshot(standard)
                if ours != theirs:
                    mismatches.append({'invoice': move.name, 'ours': repr(ours),
                                       'standard': repr(theirs)})
                raise _Rollback
        except _Rollback:
            env.invalidate_all()
    return mismatches


class _Rollback(Exception):
    """Undoes the standard-path copy of an invoice once compared."""


# --- scenario 2: shipments ------------------------------------------------------------------

def populate_orders(env, m):
    """M confirmed sale orders of three storable lines and a service line: the goods
    delivered (every fourth partially), the service shipped by posting (a posted shipment)."""
    tax = env.company.account_sale_tax_id
    products = env['product.product'].create([{
        'name': f'Spare part {index}', 'default_code': f'BENCH-PART-{index}',
        'is_storable': True, 'lst_price': 10.0 * (index + 1), 'invoice_policy': 'delivery',
        'taxes_id': [Command.set(tax.ids)],
    } for index in range(3)])
    labour = env['product.product'].create({
        'name': 'Repair labour', 'default_code': 'BENCH-LABOUR', 'type': 'service',
        'lst_price': 80.0, 'invoice_policy': 'delivery', 'taxes_id': [Command.set(tax.ids)]})
    warehouse = env['stock.warehouse'].search([('company_id', '=', env.company.id)], limit=1)
    for product in products:
        env['stock.quant']._update_available_quantity(product, warehouse.lot_stock_id,
                                                      10.0 * m)
    partners = customers(env, max(m // 2, 1), prefix='Bench shop')
    Order = env['sale.order'].with_context(tracking_disable=True, mail_notrack=True)
    for start in range(0, m, 100):
        orders = Order.create([{
            'partner_id': partners[index % len(partners)].id,
            'order_line': [Command.create({'product_id': product.id,
                                           'product_uom_qty': 2.0 + line})
                           for line, product in enumerate(products)]
            + [Command.create({'product_id': labour.id, 'product_uom_qty': 1.5})],
        } for index in range(start, min(start + 100, m))])
        orders.action_confirm()
        hours = orders.order_line.filtered(lambda line: line.product_id == labour)
        if hasattr(hours, '_service_post'):
            hours._service_post('ship', ship={line: line.product_uom_qty for line in hours})
        pickings = orders.picking_ids
        pickings.action_assign()
        for index, picking in enumerate(pickings):
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty - (1.0 if index % 4 == 3 else 0.0)
                move.picked = True
        pickings.with_context(skip_backorder=True, skip_sms=True).button_validate()
        env.cr.commit()
        # The data base starts young (analyzed empty): without this, Odoo's delivery queries
        # are planned for empty tables and creating the orders takes many times longer.
        env.cr.execute('ANALYZE')
    return {'orders': m}


def shipments_odoo(env, **_kw):
    orders = env['sale.order'].search([('invoice_status', '=', 'to invoice')])
    with Meter() as meter:
        wizard = env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=orders.ids).create(
                {'advance_payment_method': 'delivered'})
        invoices = wizard._create_invoices(orders)
        env.cr.commit()
    return meter.figures(invoices=len(invoices), orders=len(orders),
                         lines=len(invoices.invoice_line_ids))


def shipments_ours(env, **_kw):
    with Meter() as meter:
        invoices, _failed, _left = env['service.shipment.line']._combine_shipments(
            BILLING_DATE.replace(year=2100))
        env.cr.commit()
    return meter.figures(invoices=len(invoices), lines=len(invoices.invoice_line_ids))


def check_shipments(env, sample=0, **_kw):
    """Nothing left to invoice; ``sample`` invoices compared with Odoo's standard path."""
    lines = env['sale.order.line'].search([('order_id.state', '=', 'sale')])
    pending = [line.id for line in lines
               if line.qty_delivered > line.qty_invoiced]
    invoices = env['account.move'].search([('move_type', '=', 'out_invoice')], order='id')
    result = {'lines_left_to_invoice': len(pending), 'invoices': len(invoices),
              'amount_untaxed': round(sum(invoices.mapped('amount_untaxed')), 2),
              'qty_invoiced': sum(lines.mapped('qty_invoiced'))}
    if sample:
        result['compared'] = min(sample, len(invoices))
        result['mismatches'] = compare_with_standard_path(env, invoices[:sample])
        env.cr.rollback()
    return result


# --- scenario 3: sending --------------------------------------------------------------------

def prepare_sending(env, k, base_url, **_kw):
    """K posted invoices of three lines, one per customer, queued for Odoo's sending."""
    params = env['ir.config_parameter'].sudo()
    params.set_param('web.base.url', base_url)
    params.set_param('web.base.url.freeze', True)
    params.set_param('account.pdf_generation_batch', '0')
    products = service_products(env)
    partners = customers(env, k, prefix='Bench mailing')
    invoices = env['account.move'].create([{
        'move_type': 'out_invoice', 'partner_id': partner.id, 'invoice_date': BILLING_DATE,
        'invoice_line_ids': [Command.create({'product_id': product.id, 'price_unit': price})
                             for product, (_name, price) in zip(products, SERVICES,
                                                                strict=True)],
    } for partner in partners])
    invoices.action_post()
    invoices.sending_data = {'author_user_id': env.user.id,
                             'author_partner_id': env.user.partner_id.id}
    env.cr.commit()
    return {'invoices': len(invoices)}


def sending_odoo(env, **_kw):
    """Odoo's standard queued sending: its cron job, rerun until the queue is empty."""
    Move = env['account.move']
    domain = [('sending_data', '!=', False), ('state', '=', 'posted')]
    count = Move.search_count(domain)
    with Meter() as meter:
        while Move.search_count(domain):
            Move._cron_account_move_send()
            env.cr.commit()
        env['mail.mail'].sudo().process_email_queue()
        env.cr.commit()
    return meter.figures(invoices=count)


def sending_ours(env, go_file=None, **_kw):
    Move = env['account.move']
    if not hasattr(Move, '_service_send_queued_invoices'):
        return {'skipped': "account.move._service_send_queued_invoices is missing"}
    wait_for_go(go_file)
    with Meter() as meter:
        count = Move._service_send_queued_invoices()
    return meter.figures(invoices=count)


# --- scenario 7: the billing backlog ---------------------------------------------------------

def populate_backlog(env, items=100000):
    """Monthly contracts of three service lines since January 2016, signed: the backlog holds
    each one's periods due (about 130 up to today), ``items`` in all; a third of them are
    marked not ready, as a long-running company's backlog would hold."""
    from odoo.addons.service_invoicing.tools.trusted import trusted
    products = service_products(env)
    count = items // 130 + 1
    partners = customers(env, count, prefix='Bench backlog')
    Contract = env['service.contract'].with_context(tracking_disable=True)
    for start in range(0, count, 100):
        Contract.create([{
            'partner_id': partner.id, 'date_start': date(2016, 1, 1), 'invoice_period': 'month',
            'line_ids': [Command.create({'product_id': product.id, 'quantity': 1.0,
                                         'price_unit': price * 12})
                         for product, (_name, price) in zip(products, SERVICES, strict=True)],
        } for partner in partners[start:start + 100]]).action_sign()
        env.cr.commit()
    Item = env['service.billing.item']
    trusted(Item.sudo().search([]).filtered(lambda item: item.id % 3 == 0)).ready = False
    env.cr.commit()
    return {'items': Item.search_count([]), 'contracts': count}


def backlog_views(env, repeats=3, **_kw):
    """What the backlog's views ask of the server (Odoo's own web_search_read and
    web_read_group, as the web client calls them), each timed in this process: the best of
    ``repeats`` runs, in milliseconds."""
    Item = env['service.billing.item'].with_context(lang='en_US')
    waiting = [('billing_status', 'in', ('not_ready', 'ready'))]
    partner = env['res.partner'].search([('name', '=like', 'Bench backlog %')], limit=1)
    spec = {name: {} for name in ('date', 'partner_id', 'source_type', 'name', 'qty_to_invoice',
                                  'amount', 'currency_id', 'billing_status')}
    spec['partner_id'] = {'fields': {'display_name': {}}}
    calls = {
        'list (waiting, first 80, count)': lambda: Item.web_search_read(
            waiting, spec, limit=80, count_limit=10001),
        'filter (a customer, ready)': lambda: Item.web_search_read(
            [('partner_id', 'child_of', partner.ids), ('billing_status', '=', 'ready')],
            spec, limit=80, count_limit=10001),
        'group by customer': lambda: Item.web_read_group(
            waiting, ['partner_id'], ['amount:sum'], limit=80),
        'group by status': lambda: Item.web_read_group([], ['billing_status'], ['amount:sum']),
        'group by month': lambda: Item.web_read_group(
            waiting, ['date:month'], ['amount:sum'], limit=80),
        'pivot customer x status': lambda: Item.formatted_read_group(
            [], ['partner_id', 'billing_status'], ['amount:sum'], limit=80),
        'aging (customer x month)': lambda: Item.formatted_read_group(
            waiting, ['partner_id', 'date:month'], ['amount:sum'], limit=80),
    }
    figures = {}
    for label, call in calls.items():
        best = None
        for _run in range(repeats):
            env.invalidate_all()
            start = time.perf_counter()
            call()
            elapsed = 1000 * (time.perf_counter() - start)
            best = elapsed if best is None else min(best, elapsed)
        figures[label] = round(best, 1)
    return {'items': Item.search_count([]), 'ms': figures,
            'slowest_ms': max(figures.values())}


def populate_proformas(env, n=1000):
    """N customers with three contract periods each due (quarterly catch-up of a monthly
    contract), ready in the backlog."""
    products = service_products(env)
    partners = customers(env, n, prefix='Bench proforma')
    Contract = env['service.contract'].with_context(tracking_disable=True)
    for start in range(0, n, 500):
        chunk = Contract.create([{
            'partner_id': partner.id, 'date_start': date(2026, 1, 1), 'invoice_period': 'month',
            'line_ids': [Command.create({'product_id': product.id, 'quantity': 1.0,
                                         'price_unit': price * 12})
                         for product, (_name, price) in zip(products, SERVICES, strict=True)],
        } for partner in partners[start:start + 500]])
        chunk.action_sign()
        env.cr.commit()
    return {'contracts': n}


def proformas_ours(env, **_kw):
    """Proforma invoices of every ready item due by 31 March, one per customer."""
    items = env['service.billing.item'].search(
        [('billing_status', '=', 'ready'), ('date', '<=', date(2026, 3, 31))])
    with Meter() as meter:
        invoices, left_out = items._create_proformas('customer', date(2026, 3, 31))
        env.cr.commit()
    return meter.figures(invoices=len(invoices), left_out=len(left_out),
                         lines=len(invoices.invoice_line_ids))


def proformas_batch(env, **_kw):
    """The same periods by the contract batch (Create Contract Invoices up to 31 March)."""
    Contract = env['service.contract']
    with Meter() as meter:
        result = Contract._run_contract_invoicing(
            Contract._invoicing_domain(date(2026, 3, 31)), date(2026, 3, 31), date(2026, 3, 31),
            commit=True)
    return meter.figures(invoices=len(result.invoices),
                         lines=len(result.invoices.invoice_line_ids))


# --- scenario: time and material from approved timesheets ------------------------------------

TIMESHEET_MONTH = (date(2026, 3, 1), date(2026, 3, 31))


def populate_timesheets(env, projects=200, timesheets=10000, employees=120):
    """``projects`` customers, each with a confirmed order of consulting hours (invoiced on
    timesheets, 15% tax... the company's sales tax) and its project; ``timesheets`` timesheets
    spread over the projects, employees and the days of March 2026, approved by a project
    manager (Approve: their backlog items become ready)."""
    tax = env.company.account_sale_tax_id
    hour = env.ref('uom.product_uom_hour')
    consulting = env['product.product'].create({
        'name': "Bench consulting", 'default_code': 'BENCH-TS', 'type': 'service',
        'service_type': 'timesheet', 'invoice_policy': 'delivery', 'service_tracking': 'no',
        'uom_id': hour.id, 'lst_price': 95.0, 'taxes_id': [Command.set(tax.ids)]})
    staff = env['hr.employee'].create([{'name': f'Bench engineer {index:02d}'}
                                       for index in range(employees)])
    partners = customers(env, projects, prefix='Bench project customer')
    Order = env['sale.order'].with_context(tracking_disable=True)
    orders = Order.create([{
        'partner_id': partner.id,
        'order_line': [Command.create({'product_id': consulting.id, 'product_uom_qty': 400.0})],
    } for partner in partners])
    orders.action_confirm()
    projects_made = env['project.project'].with_context(tracking_disable=True).create([{
        'name': f'Bench project {index:04d}', 'partner_id': order.partner_id.id,
        'allow_billable': True, 'allow_timesheets': True,
        'sale_line_id': order.order_line.id, 'privacy_visibility': 'employees',
    } for index, order in enumerate(orders)])
    for order, project in zip(orders, projects_made, strict=True):
        order.project_id = project
    env.cr.commit()
    Timesheet = env['account.analytic.line'].with_context(tracking_disable=True)
    days = (TIMESHEET_MONTH[1] - TIMESHEET_MONTH[0]).days + 1
    for start in range(0, timesheets, 1000):
        made = Timesheet.create([{
            'project_id': projects_made[index % projects].id,
            'employee_id': staff[index % employees].id,
            # Quarter hours from 0.25 to 8: the totals must agree to the cent.
            'unit_amount': 0.25 * (1 + index * 7 % 32),
            'date': date(2026, 3, 1 + index * 13 % days),
            'name': f'Bench work {index}',
        } for index in range(start, min(start + 1000, timesheets))])
        made.action_service_approve()
        env.cr.commit()
    items = env['service.billing.item'].search_count(
        [('source_type', '=', 'timesheet'), ('billing_status', '=', 'ready')])
    return {'projects': projects, 'timesheets': timesheets, 'ready_items': items}


def _timesheet_orders(env):
    return env['sale.order'].search([('partner_id.name', '=like', 'Bench project customer %')],
                                    order='id')


def _totals(invoices):
    """What the customers are billed: per customer (untaxed, tax, total, hours)."""
    per_customer = {}
    for move in invoices:
        key = move.partner_id.name
        untaxed, tax, total, hours = per_customer.get(key, (0.0, 0.0, 0.0, 0.0))
        per_customer[key] = (round(untaxed + move.amount_untaxed, 2),
                             round(tax + move.amount_tax, 2),
                             round(total + move.amount_total, 2),
                             round(hours + sum(move.invoice_line_ids.mapped('quantity')), 2))
    return per_customer


def timesheets_odoo(env, **_kw):
    """Odoo's own Create Invoice of every project order, on its timesheets of March (the
    wizard's timesheet date range), as a user selecting all the orders would."""
    orders = _timesheet_orders(env)
    wizard = env['sale.advance.payment.inv'].with_context(
        active_model='sale.order', active_ids=orders.ids).create({
            'advance_payment_method': 'delivered',
            'date_start_invoice_timesheet': TIMESHEET_MONTH[0],
            'date_end_invoice_timesheet': TIMESHEET_MONTH[1]})
    with Meter() as meter:
        invoices = wizard._create_invoices(orders)
        env.cr.commit()
    return meter.figures(invoices=len(invoices), lines=len(invoices.invoice_line_ids),
                         totals=_totals(invoices))


def timesheets_ours(env, **_kw):
    """Proforma invoices of every ready timesheet item of March, one per customer."""
    items = env['service.billing.item'].search(
        [('source_type', '=', 'timesheet'), ('billing_status', '=', 'ready'),
         ('date', '<=', TIMESHEET_MONTH[1])])
    with Meter() as meter:
        invoices, left_out = items._create_proformas('customer', TIMESHEET_MONTH[1])
        env.cr.commit()
    return meter.figures(invoices=len(invoices), left_out=len(left_out),
                         lines=len(invoices.invoice_line_ids), totals=_totals(invoices))


# --- scenario: the customer portal of contracts -----------------------------------------------

PORTAL_LOGIN = 'bench_portal'


def populate_portal(env, contracts=1000, periods=24):
    """One customer with ``contracts`` monthly contracts of three service lines and a portal
    user (a contact of the customer); the first contract billed ``periods`` months, one posted
    invoice a month."""
    from dateutil.relativedelta import relativedelta
    products = service_products(env)
    customer = env['res.partner'].create({'name': "Bench portal customer", 'is_company': True})
    contact = env['res.partner'].create({
        'name': "Bench portal contact", 'parent_id': customer.id,
        'email': 'portal@bench.example.com'})
    env['res.users'].create({
        'login': PORTAL_LOGIN, 'password': PORTAL_LOGIN, 'partner_id': contact.id,
        'group_ids': [Command.set([env.ref('base.group_portal').id])]})
    start = date.today().replace(day=1) - relativedelta(months=periods)
    Contract = env['service.contract'].with_context(tracking_disable=True)
    made = Contract.browse()
    for first in range(0, contracts, 200):
        chunk = Contract.create([{
            'partner_id': customer.id, 'date_start': start, 'invoice_period': 'month',
            'description': f"Bench portal contract {index:05d}",
            'line_ids': [Command.create({'product_id': product.id, 'quantity': 1.0,
                                         'price_unit': price * 12})
                         for product, (_name, price) in zip(products, SERVICES, strict=True)],
        } for index in range(first, min(first + 200, contracts))])
        chunk.action_sign()
        made |= chunk
        env.cr.commit()
    billed = made[:1]
    for month in range(periods):
        day = start + relativedelta(months=month + 1, days=-1)
        billed._create_contract_invoices(day, day, post=True)
    env.cr.commit()
    return {'contracts': len(made), 'billed_contract': billed.id,
            'periods': len(billed.period_ids)}


def portal_client(env):
    """A werkzeug test client of Odoo's own WSGI application in this process (no network),
    logged in as the bench's portal user: its ``get(url)``."""
    import re

    from werkzeug.test import Client

    from odoo import http
    client = Client(http.root)

    def get(url):
        # Odoo's login records the remote address, which a test client does not set.
        return client.get(url, environ_base={'REMOTE_ADDR': '127.0.0.1'})

    login_page = get(f'/web/login?db={env.cr.dbname}').get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post('/web/login', environ_base={'REMOTE_ADDR': '127.0.0.1'}, data={
        'login': PORTAL_LOGIN, 'password': PORTAL_LOGIN, 'csrf_token': csrf,
        'db': env.cr.dbname})
    return get


def time_pages(get, pages, repeats):
    """{label: best ms}, {label: queries} of ``pages`` ({label: url}): the best of
    ``repeats`` after one warm-up, each in milliseconds of server time."""
    figures, queries = {}, {}
    for label, url in pages.items():
        response = get(url)
        if response.status_code != 200:
            raise RuntimeError(f'{url} answered {response.status_code}')
        best = None
        for _run in range(repeats):
            before = sql_db.sql_counter
            start = time.perf_counter()
            get(url)
            elapsed = 1000 * (time.perf_counter() - start)
            queries[label] = sql_db.sql_counter - before
            best = elapsed if best is None else min(best, elapsed)
        figures[label] = round(best, 1)
    return figures, queries


def portal_pages(env, repeats=3, **_kw):
    """The portal's contract pages as the customer's portal user asks for them, dispatched in
    this process by Odoo's own WSGI application (no network): the best of ``repeats`` after
    one warm-up, in milliseconds of server time, with their queries."""
    billed = env['service.contract'].search(
        [('partner_id.name', '=', "Bench portal customer"), ('period_ids', '!=', False)],
        limit=1)
    pages = {
        'list (first page, count)': '/my/service_contracts',
        'list (page 10)': '/my/service_contracts/page/10',
        'list (search in lines)': '/my/service_contracts?search=Hotline&search_in=lines',
        'list (next invoice date)': '/my/service_contracts?sortby=next_invoice',
        f'contract page ({len(billed.period_ids)} periods billed)': billed.access_url,
        'contract page (nothing billed)': billed.access_url.replace(
            str(billed.id), str(billed.id + 1)),
    }
    figures, queries = time_pages(portal_client(env), pages, repeats)
    return {'contracts': env['service.contract'].search_count([]), 'ms': figures,
            'queries': queries, 'slowest_ms': max(figures.values()),
            'items': env['service.billing.item'].search_count([])}


def portal_billing_pages(env, shipments=50, repeats=3, **_kw):
    """The portal's shipments and billing pages as the same portal user asks for them: its
    customer gets ``shipments`` posted shipments (an order of two service lines each, one
    line invoiced in part) beside the backlog of its contracts' due periods."""
    from odoo.fields import Domain
    products = service_products(env)
    contact = env['res.users'].search([('login', '=', PORTAL_LOGIN)]).partner_id
    orders = env['sale.order'].with_context(tracking_disable=True, mail_notrack=True).create([{
        'partner_id': contact.id,
        'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 3.0})
                       for product in products[:2]],
    } for _index in range(shipments)])
    orders.action_confirm()
    lines = orders.order_line
    lines._service_post('ship', ship=dict.fromkeys(lines, 3.0))
    first = lines.filtered(lambda line: line.product_id == products[0])
    first._service_post('invoice', invoice=dict.fromkeys(first, 1.0), post_invoice=True)
    env.cr.commit()
    env.cr.execute('ANALYZE')
    env.cr.commit()
    Item = env['service.billing.item']
    customer_items = Item._portal_domain(contact)
    pages = {
        'my shipments': '/my/shipments',
        'a shipment': orders[:1].service_shipment_ids.access_url,
        'my billing (first page, next invoice)': '/my/billing',
        'my billing (page 10)': '/my/billing/page/10',
        'my billing (waiting)': '/my/billing?filterby=waiting',
        'my billing (search in products)': '/my/billing?search=Hotline&search_in=product',
    }
    figures, queries = time_pages(portal_client(env), pages, repeats)
    return {'shipments': env['service.shipment'].search_count([]),
            'customer_items': Item.search_count(customer_items),
            'customer_ready': Item.search_count(
                customer_items & Domain('billing_status', '=', 'ready')),
            'items': Item.search_count([]), 'ms': figures, 'queries': queries,
            'slowest_ms': max(figures.values())}


def portal_time_pages(env, timesheets=2000, weeks=52, week_share=5, repeats=3, **_kw):
    """The portal's time to approve (the Projects bridge's /my/time) as the same portal user
    asks for it: a project of its customer with Customer Approves Time gets ``timesheets``
    timesheets over the last ``weeks`` weeks, one week in ``week_share`` of them all (a
    period of many timesheets), approved by the project manager: each week waits for the
    customer in its request."""
    from datetime import timedelta
    if 'service.time.approval' not in env:
        return {'skipped': 'the Projects bridge is not installed'}
    hour = env.ref('uom.product_uom_hour')
    consulting = env['product.product'].create({
        'name': "Bench portal consulting", 'default_code': 'BENCH-PORTAL-TS',
        'type': 'service', 'service_type': 'timesheet', 'invoice_policy': 'delivery',
        'service_tracking': 'no', 'uom_id': hour.id, 'lst_price': 95.0,
        'taxes_id': [Command.set(env.company.account_sale_tax_id.ids)]})
    customer = env['res.partner'].search([('name', '=', "Bench portal customer")], limit=1)
    order = env['sale.order'].with_context(tracking_disable=True).create({
        'partner_id': customer.id,
        'order_line': [Command.create({'product_id': consulting.id,
                                       'product_uom_qty': 10000.0})]})
    order.action_confirm()
    project = env['project.project'].with_context(tracking_disable=True).create({
        'name': "Bench portal project", 'partner_id': customer.id, 'allow_billable': True,
        'allow_timesheets': True, 'sale_line_id': order.order_line.id,
        'privacy_visibility': 'employees', 'service_customer_approval': True})
    order.project_id = project
    staff = env['hr.employee'].create([{'name': f'Bench portal engineer {index:03d}'}
                                       for index in range(100)])
    monday = date.today() - timedelta(days=date.today().weekday() + 7)
    big_week = timesheets // week_share
    Timesheet = env['account.analytic.line'].with_context(tracking_disable=True)
    values = []
    for index in range(timesheets):
        # The largest week is last week; the others are spread over the weeks before.
        week = 0 if index < big_week else 1 + index % (weeks - 1)
        values.append({
            'project_id': project.id, 'employee_id': staff[index % len(staff)].id,
            'unit_amount': 0.25 * (1 + index * 7 % 32),
            # One timesheet of an engineer a day at most in the largest week (8 h at most).
            'date': monday - timedelta(weeks=week) + timedelta(days=index // len(staff) % 5),
            'name': f'Bench portal work {index}'})
    for start in range(0, timesheets, 1000):
        Timesheet.create(values[start:start + 1000]).action_service_approve()
        env.cr.commit()
    env.cr.execute('ANALYZE')
    env.cr.commit()
    Approval = env['service.time.approval']
    requests = Approval.search([('project_id', '=', project.id)])
    largest = max(requests, key=lambda request: len(request.timesheet_ids))
    pages = {
        'my time (first page, count)': '/my/time',
        'my time (page 2)': '/my/time/page/2',
        'my time (to approve)': '/my/time?filterby=to_approve',
        f'a week of time ({len(largest.timesheet_ids)} timesheets)': largest.access_url,
    }
    figures, queries = time_pages(portal_client(env), pages, repeats)
    return {'timesheets': timesheets, 'periods': len(requests),
            'week_timesheets': len(largest.timesheet_ids),
            'items': env['service.billing.item'].search_count([]), 'ms': figures,
            'queries': queries, 'slowest_ms': max(figures.values())}


def integrity_check(env, **_kw):
    """The billing integrity check of the whole database, as its nightly job runs it: what it
    costs at the size of the run, and what it finds (nothing, after every run)."""
    with Meter() as meter:
        found = env['service.billing.integrity']._find_broken_invariants()
    return meter.figures(invoices=0, findings=len(found),
                         rules=sorted({finding['rule'] for finding in found}))



# --- scenario queue: the contract batch over queue_job runners -------------------------------

def queue_enqueue(env, chunk=25, post=False, **_kw):
    """Queue the contract batch as service_invoicing_queue does (jobs of ``chunk`` contracts
    on root.service_invoicing); the job runners of the running servers take them."""
    env['ir.config_parameter'].set_param('service_invoicing_queue.chunk_size', chunk)
    Contract = env['service.contract']
    contract_ids = Contract.search(Contract._invoicing_domain(BILLING_DATE), order='id').ids
    run = env['service.invoicing.run']._enqueue_contract_run(
        contract_ids, BILLING_DATE, BILLING_DATE, 'wizard', post=post)
    return {'run_id': run.id, 'contracts': len(contract_ids), 'jobs': len(run.chunk_ids)}


def queue_result(env, run_id, **_kw):
    """The run's state, and its time from queued to its last chunk's job done (the database's
    clock: the same for every server)."""
    run = env['service.invoicing.run'].browse(run_id)
    env.cr.execute("""SELECT count(*) FILTER (WHERE state = 'done'), count(*),
                             count(*) FILTER (WHERE state = 'failed'),
                             EXTRACT(EPOCH FROM max(date_done) - min(date_created)),
                             max(retry),
                             EXTRACT(EPOCH FROM max(date_done) - min(date_started))
                        FROM queue_job WHERE uuid = ANY(%s)""",
                   [run.chunk_ids.mapped('job_uuid')])
    done, jobs, failed, seconds, retries, running = env.cr.fetchone()
    # How many chunk jobs ran at once at most: the runners really shared the run.
    env.cr.execute("""SELECT max((SELECT count(*) FROM queue_job o
                                      WHERE o.uuid = ANY(%(uuids)s)
                                        AND o.date_started <= j.date_started
                                        AND o.date_done > j.date_started))
                         FROM queue_job j WHERE j.uuid = ANY(%(uuids)s)""",
                   {'uuids': run.chunk_ids.mapped('job_uuid')})
    at_once = env.cr.fetchone()[0]
    env.cr.execute("""SELECT round(avg(EXTRACT(EPOCH FROM date_done - date_started))::numeric, 2)
                        FROM queue_job WHERE uuid = ANY(%s)""", [run.chunk_ids.mapped('job_uuid')])
    job_seconds = float(env.cr.fetchone()[0] or 0)
    invoices = run.invoice_ids
    return {'state': run.state, 'jobs_done': done, 'jobs': jobs, 'jobs_failed': failed,
            'seconds': float(seconds or 0), 'invoices': run.created_count,
            'lines': sum(len(move.invoice_line_ids) for move in invoices),
            'failed': run.failed_count, 'max_runs_of_a_job': retries,
            'jobs_at_once': at_once, 'seconds_per_job': job_seconds,
            # From the first job started: without the runner's pick-up of the run.
            'seconds_running': round(float(running or 0), 2),
            'queries': 0, 'peak_mb': 0, 'rss_before_mb': 0}


def contracts_fingerprint(env, **_kw):
    """What the batch billed, per billed period (contract, period, invoice totals, lines),
    as one digest: equal digests are equal invoices; and every period billed once."""
    env.cr.execute("""
        SELECT p.contract_id, p.date_start, p.date_end, m.invoice_date, m.state,
               m.amount_untaxed, m.amount_tax, m.amount_total, m.partner_id, m.journal_id,
               (SELECT array_agg(ARRAY[l.product_id, l.account_id, l.price_subtotal::int,
                                       l.price_total::int] ORDER BY l.product_id, l.id)
                  FROM account_move_line l
                 WHERE l.move_id = m.id AND l.display_type = 'product'
                   AND l.service_contract_id = p.contract_id)
          FROM service_contract_period p JOIN account_move m ON m.id = p.invoice_id
         ORDER BY p.contract_id, p.date_start""")
    rows = env.cr.fetchall()
    env.cr.execute("""SELECT count(*), count(DISTINCT (contract_id, date_start))
                        FROM service_contract_period""")
    periods, distinct = env.cr.fetchone()
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    return {'periods': periods, 'periods_distinct': distinct, 'digest': digest}


TASKS_QUEUE = {'queue_enqueue': queue_enqueue, 'queue_result': queue_result,
               'contracts_fingerprint': contracts_fingerprint}


# --- scenario: contract price updates -----------------------------------------------------

PRICE_UPDATE_DATE = date(2027, 1, 1)


def populate_price_update(env, n=1000):
    """N customers, each with one monthly contract of three taxed service lines (ours only),
    due for a price update on 1 January 2027."""
    products = service_products(env)
    partners = customers(env, n)
    Contract = env['service.contract'].with_context(tracking_disable=True)
    for start in range(0, n, 500):
        Contract.create([{
            'partner_id': partner.id, 'date_start': BILLING_DATE, 'invoice_period': 'month',
            'prepaid': True,
            'line_ids': [Command.create({'product_id': product.id, 'quantity': 1.0,
                                         'price_unit': price * 12})
                         for product, (_name, price) in zip(products, SERVICES, strict=True)],
        } for partner in partners[start:start + 500]]).action_sign()
        env.cr.commit()
    return {'contracts': n}


def price_update_ours(env, **_kw):
    """A price update of every contract due: its test report (HTML, before the proposal),
    the proposal, then Apply; each measured on its own and committed."""
    run = env['service.price.update'].create({
        'update_to_date': PRICE_UPDATE_DATE, 'effective_date': PRICE_UPDATE_DATE,
        'method': 'percentage', 'percentage': 3.5})
    env.cr.commit()
    figures = {}
    with Meter() as meter:
        html = env['ir.actions.report']._render_qweb_html(
            'service_invoicing.action_report_price_update_test', run.ids)[0]
    figures['test_report'] = meter.figures(invoices=0, html_kb=round(len(html) / 1024))
    with Meter() as meter:
        run.action_propose()
        env.cr.commit()
    figures['propose'] = meter.figures(invoices=0, lines=run.line_count,
                                       contracts=run.contract_count)
    env.invalidate_all()
    with Meter() as meter:
        run.action_apply()
        env.cr.commit()
    history = env['service.contract.price.history'].search_count([('update_id', '=', run.id)])
    figures['apply'] = meter.figures(invoices=0, history=history, state=run.state)
    return figures


TASKS = {
    'populate_contracts': populate_contracts, 'contracts_ours': contracts_ours,
    'contracts_oca': contracts_oca, 'check_contracts': check_contracts,
    'populate_orders': populate_orders, 'shipments_odoo': shipments_odoo,
    'shipments_ours': shipments_ours, 'check_shipments': check_shipments,
    'prepare_sending': prepare_sending, 'sending_odoo': sending_odoo,
    'sending_ours': sending_ours,
    'populate_backlog': populate_backlog, 'backlog_views': backlog_views,
    'populate_proformas': populate_proformas, 'proformas_ours': proformas_ours,
    'proformas_batch': proformas_batch,
    'populate_timesheets': populate_timesheets, 'timesheets_odoo': timesheets_odoo,
    'timesheets_ours': timesheets_ours, 'integrity_check': integrity_check,
    'populate_portal': populate_portal, 'portal_pages': portal_pages,
    'portal_billing_pages': portal_billing_pages, 'portal_time_pages': portal_time_pages,
    'populate_price_update': populate_price_update, 'price_update_ours': price_update_ours,
}


def main():
    conf, db, task, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    Meter.count_calls = params.pop('count_calls', False)
    config.parse_config(['-c', conf, '-d', db])
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = {**TASKS, **TASKS_QUEUE}[task](env, **params)
        cr.commit()
    print('RESULT ' + json.dumps(result, default=str), flush=True)


if __name__ == '__main__':
    main()
