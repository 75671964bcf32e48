"""The demo's customer portal: a contact of a contract customer and a contact of the project's
customer log in to /my; each reads exactly their company's contracts, shipments, backlog and
invoices, and the forecast each contract page shows is what Create Contract Invoices bills on
those days.

Read in the demo's database (run once for the session: conftest.demo_run) with Odoo's ORM as
each portal user (odoo-bin shell); the invoicing runs of the forecast comparison are rolled
back."""

import json
import re

from conftest import run_script

# Prints one JSON line after the marker.
PORTAL_SCRIPT = r'''
import json
from dateutil.relativedelta import relativedelta
from odoo import fields

AMOUNTS = ('amount_untaxed', 'amount_tax', 'amount_total')
facts = {'users': {}, 'forecast': {}}
today = fields.Date.context_today(env['service.contract'])
for user in env['res.users'].search([('share', '=', True), ('login', 'in', ['nora', 'walter'])]):
    company = user.partner_id.commercial_partner_id
    as_user = env(user=user)
    own = {
        'service.contract': [('partner_id', 'child_of', company.id),
                             ('state', 'in', ('signed', 'cancelled'))],
        'service.shipment': [('partner_id', 'child_of', company.id)],
        'service.billing.item': [('partner_id', '=', company.id)],
        'account.move': [('partner_id', 'child_of', company.id), ('state', '=', 'posted'),
                         ('move_type', 'in', ('out_invoice', 'out_refund'))],
    }
    facts['users'][user.login] = {
        'company': company.name,
        'portal': user._is_portal(),
        'waiting_for_customer': as_user['service.time.approval'].search(
            [('state', '=', 'to_approve')]).mapped('hours'),
        **{model: {'seen': sorted(as_user[model].search([]).ids),
                   'own': sorted(env[model].search(domain).ids)}
           for model, domain in own.items()},
    }
# Every demo contract's forecast against the runs, in a savepoint rolled back.
for contract in env['service.contract'].search([('state', '=', 'signed')]):
    if contract.combine_invoices:
        continue  # its page says the combined invoice's total is not known in advance
    shown = [[str(row['invoice_date'])] + [round(row[amount], 2) for amount in AMOUNTS]
             for row in contract._invoice_forecast(today)]
    billed = []
    with env.cr.savepoint(flush=False) as savepoint:
        horizon = today + relativedelta(months=12, days=-1)
        while contract.next_invoice_date and contract.next_invoice_date <= horizon:
            day = max(contract.next_invoice_date, today)
            invoices = contract._create_contract_invoices(day, day).invoices
            if not invoices:
                break
            billed += [[str(invoice.invoice_date)] + [round(invoice[amount], 2)
                                                       for amount in AMOUNTS]
                       for invoice in invoices]
        savepoint.rollback()
    facts['forecast'][contract.name] = {'shown': shown, 'billed': billed}
print('PORTAL ' + json.dumps(facts))
'''


def read_portal(demo_run):
    script = demo_run.tmp_path / 'portal.py'
    script.write_text(PORTAL_SCRIPT)
    process = run_script(['bash', '-c', '. tools/setup.sh && "$VENV/bin/python" '
                          '"$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$0" --no-http '
                          '--log-level=error < "$1"', demo_run.database, str(script)],
                         timeout=300)
    found = re.search(r'^PORTAL (.*)$', process.stdout, re.M)
    assert found, (process.stdout + process.stderr)[-3000:]
    return json.loads(found.group(1))


def test_each_portal_user_reads_exactly_their_company_and_the_forecast_is_what_is_billed(
        demo_run):
    assert demo_run.process.returncode == 0, demo_run.output[-3000:]
    # The summary gives the logins and what each reads.
    logins = dict(re.findall(r'^  portal: +(\w+) / \1 \(.*?, (.*?)\): ', demo_run.output, re.M))
    assert logins == {'nora': "Northwind Cooling", 'walter': "Woodgrove Laboratories"}, \
        demo_run.output[-3000:]
    facts = read_portal(demo_run)
    assert set(facts['users']) == {'nora', 'walter'}
    for login, user in facts['users'].items():
        assert user['company'] == logins[login]
        assert user['portal'], login
        for model in ('service.contract', 'service.shipment', 'service.billing.item',
                      'account.move'):
            assert user[model]['seen'] == user[model]['own'], (login, model, user[model])
    # Each reads something of their own: contracts and shipments for the contract customer,
    # the project's backlog and invoice for the project's customer.
    nora, walter = facts['users']['nora'], facts['users']['walter']
    assert nora['service.contract']['seen'] and nora['service.shipment']['seen']
    assert nora['account.move']['seen']
    assert walter['service.billing.item']['seen'] and walter['account.move']['seen']
    # The project's customer has a week of time to approve (Customer Approves Time), which
    # waits for them in the backlog.
    assert re.search(r'^  portal: +walter / walter .*periods of time to approve 1$',
                     demo_run.output, re.M), demo_run.output[-3000:]
    assert re.search(r'^  time to approve: +.*7\.50 h To Approve by the customer',
                     demo_run.output, re.M), demo_run.output[-3000:]
    assert walter['waiting_for_customer'] == [7.5]
    assert not (set(nora['service.billing.item']['seen'])
                & set(walter['service.billing.item']['seen']))
    # The forecast of every contract (combined ones aside) is what the runs bill; the expired
    # contract and the one without an invoice period have none.
    for name, forecast in facts['forecast'].items():
        assert forecast['shown'] == forecast['billed'], (name, forecast)
    assert len([name for name, forecast in facts['forecast'].items() if forecast['shown']]) \
        >= 5, facts['forecast']
