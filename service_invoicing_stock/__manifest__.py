{
    'name': "Service Invoicing - Inventory",
    'version': '19.0.1.1.0',
    'category': 'Accounting/Accounting',
    'summary': "Goods of service orders shipped through Odoo deliveries: posted shipment lines "
               "linked to their stock moves, returns giving quantities back",
    'author': "Service Invoicing team",
    'website': 'https://github.com/service-invoicing/service_invoicing',
    'license': 'LGPL-3',
    'depends': ['service_invoicing', 'sale_stock'],
    'data': [
        'views/service_shipment_views.xml',
        'views/stock_picking_views.xml',
    ],
    'post_init_hook': 'post_init_hook',
    'auto_install': True,
}
