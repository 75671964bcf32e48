{
    'name': "Service Invoicing - Job Queue",
    'version': '19.0.1.0.0',
    'category': 'Accounting/Accounting',
    'summary': "Contract invoicing runs spread over every Odoo server with an OCA queue_job "
               "runner: jobs of chunks on their own channel, results gathered per run",
    'author': "Service Invoicing team",
    'website': 'https://github.com/service-invoicing/service_invoicing',
    'license': 'LGPL-3',
    'depends': ['service_invoicing', 'queue_job'],
    'data': [
        'security/ir.model.access.csv',
        'security/service_invoicing_queue_security.xml',
        'data/queue_job_data.xml',
        'views/service_invoicing_run_views.xml',
    ],
    'auto_install': True,
}
