{
    'name': "Service Invoicing",
    'version': '19.0.1.0.0',
    'category': 'Accounting/Accounting',
    'summary': "Service contracts billed per period, service orders and shipments invoiced "
               "the Business Central way",
    'description': """
Service Invoicing
=================
Service contracts billed per invoice period (month to year, prepaid or in arrears) with the
Business Central rules: next invoice dates, prorated first and last periods, the Open/Locked
change status, invoice after service, combined invoices per customer, a Create Contract
Invoices batch with a test report, and a daily job. Every invoice is an ordinary Odoo
customer invoice.
""",
    'author': "Service Invoicing team",
    'website': 'https://github.com/service-invoicing/service_invoicing',
    'license': 'LGPL-3',
    'depends': ['sale_stock', 'account'],
    'data': [
        'security/service_invoicing_security.xml',
        'security/ir.model.access.csv',
        'data/ir_sequence_data.xml',
        'data/ir_cron_data.xml',
        'report/service_contract_invoice_preview_report.xml',
        'wizard/service_contract_invoice_wizard_views.xml',
        'views/service_contract_views.xml',
        'views/service_contract_period_views.xml',
        'views/account_move_views.xml',
        'views/sale_order_views.xml',
        'views/service_invoicing_menus.xml',
    ],
    'application': True,
    'installable': True,
}
