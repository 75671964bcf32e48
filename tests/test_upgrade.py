"""Upgrading is safe: a database of an earlier release (from git history) upgrades to the new
structure with what it holds intact: from 19.0.1.1.0, every contract, billed period, order,
shipment quantity and invoice link; from 19.0.2.1.0, the backlog's figures, the shipment
lines' quantities, the deliveries' invoicing statuses and the invoices' sending statuses
under the names docs/glossary.md gives them (19.0.2.2.0)."""

import json
import os
import subprocess
import textwrap

import pytest
from conftest import ROOT, run_script

# The last commit of release 19.0.1.1.0 (before the posted service shipments).
RELEASE_COMMIT = '5b48baf'
# A commit of 19.0.2.1.0 (the last before the fields were renamed after the glossary).
RELEASE_2_1_COMMIT = 'eb0a71d'

SETUP = textwrap.dedent('''
    import sys
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    odoo.tools.config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2]])
''')

# Run with the release's code: contracts billed and posted, an order shipped (a service by
# posting, goods by their delivery), consumed, invoiced, credited, a draft from Get Shipment
# Lines.
MAKE_DATA = SETUP + textwrap.dedent('''
    import json
    from datetime import date
    from odoo import Command
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        customer = env['res.partner'].create({'name': "Upgrade Customer"})
        maintenance, kit, labour = env['product.product'].create([
            {'name': "Upgrade maintenance", 'type': 'service', 'lst_price': 1200.0},
            {'name': "Upgrade kit", 'type': 'consu', 'lst_price': 50.0,
             'invoice_policy': 'delivery'},
            {'name': "Upgrade labour", 'type': 'service', 'lst_price': 80.0,
             'invoice_policy': 'delivery'},
        ])
        contracts = env['service.contract'].create([{
            'partner_id': customer.id, 'date_start': date(2026, 1, 1),
            'invoice_period': period, 'prepaid': prepaid,
            'line_ids': [Command.create({'product_id': maintenance.id, 'price_unit': price})],
        } for period, prepaid, price in (('month', False, 1200.0), ('quarter', True, 2400.0))])
        contracts.action_sign()
        contracts._create_contract_invoices(date(2026, 3, 31), date(2026, 3, 31), post=True)
        order = env['sale.order'].create({
            'partner_id': customer.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty})
                           for product, qty in ((kit, 10.0), (labour, 5.0))],
        })
        order.action_confirm()
        kit_line, labour_line = order.order_line
        order.order_line._service_post('ship', ship={kit_line: 4.0, labour_line: 3.0})
        order.order_line._service_post('consume', consume={labour_line: 1.0, kit_line: 0.5})
        invoice = order.order_line._service_post(
            'invoice', invoice={kit_line: 3.0, labour_line: 2.0}, post_invoice=True)
        credit = invoice._reverse_moves()
        credit.invoice_line_ids.filtered(lambda line: line.product_id == kit).quantity = 1.0
        credit.invoice_line_ids.filtered(lambda line: line.product_id == labour).unlink()
        credit.action_post()
        order.order_line._service_post('ship', ship={kit_line: 2.0})
        draft = env['account.move'].create({'move_type': 'out_invoice',
                                            'partner_id': customer.id})
        second = kit_line.move_ids.filtered(
            lambda move: move.state == 'done').sorted('id')[-1]
        draft.invoice_line_ids = [Command.create(kit_line._prepare_invoice_line(
            quantity=1.0, service_stock_move_id=second.id))]
        cr.commit()
        print(json.dumps(order.id))
''')

# Before and after: what a user and an accountant read, per document.
SNAPSHOT = SETUP + textwrap.dedent('''
    import json
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        new = 'service.shipment' in env
        order = env['sale.order'].browse(int(sys.argv[3]))
        periods = env['service.contract.period'].search([], order='contract_id, date_start')
        moves = order.order_line.move_ids.filtered(lambda move: move.state == 'done')
        if new:
            goods = order.order_line.shipment_line_ids.filtered('stock_move_id')
            services = order.order_line.shipment_line_ids - goods
            shipment_lines = [[line.picking_id.name, line.product_id.name, line.qty_shipped,
                               line.qty_invoiced, line.qty_consumed, line.qty_to_invoice]
                              for line in goods.sorted('stock_move_id')]
            services = [[line.product_id.name, line.qty_shipped, line.qty_invoiced,
                         line.qty_consumed, line.qty_to_invoice] for line in services]
        else:
            shipment_lines = [[move.picking_id.name, move.product_id.name, move.quantity,
                               move.service_qty_invoiced, move.service_qty_consumed,
                               move.service_qty_open] for move in moves.sorted('id')]
            services = None
        link = 'service_shipment_line_id' if new else 'service_stock_move_id'
        invoice_lines = env['account.move.line'].search(
            [('sale_line_ids', 'in', order.order_line.ids)], order='id')
        print(json.dumps({
            'bridge': env['ir.module.module'].search(
                [('name', '=', 'service_invoicing_stock')]).state,
            'contracts': [[c.name, c.state, c.change_status, c.annual_amount, c.currency_id.name,
                           str(c.next_invoice_date), str(c.invoiced_until),
                           [line.price_unit for line in c.line_ids]]
                          for c in env['service.contract'].search([], order='id')],
            'periods': [[p.contract_id.name, str(p.date_start), str(p.date_end), p.amount,
                         p.invoice_id.name, p.invoice_id.state] for p in periods],
            'order_lines': [[line.product_id.name, line.qty_delivered, line.qty_invoiced,
                             line.qty_to_invoice,
                             line.service_qty_consumed if new else line.qty_consumed]
                            for line in order.order_line],
            'shipment_lines': shipment_lines,
            'services': services,
            'invoice_links': [[line.move_id.name or 'draft', line.move_id.state,
                               line.product_id.name, line.quantity,
                               (line[link].picking_id.name if line[link] else None)]
                              for line in invoice_lines],
            'deliveries': [[picking.name, picking['service_invoice_status' if new
                                                  else 'service_invoice_state']]
                           for picking in order.picking_ids.sorted('id')],
        }))
''')


def odoo(*args):
    return run_script([str(ROOT / '.venv/bin/python'),
                       f"{os.environ.get('ODOO_SRC', '/opt/odoo')}/odoo-bin", *args])


def python(script, *args):
    return run_script([str(ROOT / '.venv/bin/python'), '-c', script, *args])


def release_configs(tmp_path, commit, addons):
    """(configuration with the addons as of ``commit``, configuration with today's): the
    release's code is taken from git history."""
    have = subprocess.run(['git', 'cat-file', '-e', f'{commit}^{{commit}}'], cwd=ROOT,
                          check=False, capture_output=True)
    if have.returncode:
        pytest.skip(f"release commit {commit} is not in this clone's history")
    release = tmp_path / 'release'
    release.mkdir()
    archive = subprocess.run(['git', 'archive', commit, *addons], cwd=ROOT,
                             check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', str(release)], input=archive, check=True)
    conf = (ROOT / 'build/odoo.conf').read_text()
    odoo_src = os.environ.get('ODOO_SRC', '/opt/odoo')
    old_conf, new_conf = tmp_path / 'release.conf', tmp_path / 'current.conf'
    old_conf.write_text(conf.replace(f'addons_path = {odoo_src}/addons,{ROOT}',
                                     f'addons_path = {odoo_src}/addons,{release}'))
    new_conf.write_text(conf)
    assert str(release) in old_conf.read_text()
    return old_conf, new_conf


def test_a_database_of_the_last_release_upgrades_intact(tmp_path):
    old_conf, new_conf = release_configs(tmp_path, RELEASE_COMMIT, ['service_invoicing'])
    database = f'service_invoicing_upgrade_{os.getpid()}'
    try:
        installed = odoo('-c', str(old_conf), '-d', database, '-i', 'service_invoicing',
                         '--stop-after-init')
        assert installed.returncode == 0, installed.stderr[-3000:]
        made = python(MAKE_DATA, str(old_conf), database)
        assert made.returncode == 0, made.stderr[-3000:]
        order_id = made.stdout.strip().splitlines()[-1]
        before = python(SNAPSHOT, str(old_conf), database, order_id)
        assert before.returncode == 0, before.stderr[-3000:]
        upgraded = odoo('-c', str(new_conf), '-d', database, '-u', 'service_invoicing',
                        '--stop-after-init')
        assert upgraded.returncode == 0, upgraded.stderr[-3000:]
        after = python(SNAPSHOT, str(new_conf), database, order_id)
        assert after.returncode == 0, after.stderr[-3000:]
    finally:
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)
    before, after = (json.loads(out.stdout.strip().splitlines()[-1]) for out in (before, after))
    assert after['bridge'] == 'installed'
    for key in ('contracts', 'periods', 'order_lines', 'shipment_lines', 'invoice_links',
                'deliveries'):
        assert after[key] == before[key], key
    # The service shipped by posting is a posted shipment line now, with the same figures:
    # 3 shipped, 1 consumed, 2 invoiced.
    assert after['services'] == [['Upgrade labour', 3.0, 2.0, 1.0, 0.0]]


# Run with 19.0.2.1.0's code (the fields' old names): goods shipped through their delivery and a
# service shipped by posting, invoiced (the service in full, and paid), a draft of the goods;
# invoices left by the sending workers queued, retrying, failed, in Odoo's mail queue, skipped.
MAKE_RENAMED_DATA = SETUP + textwrap.dedent('''
    from odoo import Command
    from odoo.addons.service_invoicing.tools.sending_failures import Failure
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        customer = env['res.partner'].create(
            {'name': "Renamed Customer", 'email': 'renamed@example.com'})
        kit, labour = env['product.product'].create([
            {'name': "Renamed kit", 'type': 'consu', 'lst_price': 50.0,
             'invoice_policy': 'delivery'},
            {'name': "Renamed labour", 'type': 'service', 'lst_price': 80.0,
             'invoice_policy': 'delivery'},
        ])
        order = env['sale.order'].create({
            'partner_id': customer.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty})
                           for product, qty in ((kit, 10.0), (labour, 5.0))],
        })
        order.action_confirm()
        kit_line, labour_line = order.order_line
        order.order_line._service_post('ship', ship={kit_line: 4.0, labour_line: 3.0})
        paid = order.order_line._service_post(
            'invoice', invoice={labour_line: 3.0, kit_line: 1.0}, post_invoice=True)
        env['account.payment.register'].with_context(
            active_model='account.move', active_ids=paid.ids).create({})._create_payments()
        order.order_line._service_post('invoice', invoice={kit_line: 1.0})
        invoices = env['account.move'].create([{
            'move_type': 'out_invoice', 'partner_id': customer.id,
            'invoice_line_ids': [Command.create({'product_id': labour.id})],
        } for _index in range(5)])
        invoices.action_post()
        _queued, retrying, failed, sending, skipped = invoices
        invoices._service_queue_sending()
        retrying._service_record_failure(Failure("451 try later", temporary=True, server=True))
        failed._service_record_failure(Failure("550 no such user", temporary=False, server=True))
        sending._service_record_pending(env['mail.mail'])
        skipped._service_record_skipped("Paid before it went.")
        cr.commit()
''')

# Before and after, by the names of each version: the figures and statuses renamed, the
# sending status a clerk reads (the workers' own before, where they kept one), and the rows of
# the renamed fields.
SNAPSHOT_RENAMED = SETUP + textwrap.dedent('''
    import json
    from odoo.tools import sql
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        new = 'qty_posted' in env['service.shipment.line']._fields
        names = {
            'service.billing.item': [
                'qty_to_invoice', 'qty_billable', 'qty_invoiced', 'qty_in_draft',
                'payment_status',
            ] if new else [
                'quantity', 'quantity_billable', 'quantity_invoiced', 'quantity_in_draft',
                'payment_state',
            ],
            'service.shipment.line': ['qty_posted' if new else 'quantity'],
            'stock.picking': ['service_invoice_status' if new else 'service_invoice_state'],
        }
        domains = {'stock.picking': [('sale_id', '!=', False), ('state', '=', 'done')]}
        invoices = env['account.move'].search(
            [('move_type', '=', 'out_invoice'), ('state', '=', 'posted')], order='id')
        print(json.dumps({
            'figures': {model: [[record.display_name, *(record[name] for name in fnames)]
                                for record in env[model].search(domains.get(model, []),
                                                                order='id')]
                        for model, fnames in names.items()},
            'sending': [[move.name, move.service_sending_status if new
                         else move.service_send_state or move.service_sending_status]
                        for move in invoices],
            'fields': [env['ir.model.fields']._get(model, name).id
                       for model, fnames in names.items() for name in fnames],
            'old_column': sql.column_exists(cr, 'account_move', 'service_send_state'),
        }))
''')


def test_a_database_of_19_0_2_1_0_keeps_its_figures_and_statuses_under_their_new_names(tmp_path):
    old_conf, new_conf = release_configs(
        tmp_path, RELEASE_2_1_COMMIT,
        ['service_invoicing', 'service_invoicing_stock', 'service_invoicing_project'])
    database = f'service_invoicing_upgrade_2_1_{os.getpid()}'
    try:
        installed = odoo('-c', str(old_conf), '-d', database, '-i',
                         'service_invoicing,sale_stock,sale_timesheet', '--stop-after-init')
        assert installed.returncode == 0, installed.stderr[-3000:]
        made = python(MAKE_RENAMED_DATA, str(old_conf), database)
        assert made.returncode == 0, made.stderr[-3000:]
        before = python(SNAPSHOT_RENAMED, str(old_conf), database)
        assert before.returncode == 0, before.stderr[-3000:]
        upgraded = odoo('-c', str(new_conf), '-d', database, '-u', 'service_invoicing',
                        '--stop-after-init')
        assert upgraded.returncode == 0, upgraded.stderr[-3000:]
        assert ' ERROR ' not in upgraded.stderr, upgraded.stderr[-3000:]
        after = python(SNAPSHOT_RENAMED, str(new_conf), database)
        assert after.returncode == 0, after.stderr[-3000:]
    finally:
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)
    before, after = (json.loads(out.stdout.strip().splitlines()[-1]) for out in (before, after))
    # The data says what it is meant to: a paid item, a delivery invoiced in part, the
    # workers' states.
    assert 'paid' in [row[-1] for row in before['figures']['service.billing.item']]
    assert [row[1:] for row in before['figures']['stock.picking']] == [['partial']]
    assert [status for _name, status in before['sending'][-5:]] == [
        'queued', 'retrying', 'failed', 'sending', 'skipped']
    # Same values under the new names, in the same fields' rows (renamed, not made anew).
    assert after['figures'] == before['figures']
    assert after['sending'] == before['sending']
    assert after['fields'] == before['fields']
    assert before['old_column'] and not after['old_column']
