"""The demo's project end to end, as its users see it: a customer's order with time and
material and a fixed price on milestones, three employees' timesheets over two weeks, the
first week approved by the project manager, the design milestone reached; the proforma invoice
of what was ready, confirmed and emailed; the billing backlog after it (the next week's
approved time ready, the rest waiting for approval, a call-out held by its not-to-exceed
limit, the milestones not reached).

The demo runs once for the session (conftest.demo_run: tools/demo.sh, SERVE=0, on its own
database and ports); what it left is read with Odoo's ORM (odoo-bin shell)."""

import email
import json
import re
import subprocess
from datetime import date, timedelta

import pytest
from conftest import run_script

PROJECT = "Cleanroom ventilation upgrade"
CUSTOMER_EMAIL = 'payables@woodgrove-labs.example.com'

# Read in the demo's database by odoo-bin shell; prints one JSON line after the marker.
FACTS_SCRIPT = r'''
import json
project = env['project.project'].search([('name', '=', %(project)r)])
order = project.sale_line_id.order_id
company, currency = order.company_id, order.currency_id
Tax = env['account.tax']


def odoo_totals(pairs):
    """Untaxed, tax, total of these (order line, quantity) as Odoo computes a sale order's."""
    base_lines = [line._prepare_base_line_for_taxes_computation(quantity=quantity)
                  for line, quantity in pairs]
    Tax._add_tax_details_in_base_lines(base_lines, company)
    Tax._round_base_lines_tax_details(base_lines, company)
    summary = Tax._get_tax_totals_summary(base_lines, currency, company)
    return [summary['base_amount_currency'], summary['tax_amount_currency'],
            summary['total_amount_currency']]


def item_of(record):
    item = record.service_billing_item_ids[:1]
    return {'status': item.billing_status, 'reason': item.not_ready_reason or '',
            'qty_to_invoice': item.qty_to_invoice, 'amount_invoiced': item.amount_invoiced}


invoices = order.invoice_ids.filtered(lambda move: move.move_type == 'out_invoice')
facts = {
    'project': {'manager': project.user_id.name, 'allow_billable': project.allow_billable,
                'sale_line': project.sale_line_id.product_id.name},
    'order': {'name': order.name, 'state': order.state, 'customer': order.partner_id.name},
    'order_lines': {line.product_id.name: {
        'id': line.id, 'method': line.qty_delivered_method,
        'price_unit': line.price_unit, 'quantity': line.product_uom_qty,
        'limit_type': line.service_limit_type or '', 'limit': line.service_limit,
    } for line in order.order_line},
    'timesheets': [{
        'id': timesheet.id, 'employee': timesheet.employee_id.name,
        'date': str(timesheet.date), 'hours': timesheet.unit_amount,
        'product': timesheet.so_line.product_id.name,
        'approved': timesheet.service_approved,
        'approved_by': timesheet.service_approved_by_id.name or '',
        'invoice': timesheet.timesheet_invoice_id.name or '',
        'item': item_of(timesheet),
    } for timesheet in project.timesheet_ids.sorted(lambda timesheet: (timesheet.date,
                                                                        timesheet.id))],
    'milestones': [{
        'name': milestone.name, 'share': milestone.quantity_percentage,
        'reached': milestone.is_reached, 'amount': milestone.service_amount,
        'item': item_of(milestone),
    } for milestone in project.milestone_ids.sorted('deadline')],
    'invoices': [{
        'name': invoice.name, 'state': invoice.state,
        'proforma': invoice.service_proforma,
        'email': invoice.partner_id.email,
        'amount_untaxed': invoice.amount_untaxed, 'amount_tax': invoice.amount_tax,
        'amount_total': invoice.amount_total,
        'odoo_totals': odoo_totals([(line.sale_line_ids, line.quantity)
                                    for line in invoice.invoice_line_ids]),
        'lines': [{
            'name': line.name, 'product': line.product_id.name, 'quantity': line.quantity,
            'price_unit': line.price_unit, 'price_subtotal': line.price_subtotal,
            'sale_line': line.sale_line_ids.id,
            'timesheets': line.service_timesheet_ids.ids,
            'milestone': line.service_milestone_id.name or '',
        } for line in invoice.invoice_line_ids],
    } for invoice in invoices],
}
print('FACTS ' + json.dumps(facts))
'''


def read_facts(database, tmp_path):
    script = tmp_path / 'facts.py'
    script.write_text(FACTS_SCRIPT % {'project': PROJECT})
    process = run_script(['bash', '-c', '. tools/setup.sh && "$VENV/bin/python" '
                          '"$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$0" --no-http '
                          '--log-level=error < "$1"', database, str(script)], timeout=300)
    found = re.search(r'^FACTS (.*)$', process.stdout, re.M)
    assert found, (process.stdout + process.stderr)[-3000:]
    return json.loads(found.group(1))


@pytest.fixture(scope='module')
def demo(demo_run):
    """What the demo (run once for the session: conftest.demo_run) printed, left in its
    database and emailed."""
    assert demo_run.process.returncode == 0, demo_run.output[-3000:]
    facts = read_facts(demo_run.database, demo_run.tmp_path)
    return {'output': demo_run.output, 'facts': facts, 'messages': demo_run.messages,
            'tmp_path': demo_run.tmp_path}


def first_week(facts):
    """The dates of the first of the two weeks logged (Monday to Sunday)."""
    monday = min(date.fromisoformat(timesheet['date']) for timesheet in facts['timesheets'])
    return monday, monday + timedelta(days=6)


def in_first_week(facts, timesheet):
    monday, sunday = first_week(facts)
    return monday <= date.fromisoformat(timesheet['date']) <= sunday


def project_invoice(facts):
    assert len(facts['invoices']) == 1, facts['invoices']
    return facts['invoices'][0]


def test_the_project_is_set_up_as_sold(demo):
    facts = demo['facts']
    lines = facts['order_lines']
    assert facts['order']['state'] == 'sale'
    assert facts['project'] == {'manager': "Morgan Reed", 'allow_billable': True,
                                'sale_line': "Engineering hours"}
    assert lines["Engineering hours"]['method'] == 'timesheet'
    assert lines["Emergency call-out"]['method'] == 'timesheet'
    assert (lines["Emergency call-out"]['limit_type'], lines["Emergency call-out"]['limit']) \
        == ('hours', 4.0)
    assert lines[PROJECT]['method'] == 'milestones'
    timesheets = facts['timesheets']
    assert len({timesheet['employee'] for timesheet in timesheets}) == 3
    monday, sunday = first_week(facts)
    assert monday.weekday() == 0
    assert max(date.fromisoformat(timesheet['date']) for timesheet in timesheets) \
        <= sunday + timedelta(days=7)
    # Some approved by the project manager, some waiting for approval.
    approved = [timesheet for timesheet in timesheets if timesheet['approved']]
    assert approved and len(approved) < len(timesheets)
    assert {timesheet['approved_by'] for timesheet in approved} == {"Morgan Reed"}


def test_the_approved_hours_are_invoiced_at_the_order_line_price(demo):
    facts = demo['facts']
    invoice = project_invoice(facts)
    assert (invoice['state'], invoice['proforma']) == ('posted', True)
    lines = facts['order_lines']
    by_id = {timesheet['id']: timesheet for timesheet in facts['timesheets']}
    time_lines = [line for line in invoice['lines'] if line['timesheets']]
    assert {line['product'] for line in time_lines} == {"Engineering hours", "Emergency call-out"}
    for line in time_lines:
        billed = [by_id[timesheet_id] for timesheet_id in line['timesheets']]
        # Approved time of the first week only, on its own order line, all linked to the
        # invoice; the hours are the sum of those timesheets.
        assert all(timesheet['approved'] and in_first_week(facts, timesheet)
                   and timesheet['product'] == line['product']
                   and timesheet['invoice'] == invoice['name'] for timesheet in billed)
        assert line['quantity'] == pytest.approx(sum(timesheet['hours'] for timesheet in billed))
        assert line['price_unit'] == lines[line['product']]['price_unit']
        assert line['price_subtotal'] == pytest.approx(
            round(line['price_unit'] * line['quantity'], 2))
        assert line['sale_line'] == lines[line['product']]['id']
    # Every engineering hour approved in the first week is billed.
    engineering = [timesheet for timesheet in facts['timesheets']
                   if timesheet['product'] == "Engineering hours" and timesheet['approved']
                   and in_first_week(facts, timesheet)]
    engineering_line = next(line for line in time_lines
                            if line['product'] == "Engineering hours")
    assert engineering and sorted(engineering_line['timesheets']) \
        == sorted(timesheet['id'] for timesheet in engineering)
    # The grouped line says what it bills: the date range, hours and employees.
    employees = ', '.join(sorted({timesheet['employee'] for timesheet in engineering}))
    assert re.search(r'Engineering hours\n.+ to .+: %s Hours \(%s\)' % (
        re.escape(f"{engineering_line['quantity']:.2f}"), re.escape(employees)),
        engineering_line['name']), engineering_line['name']
    # The invoice's totals are the order lines' price x hours (and milestone share) with the
    # taxes as Odoo computes them for the order.
    untaxed, tax, total = invoice['odoo_totals']
    assert (invoice['amount_untaxed'], invoice['amount_tax'], invoice['amount_total']) \
        == pytest.approx((untaxed, tax, total))
    assert tax > 0
    assert invoice['amount_untaxed'] == pytest.approx(
        sum(line['price_subtotal'] for line in invoice['lines']))


def test_waiting_timesheets_are_not_invoiced(demo):
    facts = demo['facts']
    invoiced = {timesheet_id for line in project_invoice(facts)['lines']
                for timesheet_id in line['timesheets']}
    waiting = [timesheet for timesheet in facts['timesheets'] if not timesheet['approved']]
    assert waiting
    for timesheet in waiting:
        assert timesheet['id'] not in invoiced and not timesheet['invoice']
        assert timesheet['item']['status'] == 'not_ready'
        assert "waits for approval" in timesheet['item']['reason']
        assert timesheet['employee'] in timesheet['item']['reason']
    # Time approved after the invoice is ready for the next one: the backlog shows both.
    ready = [timesheet for timesheet in facts['timesheets']
             if timesheet['item']['status'] == 'ready']
    assert ready and all(timesheet['approved'] and not timesheet['invoice']
                         and not in_first_week(facts, timesheet) for timesheet in ready)


def test_the_not_to_exceed_limit_keeps_a_call_out_not_ready(demo):
    facts = demo['facts']
    call_outs = [timesheet for timesheet in facts['timesheets']
                 if timesheet['product'] == "Emergency call-out"]
    billed = [timesheet for timesheet in call_outs if timesheet['invoice']]
    held = [timesheet for timesheet in call_outs
            if timesheet['approved'] and not timesheet['invoice']]
    assert billed and len(held) == 1, call_outs
    held = held[0]
    assert held['item']['status'] == 'not_ready'
    reason = held['item']['reason']
    assert "not-to-exceed limit of 4.00 Hours" in reason and "would be passed" in reason, reason
    # What the invoice bills of the line stays within the limit; the held hours would pass it.
    within = sum(timesheet['hours'] for timesheet in billed)
    assert within <= 4.0 < within + held['hours']
    # The demo's summary shows the item and why.
    assert re.search(r'Not Ready to Invoice: The not-to-exceed limit of 4\.00 Hours',
                     demo['output']), demo['output'][-3000:]


def test_the_reached_milestone_is_billed_for_its_share(demo):
    facts = demo['facts']
    milestones = facts['milestones']
    assert len(milestones) == 3
    assert sum(milestone['share'] for milestone in milestones) == pytest.approx(1.0)
    reached = [milestone for milestone in milestones if milestone['reached']]
    assert [milestone['name'] for milestone in reached] == ["Design approved"]
    milestone = reached[0]
    assert milestone['share'] == pytest.approx(0.3)
    line = next(line for line in project_invoice(facts)['lines'] if line['milestone'])
    assert line['milestone'] == "Design approved" and "Milestone: Design approved" in line['name']
    price = facts['order_lines'][PROJECT]['price_unit']
    assert line['quantity'] == pytest.approx(0.3 * facts['order_lines'][PROJECT]['quantity'])
    assert line['price_subtotal'] == pytest.approx(round(0.3 * price, 2)) \
        == pytest.approx(milestone['amount'])
    assert milestone['item']['status'] == 'invoice_posted'
    assert milestone['item']['amount_invoiced'] == pytest.approx(line['price_subtotal'])
    for other in milestones:
        if not other['reached']:
            assert other['item']['status'] == 'not_ready'
            assert "is not reached" in other['item']['reason']


def test_the_project_invoice_is_emailed_with_its_pdf(demo):
    invoice = project_invoice(demo['facts'])
    assert invoice['email'] == CUSTOMER_EMAIL
    found = [message for message in demo['messages'] if invoice['name'] in message['Subject']]
    assert len(found) == 1, [message['Subject'] for message in demo['messages']]
    message = found[0]
    assert email.utils.parseaddr(message['To'])[1] == CUSTOMER_EMAIL
    assert 'billing@demo-services.example.com' in message['From']
    pdfs = [part.get_payload(decode=True) for part in message.walk()
            if part.get_content_type() == 'application/pdf']
    assert len(pdfs) == 1 and pdfs[0].startswith(b'%PDF')
    path = demo['tmp_path'] / 'project-invoice.pdf'
    path.write_bytes(pdfs[0])
    text = subprocess.run(['pdftotext', '-layout', str(path), '-'], capture_output=True,
                          text=True, check=True).stdout
    assert f"Invoice {invoice['name']}" in text, text[:2000]
    assert re.search(r'\bTotal\s+\$\s*' + re.escape(f"{invoice['amount_total']:,.2f}") + r'\b',
                     text), text
    assert "Milestone: Design approved" in text and "Engineering hours" in text
    # The summary says it was emailed.
    assert re.search(r'project invoice: +1 of the ready items, posted: 1, .*emailed: 1',
                     demo['output']), demo['output'][-3000:]
