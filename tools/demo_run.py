"""Fill the demo database and run one invoicing day: contracts invoiced, posted and emailed;
service orders shipped, invoiced and consumed by posting; a project billed from its approved
timesheets and reached milestone through the billing backlog, its invoice posted and emailed.

Run by tools/demo.sh (``make demo``) with the virtualenv's Python:
    python tools/demo_run.py -c build/odoo.conf -d service_invoicing_demo --mail-dir build/mail
Prints a summary: contracts, invoices, amount, emails delivered to the SMTP server; orders
posted, their invoices, and the order lines shipped and not invoiced; the project's timesheets,
milestones, invoice and what its billing backlog holds.
"""

import argparse
import os
import sys
import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta

import odoo
from odoo import Command, api, fields
from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.modules.registry import Registry

CUSTOMERS = [
    ("Northwind Cooling", 'accounts@northwind-cooling.example.com'),
    ("Contoso Facilities", 'ap@contoso-facilities.example.com'),
    ("Fabrikam Offices", 'billing@fabrikam.example.com'),
    ("Tailspin Clinics", 'invoices@tailspin-clinics.example.com'),
    ("Adatum Retail", 'finance@adatum.example.com'),
    ("Litware Schools", 'office@litware.example.com'),
]
# The customer of the project (Projects bridge, installed with sale_timesheet).
PROJECT_CUSTOMER = ("Woodgrove Laboratories", 'payables@woodgrove-labs.example.com')
PROJECT_NAME = "Cleanroom ventilation upgrade"
# Timesheets of the project's two weeks: (week, weekday, employee, hours, description); the
# call-outs are logged on the task billed on the emergency call-out line.
TIMESHEETS = [
    (0, 0, "Ingrid Lind", 8.0, "Site survey and air flow measurements"),
    (0, 1, "Ingrid Lind", 7.5, "Duct layout drawings"),
    (0, 1, "Omar Haddad", 3.0, "Call-out: fan failure in room B2"),
    (0, 2, "Sofia Reyes", 6.0, "Filter and fan specifications"),
    (0, 3, "Omar Haddad", 2.0, "Call-out: pressure alarm in room B1"),
    (0, 3, "Ingrid Lind", 8.0, "Design review with the customer"),
    (0, 4, "Sofia Reyes", 4.5, "Bill of materials"),
    (1, 0, "Ingrid Lind", 8.0, "Ceiling plenum preparation"),
    (1, 1, "Omar Haddad", 7.0, "Removal of the old ducts"),
    (1, 2, "Ingrid Lind", 6.5, "Duct installation, room B1"),
    (1, 3, "Sofia Reyes", 5.0, "Fan units installation"),
    (1, 4, "Omar Haddad", 7.5, "Duct installation, room B2"),
]
CALL_OUT = "Call-out"
# Customer contacts given portal access: (customer, name, email, login = password).
PORTAL_CONTACTS = [
    ("Northwind Cooling", "Nora Webb", 'nora.webb@northwind-cooling.example.com', 'nora'),
    (PROJECT_CUSTOMER[0], "Walter Grant", 'walter.grant@woodgrove-labs.example.com', 'walter'),
]


def first_project_monday(today):
    """The Monday of the first of the project's two weeks: the week before last."""
    return today - timedelta(days=today.weekday() + 14)


def create_demo_data(env):
    """Customers, service products and contracts of every invoice period, relative to today."""
    today = fields.Date.context_today(env['service.contract'])
    month_start = today.replace(day=1)
    company = env.company
    company.write({'name': "Demo Services Inc.", 'email': 'billing@demo-services.example.com',
                   'street': "100 Harbor Way", 'city': "Springfield", 'zip': "62701",
                   'vat': "12-3456789"})
    tax = company.account_sale_tax_id
    partners = env['res.partner'].create([
        {'name': name, 'email': email, 'is_company': True} for name, email in CUSTOMERS])
    maintenance, hotline, parts = env['product.product'].create([
        {'name': "Preventive maintenance", 'type': 'service', 'lst_price': 2400.0,
         'taxes_id': [Command.set(tax.ids)]},
        {'name': "Hotline support", 'type': 'service', 'lst_price': 600.0,
         'taxes_id': [Command.set(tax.ids)]},
        {'name': "Filter replacement kit", 'type': 'consu', 'lst_price': 360.0,
         'taxes_id': [Command.set(tax.ids)]},
    ])

    def contract(partner, description, period, start, prepaid=False, lines=None, **values):
        lines = lines or [(maintenance, 1.0), (hotline, 1.0)]
        return {
            'partner_id': partner.id, 'description': description, 'invoice_period': period,
            'date_start': start, 'prepaid': prepaid,
            'line_ids': [Command.create({'product_id': product.id, 'quantity': quantity})
                         for product, quantity in lines],
            **values,
        }

    contracts = env['service.contract'].create([
        contract(partners[0], "Monthly maintenance, prepaid (three months to catch up)",
                 'month', month_start - relativedelta(months=2), prepaid=True),
        contract(partners[1], "Two-monthly service in arrears", 'two_months',
                 month_start - relativedelta(months=4)),
        contract(partners[2], "Quarterly service, prepaid", 'quarter', month_start,
                 prepaid=True, lines=[(maintenance, 2.0), (parts, 4.0)]),
        contract(partners[3], "Half-yearly inspection in arrears", 'half_year',
                 month_start - relativedelta(months=6)),
        contract(partners[4], "Yearly hotline, prepaid", 'year',
                 month_start - relativedelta(months=1), prepaid=True, lines=[(hotline, 3.0)]),
        contract(partners[5], "Started mid-month, prepaid: a prorated first period", 'month',
                 (month_start - relativedelta(months=1)).replace(day=15), prepaid=True),
        contract(partners[1], "Expired ten days ago: a prorated last period", 'month',
                 month_start - relativedelta(months=3), date_end=today - timedelta(days=10)),
        contract(partners[0], "Combined with the monthly contract of the same customer",
                 'month', month_start - relativedelta(months=1), prepaid=True,
                 combine_invoices=True, lines=[(hotline, 1.0)]),
        contract(partners[0], "Combined: second contract", 'month',
                 month_start - relativedelta(months=1), prepaid=True, combine_invoices=True,
                 lines=[(parts, 1.0)]),
        contract(partners[2], "Free warranty follow-up (no invoice period)", 'none',
                 month_start, lines=[(hotline, 0.0)]),
    ])
    contracts.action_sign()
    opened = env['service.contract'].create(contract(
        partners[4], "Open for changes: refused until locked again", 'month',
        month_start - relativedelta(months=1), prepaid=True))
    opened.action_sign()
    opened.action_open()
    return contracts | opened


def create_service_orders(env):
    """Service orders of the demo customers, confirmed: labour hours and hotline calls
    (services, shipped by posting) and a spare part (goods, shipped by its delivery)."""
    company = env.company
    tax = company.account_sale_tax_id
    stock = 'stock.quant' in env  # Inventory installed: the spare part is stocked and delivered
    labour, hotline, spare_part = env['product.product'].create([
        {'name': "Service labour", 'type': 'service', 'lst_price': 85.0,
         'uom_id': env.ref('uom.product_uom_hour').id, 'invoice_policy': 'delivery',
         'taxes_id': [Command.set(tax.ids)]},
        {'name': "Hotline call", 'type': 'service', 'lst_price': 45.0,
         'invoice_policy': 'delivery', 'taxes_id': [Command.set(tax.ids)]},
        {'name': "Compressor spare part", 'type': 'consu', 'lst_price': 240.0,
         'invoice_policy': 'delivery', 'taxes_id': [Command.set(tax.ids)],
         **({'is_storable': True} if stock else {})},
    ])
    if stock:
        warehouse = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
        env['stock.quant']._update_available_quantity(spare_part, warehouse.lot_stock_id, 50.0)
    customers = {partner.name: partner for partner in env['res.partner'].search(
        [('name', 'in', [name for name, _email in CUSTOMERS])])}

    def order(customer, *lines):
        return {'partner_id': customers[customer].id, 'order_line': [
            Command.create({'product_id': product.id, 'product_uom_qty': quantity})
            for product, quantity in lines]}

    orders = env['sale.order'].create([
        order("Northwind Cooling", (labour, 6.0), (spare_part, 2.0)),
        order("Northwind Cooling", (hotline, 3.0)),
        order("Contoso Facilities", (labour, 4.0), (spare_part, 3.0)),
        order("Fabrikam Offices", (labour, 8.0), (spare_part, 5.0)),
        order("Tailspin Clinics", (labour, 3.0), (hotline, 2.0), (spare_part, 1.0)),
        order("Adatum Retail", (hotline, 2.0)),
        order("Litware Schools", (labour, 10.0)),
    ])
    orders.action_confirm()
    return orders


def post_service_orders(orders, today):
    """Post the orders with the addon's posting (Ship, Invoice, Ship and Invoice, Consume) as
    a billing clerk would; returns the invoices the postings made and a down payment invoice
    made with Odoo's Create Invoice, which a posting deducts (posted, not emailed)."""
    northwind, northwind_hotline, contoso, fabrikam, tailspin, adatum, _litware = orders

    def everything(lines):
        return {line: line.product_uom_qty for line in lines}

    def post(lines, option, **quantities):
        return lines._service_post(option, post_invoice=True, invoice_date=today, **quantities)

    # Two orders of one customer shipped and invoiced together: one combined invoice.
    lines = (northwind | northwind_hotline).order_line
    invoices = post(lines, 'ship_invoice', ship=everything(lines), invoice=everything(lines))
    # Shipped, not invoiced yet: for Get Shipment Lines and Combine Shipments.
    post(contoso.order_line, 'ship', ship=everything(contoso.order_line))
    post(adatum.order_line, 'ship', ship=everything(adatum.order_line))
    # Partly shipped: 5 of 8 hours and 2 of 5 spare parts (a backorder delivers the rest).
    labour, spare_part = fabrikam.order_line
    post(fabrikam.order_line, 'ship', ship={labour: 5.0, spare_part: 2.0})
    # Shipped, then invoiced, one hotline call consumed (under warranty, never charged). A
    # down payment of 10% was invoiced first with Odoo's own Create Invoice: the posting's
    # invoice deducts it, as Odoo's Create Invoice would.
    labour, hotline, spare_part = tailspin.order_line
    env = tailspin.env
    env['sale.advance.payment.inv'].with_context(
        active_model='sale.order', active_ids=tailspin.ids, active_id=tailspin.id,
    ).create({'advance_payment_method': 'percentage', 'amount': 10.0}).create_invoices()
    down_payment = tailspin.invoice_ids
    down_payment.write({'invoice_date': today})
    down_payment.action_post()
    invoices |= down_payment
    post(tailspin.order_line, 'ship', ship=everything(tailspin.order_line))
    invoices |= post(tailspin.order_line, 'invoice',
                     invoice={labour: 3.0, hotline: 1.0, spare_part: 1.0})
    post(tailspin.order_line, 'consume', consume={hotline: 1.0})
    return invoices


def create_project(env, today):
    """A customer's confirmed order with time and material (engineering hours, emergency
    call-outs capped by a not-to-exceed limit) and a fixed price billed on three milestones;
    its project, managed by a project manager; three employees' timesheets over the last two
    weeks. Returns (order, project, project manager)."""
    company = env.company
    tax = company.account_sale_tax_id
    hour = env.ref('uom.product_uom_hour')
    customer = env['res.partner'].create(
        {'name': PROJECT_CUSTOMER[0], 'email': PROJECT_CUSTOMER[1], 'is_company': True})
    engineering, call_out, upgrade = env['product.product'].create([
        {'name': "Engineering hours", 'type': 'service', 'service_type': 'timesheet',
         'invoice_policy': 'delivery', 'service_tracking': 'no', 'uom_id': hour.id,
         'lst_price': 95.0, 'taxes_id': [Command.set(tax.ids)]},
        {'name': "Emergency call-out", 'type': 'service', 'service_type': 'timesheet',
         'invoice_policy': 'delivery', 'service_tracking': 'no', 'uom_id': hour.id,
         'lst_price': 140.0, 'taxes_id': [Command.set(tax.ids)]},
        {'name': PROJECT_NAME, 'type': 'service', 'service_type': 'milestones',
         'invoice_policy': 'delivery', 'service_tracking': 'no', 'lst_price': 24000.0,
         'taxes_id': [Command.set(tax.ids)]},
    ])
    order = env['sale.order'].create({'partner_id': customer.id, 'order_line': [
        Command.create({'product_id': engineering.id, 'product_uom_qty': 120.0}),
        # Not to exceed 4 hours of call-outs (what the customer agreed to pay for).
        Command.create({'product_id': call_out.id, 'product_uom_qty': 4.0,
                        'service_limit_type': 'hours', 'service_limit': 4.0}),
        Command.create({'product_id': upgrade.id, 'product_uom_qty': 1.0}),
    ]})
    order.action_confirm()
    time_line, call_out_line, fixed_line = order.order_line
    # The project manager approves the time logged on the project. No invitation, and
    # notifications in Odoo's inbox: the demo's emails are the invoices.
    manager = env['res.users'].with_context(no_reset_password=True).create({
        'name': "Morgan Reed", 'login': 'morgan', 'password': 'morgan',
        'notification_type': 'inbox',
        'group_ids': [Command.set([env.ref('project.group_project_user').id,
                                   env.ref('hr_timesheet.group_hr_timesheet_user').id])],
    })
    project = env['project.project'].create({
        'name': PROJECT_NAME, 'partner_id': customer.id, 'user_id': manager.id,
        'allow_billable': True, 'allow_timesheets': True, 'allow_milestones': True,
        'sale_line_id': time_line.id, 'privacy_visibility': 'employees',
    })
    order.project_id = project
    call_outs = env['project.task'].create({
        'name': "Emergency call-outs", 'project_id': project.id,
        'sale_line_id': call_out_line.id, 'user_ids': [Command.set(manager.ids)]})
    shares = [("Design approved", 0.3, today - timedelta(days=7)),
              ("Equipment installed", 0.5, today + timedelta(days=14)),
              ("Commissioning and handover", 0.2, today + timedelta(days=35))]
    # Their share of the line: Odoo takes quantity_percentage when a milestone is created
    # (a product_uom_qty given at creation is computed again from it).
    env['project.milestone'].create([{
        'name': name, 'project_id': project.id, 'sale_line_id': fixed_line.id,
        'quantity_percentage': share, 'deadline': deadline,
    } for name, share, deadline in shares])
    employees = {name: env['hr.employee'].create({'name': name, 'company_id': company.id})
                 for name in sorted({entry[2] for entry in TIMESHEETS})}
    first_monday = first_project_monday(today)
    env['account.analytic.line'].create([{
        'project_id': project.id,
        'task_id': call_outs.id if description.startswith(CALL_OUT) else False,
        'employee_id': employees[employee].id, 'unit_amount': hours,
        'date': first_monday + timedelta(days=7 * week + weekday), 'name': description,
    } for week, weekday, employee, hours, description in TIMESHEETS])
    return order, project, manager


def create_time_to_approve(order, manager, today):
    """A second order of the project's customer, an air quality audit billed on time, whose
    project has Customer Approves Time: last week's hours, approved by the project manager,
    wait for the customer's approval (walter on the portal, /my/time; the request is emailed
    by the daily job once served). Returns the project."""
    env = order.env
    hour = env.ref('uom.product_uom_hour')
    audit = env['product.product'].create({
        'name': "Air quality audit", 'type': 'service', 'service_type': 'timesheet',
        'invoice_policy': 'delivery', 'service_tracking': 'no', 'uom_id': hour.id,
        'lst_price': 110.0, 'taxes_id': [Command.set(env.company.account_sale_tax_id.ids)]})
    audit_order = env['sale.order'].create({
        'partner_id': order.partner_id.id,
        'order_line': [Command.create({'product_id': audit.id, 'product_uom_qty': 16.0})]})
    audit_order.action_confirm()
    project = env['project.project'].create({
        'name': "Air quality audit", 'partner_id': order.partner_id.id, 'user_id': manager.id,
        'allow_billable': True, 'allow_timesheets': True, 'privacy_visibility': 'employees',
        'sale_line_id': audit_order.order_line.id, 'service_customer_approval': True})
    audit_order.project_id = project
    sofia = env['hr.employee'].search([('name', '=', "Sofia Reyes")], limit=1)
    monday = first_project_monday(today) + timedelta(days=7)
    env['account.analytic.line'].create([{
        'project_id': project.id, 'employee_id': sofia.id, 'unit_amount': hours,
        'date': monday + timedelta(days=day), 'name': description,
    } for day, hours, description in ((1, 3.0, "Particle counts, rooms B1 and B2"),
                                      (2, 2.5, "Air change rate measurements"),
                                      (3, 2.0, "Audit report"))])
    env['service.timesheet.approval.wizard'].with_user(manager).create({
        'date_from': monday, 'date_to': monday + timedelta(days=6),
        'project_ids': [Command.set(project.ids)]}).action_approve()
    return project


def bill_project(order, project, manager, today):
    """The project's billing: the project manager approves the first week and marks the
    design milestone reached; the billing clerk makes the proforma invoice of what is ready
    and confirms it (posted, queued for Odoo's invoice email); then the project manager
    approves one employee's second week, ready for the next invoice. Returns the invoices."""
    env = order.env
    first_monday = first_project_monday(today)
    approval = env['service.timesheet.approval.wizard'].with_user(manager)
    approval.create({'date_from': first_monday,
                     'date_to': first_monday + timedelta(days=6)}).action_approve()
    design = project.milestone_ids.filtered(lambda milestone: milestone.name == "Design approved")
    design.with_user(manager).is_reached = True
    wizard = env['service.proforma.wizard'].create({'project_ids': [Command.set(project.ids)]})
    wizard.action_create()
    invoices = wizard.invoice_ids
    invoices.action_service_confirm()
    invoices._service_queue_sending()
    ingrid = project.timesheet_ids.employee_id.filtered(lambda employee: employee.name
                                                        == "Ingrid Lind")
    approval.create({
        'date_from': first_monday + timedelta(days=7), 'date_to': first_monday + timedelta(days=13),
        'employee_ids': [Command.set(ingrid.ids)],
    }).action_approve()
    return invoices


def give_portal_access(env):
    """A contact of each customer of PORTAL_CONTACTS (those in the database) with a portal
    login: they read their company's contracts, shipments, backlog and invoices at /my. No
    invitation email: the demo's emails are its invoices. Returns the portal users."""
    customers = {partner.name: partner for partner in env['res.partner'].search(
        [('name', 'in', [entry[0] for entry in PORTAL_CONTACTS]), ('is_company', '=', True)])}
    portal = env.ref('base.group_portal')
    return env['res.users'].with_context(no_reset_password=True).create([{
        'name': name, 'login': login, 'password': login, 'email': email,
        'parent_id': customers[customer].id, 'notification_type': 'email',
        'group_ids': [Command.set(portal.ids)],
    } for customer, name, email, login in PORTAL_CONTACTS if customer in customers])


def print_time_to_approve(project):
    requests = project.env['service.time.approval'].search([('project_id', '=', project.id)])
    states = dict(requests._fields['state']._description_selection(project.env))
    print("  time to approve:    %s" % ", ".join(
        "%s: %.2f h %s by the customer" % (
            request.display_name, sum(request.timesheet_ids.mapped('unit_amount')),
            states[request.state]) for request in requests))


def print_portal(users):
    """What each portal user reads on the portal, counted with their own rights."""
    for user in users:
        as_user = user.env(user=user)
        seen = [(model, label, as_user[model].search_count(domain))
                for model, label, domain in (
                    ('service.contract', "contracts", []),
                    ('service.shipment', "shipments", []),
                    ('service.billing.item', "items not invoiced yet",
                     [('billing_status', 'in', ('not_ready', 'ready'))]),
                    ('service.time.approval', "periods of time to approve",
                     [('state', '=', 'to_approve')])) if model in as_user]
        print("  portal:             %s / %s (%s, %s): %s" % (
            user.login, user.login, user.name, user.parent_id.name,
            ", ".join("%s %d" % (label, count) for _model, label, count in seen)))


def use_debian_wkhtmltopdf(env):
    """Odoo's settings for Debian's wkhtmltopdf (built on unpatched Qt); see README."""
    if '(with patched qt)' in _wkhtml().version:
        return
    # It renders one document per call: invoice sending renders the PDFs one by one.
    env['ir.config_parameter'].sudo().set_param('account.pdf_generation_batch', '0')
    # Odoo's report styles declare their fonts (Lato, ...) as web fonts that wkhtmltopdf
    # downloads from Odoo. Unpatched Qt cannot embed a font loaded from memory in a PDF: it
    # draws every letter as a shape, and the PDF has no text to search or copy. Without these
    # declarations wkhtmltopdf takes the same fonts from the system (fonts-lato, installed by
    # tools/setup.sh) and embeds them with their text.
    fonts = {'bundle': 'web.report_assets_common', 'directive': 'remove',
             'path': 'web/static/fonts/fonts.scss'}
    if not env['ir.asset'].search_count([(key, '=', value) for key, value in fonts.items()]):
        env['ir.asset'].create({'name': "Report fonts from the system (unpatched Qt)", **fonts})
    env.cr.commit()
    # The demo's Odoo server serves the styles to wkhtmltopdf: it reloads its assets.
    env.registry.signal_changes()


def send_queued_invoices(env):
    """Render and email the queued invoices (the sending workers' job), then the mail queue."""
    env['account.move']._service_send_queued_invoices()
    env['mail.mail'].sudo().process_email_queue()
    env.cr.commit()


def count_messages(folder, expected, wait=10.0):
    deadline = time.monotonic() + wait
    while True:
        count = len([name for name in os.listdir(folder) if name.endswith('.eml')])
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('-c', '--config', required=True)
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('--mail-dir', required=True)
    parser.add_argument('--base-url', default='http://127.0.0.1:8069')
    parser.add_argument('--smtp-port', default='2525')
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ['-c', args.config, '-d', args.database, '--smtp-port', args.smtp_port])
    registry = Registry(args.database)
    before = len([name for name in os.listdir(args.mail_dir) if name.endswith('.eml')])
    with registry.cursor() as cr:
        # The billing clerk (admin) runs the day, so the invoices are emailed in their name.
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env = env(user=env.ref('base.user_admin'), su=True)
        env.user.partner_id.email = 'billing@demo-services.example.com'
        env['ir.config_parameter'].set_param('web.base.url', args.base_url)
        env['ir.config_parameter'].set_param('web.base.url.freeze', True)
        contracts = create_demo_data(env)
        cr.commit()
        use_debian_wkhtmltopdf(env)
        today = fields.Date.context_today(contracts)
        started = time.monotonic()
        # Every demo contract is chosen, so that each one is reported: invoiced, skipped or
        # failed (the summary adds up to the number of contracts).
        result = env['service.contract']._run_contract_invoicing(
            env['service.contract']._invoicing_domain(today, contracts=contracts), today, today,
            post=True, send=True, commit=True)
        invoicing_seconds = time.monotonic() - started
        send_queued_invoices(env)
        invoices = result.invoices.exists()
        mails = env['mail.mail'].sudo().search([('model', '=', 'account.move'),
                                                 ('res_id', 'in', invoices.ids)])
        delivered = count_messages(args.mail_dir, before + len(invoices)) - before
        currency = env.company.currency_id
        print()
        print("Service Invoicing demo, invoicing day %s" % today)
        print("  contracts:          %d (%d signed)" % (
            len(contracts), len(contracts.filtered(lambda c: c.state == 'signed'))))
        print("  invoices created:   %d, posted: %d (%.2f s)" % (
            len(invoices), len(invoices.filtered(lambda m: m.state == 'posted')),
            invoicing_seconds))
        print("  contracts invoiced: %d, skipped: %d, failed: %d" % (
            len(result.invoiced), len(result.skipped), len(result.failed)))
        print("  amount invoiced:    %s %.2f (untaxed %.2f)" % (
            currency.name, sum(invoices.mapped('amount_total')),
            sum(invoices.mapped('amount_untaxed'))))
        print("  emails delivered:   %d to the SMTP server, in %s" % (delivered, args.mail_dir))
        failed_mails = mails.filtered(lambda mail: mail.state == 'exception')
        if failed_mails:
            print("  emails failed:      %d" % len(failed_mails))
        for _contract, error in result.failed:
            print("  refused: %s" % error)
        for _contract, reason in result.skipped:
            print("  skipped: %s" % reason)
        print_invoices(invoices)

        orders = create_service_orders(env)
        order_invoices = post_service_orders(orders, today)
        cr.commit()
        print_orders(orders, order_invoices)

        # The Projects bridge installs itself with sale_timesheet (tools/demo.sh installs it).
        projects_ok = True
        if 'service.timesheet.approval.wizard' in env:
            order, project, manager = create_project(env, today)
            project_invoices = bill_project(order, project, manager, today)
            cr.commit()
            send_queued_invoices(env)
            project_delivered = count_messages(
                args.mail_dir, before + delivered + len(project_invoices)) - before - delivered
            print_project(order, project, project_invoices, project_delivered)
            audit = create_time_to_approve(order, manager, today)
            cr.commit()
            print_time_to_approve(audit)
            projects_ok = bool(project_invoices) and project_delivered >= len(project_invoices)
        else:
            print("  project billing:    the Projects bridge is not installed (sale_timesheet)")
        price_update = propose_price_update(env, contracts, today)
        cr.commit()
        print_price_update(price_update)
        portal_users = give_portal_access(env)
        cr.commit()
        print_portal(portal_users)
        # The accountant's check of the day: every money invariant holds.
        broken = env['service.billing.integrity']._find_broken_invariants()
        print("  billing integrity:  %s" % (
            "every invariant holds" if not broken else "%d broken" % len(broken)))
        for finding in broken:
            print("    [%s] %s" % (finding['rule'], finding['message']))
    return 0 if invoices and delivered >= len(invoices) and order_invoices and projects_ok \
        and not broken else 1


def propose_price_update(env, contracts, today):
    """A price update of 4 % from the first day of the month after next, for the contracts
    whose next price update falls in the coming year: proposed, left for the manager to
    review (Contracts > Update Contract Prices)."""
    run = env['service.price.update'].create({
        'update_to_date': today + relativedelta(years=1),
        'effective_date': today.replace(day=1) + relativedelta(months=2),
        'method': 'percentage', 'percentage': 4.0,
        'contract_ids': [Command.set(contracts.ids)],
    })
    run.action_propose()
    return run


def print_price_update(run):
    print("  price update:       %s, a proposal to review: %d lines of %d contracts, new "
          "prices from %s (%d contracts left out)" % (
              run.name, run.line_count, run.contract_count, run.effective_date,
              len((run.left_out or '').splitlines())))
    for line in run.line_ids:
        print("    %-10s %-28s %10.2f -> %10.2f" % (
            line.contract_id.name, line.product_id.display_name[:28], line.old_price,
            line.new_price))


def print_invoices(invoices):
    for invoice in invoices.sorted('name'):
        print("    %-18s %-22s %10.2f  %s" % (
            invoice.name, invoice.partner_id.name[:22], invoice.amount_total,
            invoice.invoice_origin))


def print_orders(orders, invoices):
    lines = orders.order_line
    posted = orders.filtered(lambda order: any(order.order_line.mapped('qty_delivered')))
    # Odoo's own quantity to invoice: shipped (delivered) less invoiced and consumed.
    open_lines = lines.filtered(lambda line: line.qty_to_invoice > 0)
    on_deliveries = open_lines.filtered(
        lambda line: 'move_ids' in line._fields
        and line.move_ids.filtered(lambda move: move.state == 'done'))
    partly = orders.filtered(lambda order: any(
        0 < line.qty_delivered < line.product_uom_qty for line in order.order_line))
    print("  service orders:     %d confirmed, %d posted, "
          "%d partly shipped" % (len(orders), len(posted), len(partly)))
    print("  order invoices:     %d, posted: %d, amount %s %.2f (not emailed)" % (
        len(invoices), len(invoices.filtered(lambda m: m.state == 'posted')),
        orders.currency_id[:1].name, sum(invoices.mapped('amount_total'))))
    print_invoices(invoices)
    for invoice in invoices.sorted('name'):
        for line in invoice.invoice_line_ids.filtered(
                lambda line: line.is_downpayment and line.quantity < 0):
            print("    down payment of %s deducted by %s: %s %.2f" % (
                line.sale_line_ids.order_id.name, invoice.name, invoice.currency_id.name,
                -line.price_total))
    print("  shipped, not invoiced: %d order lines (%d on deliveries): Get Shipment Lines, "
          "Combine Shipments" % (len(open_lines), len(on_deliveries)))
    for line in open_lines.sorted(lambda line: (line.order_id.name, line.id)):
        print("    %-8s %-22s %-22s %6.2f %-6s (shipped %.2f of %.2f)" % (
            line.order_id.name, line.order_id.partner_id.name[:22], line.product_id.name[:22],
            line.qty_to_invoice, line.product_uom_id.name[:6], line.qty_delivered,
            line.product_uom_qty))


def print_project(order, project, invoices, delivered):
    timesheets = project.timesheet_ids.sorted(lambda timesheet: (timesheet.date, timesheet.id))
    approved = timesheets.filtered('service_approved')
    waiting = timesheets - approved
    milestones = project.milestone_ids.sorted('deadline')
    print("  project:            %s for %s (order %s), project manager %s (login %s)" % (
        project.name, order.partner_id.name, order.name, project.user_id.name,
        project.user_id.login))
    print("  timesheets:         %d by %d employees from %s to %s: %d approved (%.2f h), "
          "%d waiting for approval (%.2f h)" % (
              len(timesheets), len(timesheets.employee_id), timesheets[0].date,
              timesheets[-1].date, len(approved), sum(approved.mapped('unit_amount')),
              len(waiting), sum(waiting.mapped('unit_amount'))))
    print("  milestones:         %s" % ", ".join(
        "%s (%d%%%s)" % (milestone.name, round(milestone.quantity_percentage * 100),
                         ", reached" if milestone.is_reached else "")
        for milestone in milestones))
    print("  project invoice:    %d of the ready items, posted: %d, amount %s %.2f, "
          "emailed: %d" % (
              len(invoices), len(invoices.filtered(lambda move: move.state == 'posted')),
              order.currency_id.name, sum(invoices.mapped('amount_total')), delivered))
    print_invoices(invoices)
    for line in invoices.invoice_line_ids:
        print("      %s: %.2f x %.2f = %.2f" % (
            line.name.replace('\n', ' / '), line.quantity, line.price_unit,
            line.price_subtotal))
    items = order.env['service.billing.item'].search(
        [('project_id', '=', project.id)], order='date, id')
    statuses = dict(items._fields['billing_status']._description_selection(order.env))
    print("  project backlog:    %s" % ", ".join(
        "%d %s" % (len(group), statuses[status])
        for status, group in items.grouped('billing_status').items()))
    for item in items.filtered(lambda item: item.billing_status in ('ready', 'not_ready')):
        print("    %s %s: %s" % (
            item.date, statuses[item.billing_status],
            item.not_ready_reason or "%s, %s, %.2f %s (next invoice)" % (
                item.employee_id.name, item.name, item.qty_to_invoice, item.product_uom_id.name)))


if __name__ == '__main__':
    sys.exit(main())
