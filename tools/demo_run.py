"""Fill the demo database and run one invoicing day: contracts invoiced, posted and emailed.

Run by tools/demo.sh (``make demo``) with the virtualenv's Python:
    python tools/demo_run.py -c build/odoo.conf -d service_invoicing_demo --mail-dir build/mail
Prints a summary: contracts, invoices, amount, emails delivered to the SMTP server.
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


def create_demo_data(env):
    """Customers, service products and contracts of every invoice period, relative to today."""
    today = fields.Date.context_today(env['service.contract'])
    month_start = today.replace(day=1)
    company = env.company
    company.write({'name': "Demo Services Inc.", 'email': 'billing@demo-services.example.com'})
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


def send_queued_invoices(env):
    """Render and email the queued invoices (the sending workers' job), then the mail queue."""
    if '(with patched qt)' not in _wkhtml().version:
        # Debian's wkhtmltopdf (unpatched Qt) renders one document per call: Odoo's own
        # setting makes invoice sending render the PDFs one by one.
        env['ir.config_parameter'].sudo().set_param('account.pdf_generation_batch', '0')
        env.cr.commit()
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
        today = fields.Date.context_today(contracts)
        started = time.monotonic()
        result = env['service.contract']._run_contract_invoicing(
            env['service.contract']._invoicing_domain(today), today, today, post=True, send=True,
            commit=True)
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
        for invoice in invoices.sorted('name'):
            print("    %-18s %-22s %10.2f  %s" % (
                invoice.name, invoice.partner_id.name[:22], invoice.amount_total,
                invoice.invoice_origin))
    return 0 if invoices and delivered >= len(invoices) else 1


if __name__ == '__main__':
    sys.exit(main())
