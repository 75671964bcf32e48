"""A company installs Service Invoicing from the Apps menu of its Odoo 19."""

import os
import subprocess
import textwrap

from conftest import ROOT, run_script

INSTALL = textwrap.dedent('''
    import sys
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    odoo.tools.config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2]])
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env['ir.module.module'].update_list()          # Apps > Update Apps List
        app = env['ir.module.module'].search([('name', '=', 'service_invoicing')])
        print('listed', app.state, app.application, app.license, app.shortdesc)
        app.button_immediate_install()                   # Apps > Service Invoicing > Install
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        app = env['ir.module.module'].search([('name', '=', 'service_invoicing')])
        menu = env.ref('service_invoicing.menu_service_invoicing_root')
        cron = env.ref('service_invoicing.ir_cron_create_contract_invoices')
        modules = env['ir.module.module'].search(
            [('name', 'in', ('stock', 'service_invoicing_stock'))])
        print('installed', app.state, menu.name, cron.active,
              ','.join(sorted(app.dependencies_id.mapped('name'))),
              ','.join(f'{module.name}={module.state}' for module in modules.sorted('name')))
        # Later the company installs Inventory's sales flow: the bridge comes with it.
        env['ir.module.module'].search([('name', '=', 'sale_stock')]).button_immediate_install()
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        bridge = env['ir.module.module'].search([('name', '=', 'service_invoicing_stock')])
        print('with inventory', bridge.state)
''')


def test_install_from_the_apps_menu(tmp_path):
    database = f'service_invoicing_apps_{os.getpid()}'
    odoo_src = os.environ.get('ODOO_SRC', '/opt/odoo')
    script = tmp_path / 'install.py'
    script.write_text(INSTALL)
    try:
        created = run_script([str(ROOT / '.venv/bin/python'), f'{odoo_src}/odoo-bin', '-c',
                              str(ROOT / 'build/odoo.conf'), '-d', database, '-i', 'base',
                              '--stop-after-init'])
        assert created.returncode == 0, created.stderr[-2000:]
        process = run_script([str(ROOT / '.venv/bin/python'), str(script),
                              str(ROOT / 'build/odoo.conf'), database])
    finally:
        subprocess.run(['dropdb', '--if-exists', database], cwd=ROOT, check=False)
    assert process.returncode == 0, process.stderr[-3000:]
    assert 'listed uninstalled True LGPL-3 Service Invoicing' in process.stdout
    # Inventory is never installed because of the app: a service company stays light.
    assert ('installed installed Service Invoicing True account,sale '
            'service_invoicing_stock=uninstalled,stock=uninstalled') in process.stdout
    assert 'with inventory installed' in process.stdout
