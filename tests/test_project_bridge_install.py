"""A company that already bills timesheets with Odoo installs Service Invoicing: the Projects
bridge installs itself and its backlog knows what Odoo already invoiced."""

import os
import subprocess
import textwrap

from conftest import ROOT, run_script

BEFORE_AND_AFTER = textwrap.dedent('''
    import sys
    from datetime import date
    import odoo
    from odoo import api, Command
    from odoo.modules.registry import Registry
    odoo.tools.config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2]])
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        # Odoo alone: an order billed on timesheets, 14 h logged, 12 h invoiced by Odoo.
        hour = env.ref('uom.product_uom_hour')
        product = env['product.product'].create({
            'name': 'Consulting', 'type': 'service', 'service_type': 'timesheet',
            'invoice_policy': 'delivery', 'service_tracking': 'no', 'uom_id': hour.id,
            'list_price': 100.0})
        customer = env['res.partner'].create({'name': 'Early Customer'})
        order = env['sale.order'].create({'partner_id': customer.id, 'order_line': [
            Command.create({'product_id': product.id, 'product_uom_qty': 40.0})]})
        order.action_confirm()
        project = env['project.project'].create({
            'name': 'Early project', 'allow_billable': True, 'allow_timesheets': True,
            'partner_id': customer.id, 'sale_line_id': order.order_line.id})
        employee = env['hr.employee'].create({'name': 'Early Employee'})
        for day, hours in ((2, 8.0), (3, 4.0), (20, 2.0)):
            env['account.analytic.line'].create({
                'project_id': project.id, 'employee_id': employee.id, 'unit_amount': hours,
                'date': date(2026, 3, day), 'name': 'Work'})
        wizard = env['sale.advance.payment.inv'].with_context(
            active_model='sale.order', active_ids=order.ids).create({
                'advance_payment_method': 'delivered',
                'date_start_invoice_timesheet': date(2026, 3, 1),
                'date_end_invoice_timesheet': date(2026, 3, 10)})
        wizard.create_invoices()
        order.invoice_ids.action_post()
        print('odoo invoiced', order.order_line.qty_invoiced)
        # Then Service Invoicing, from the Apps menu.
        env['ir.module.module'].search(
            [('name', '=', 'service_invoicing')]).button_immediate_install()
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        bridge = env['ir.module.module'].search([('name', '=', 'service_invoicing_project')])
        print('bridge', bridge.state)
        timesheets = env['account.analytic.line'].search(
            [('project_id.name', '=', 'Early project')], order='date')
        print('approved', timesheets.mapped('service_approved'))
        print('statuses', [(item.billing_status, item.qty_to_invoice) for item
                           in timesheets.service_billing_item_ids.sorted('date')])
        line = timesheets.so_line
        print('delivered', line.qty_delivered, 'to invoice', line.qty_to_invoice)
''')


def test_the_projects_bridge_finds_what_odoo_invoiced(tmp_path):
    database = f'service_invoicing_projects_{os.getpid()}'
    odoo_src = os.environ.get('ODOO_SRC', '/opt/odoo')
    script = tmp_path / 'install.py'
    script.write_text(BEFORE_AND_AFTER)
    try:
        created = run_script([str(ROOT / '.venv/bin/python'), f'{odoo_src}/odoo-bin', '-c',
                              str(ROOT / 'build/odoo.conf'), '-d', database, '-i',
                              'sale_timesheet', '--stop-after-init'])
        assert created.returncode == 0, created.stderr[-2000:]
        process = run_script([str(ROOT / '.venv/bin/python'), str(script),
                              str(ROOT / 'build/odoo.conf'), database])
    finally:
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)
    assert process.returncode == 0, process.stderr[-3000:]
    assert 'odoo invoiced 12.0' in process.stdout
    assert 'bridge installed' in process.stdout
    # Time Odoo billed without approval is taken as approved; what it invoiced is posted,
    # the rest is ready, and nothing is billable twice.
    assert 'approved [True, True, True]' in process.stdout
    assert ("statuses [('invoice_posted', 0.0), ('invoice_posted', 0.0), ('ready', 2.0)]"
            in process.stdout)
    assert 'delivered 14.0 to invoice 2.0' in process.stdout
