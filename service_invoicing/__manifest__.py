{
    'name': "Service Invoicing",
    'version': '19.0.2.0.0',
    'category': 'Accounting/Accounting',
    'summary': "Service contracts billed per period, service orders and shipments invoiced "
               "the Business Central way",
    'author': "Service Invoicing team",
    'website': 'https://github.com/service-invoicing/service_invoicing',
    'license': 'LGPL-3',
    'depends': ['sale', 'account'],
    'data': [
        'security/service_invoicing_security.xml',
        'security/ir.model.access.csv',
        'data/ir_sequence_data.xml',
        'data/ir_cron_data.xml',
        'report/service_contract_invoice_preview_report.xml',
        'wizard/service_contract_invoice_wizard_views.xml',
        'wizard/service_order_post_wizard_views.xml',
        'wizard/service_shipment_lines_wizard_views.xml',
        'wizard/service_shipment_combine_wizard_views.xml',
        'views/service_contract_views.xml',
        'views/service_contract_period_views.xml',
        'views/service_shipment_views.xml',
        'views/account_move_views.xml',
        'views/sale_order_views.xml',
        'views/service_invoicing_menus.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'service_invoicing/static/tests/tours/**/*',
        ],
    },
    'application': True,
}
