{
    'name': "Service Invoicing - Projects",
    'version': '19.0.1.0.0',
    'category': 'Accounting/Accounting',
    'summary': "Project billing through the billing backlog: time and material from approved "
               "timesheets with not-to-exceed limits, fixed-price milestones, manual invoicing "
               "of a project",
    'author': "Service Invoicing team",
    'website': 'https://github.com/service-invoicing/service_invoicing',
    'license': 'LGPL-3',
    'depends': ['service_invoicing', 'sale_timesheet', 'portal'],
    'data': [
        'security/service_invoicing_project_security.xml',
        'security/ir.model.access.csv',
        'views/account_analytic_line_views.xml',
        'views/service_billing_item_views.xml',
        'views/sale_order_views.xml',
        'views/res_config_settings_views.xml',
        'wizard/service_timesheet_approval_wizard_views.xml',
        'wizard/service_proforma_wizard_views.xml',
        'views/service_invoicing_project_menus.xml',
        'wizard/service_milestone_generate_wizard_views.xml',
        'wizard/service_project_invoice_wizard_views.xml',
        'views/project_project_views.xml',
        'views/service_invoice_schedule_views.xml',
        'data/service_time_approval_data.xml',
        'data/mail_template_data.xml',
        'views/service_time_approval_views.xml',
        'views/service_time_approval_portal_templates.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'service_invoicing_project/static/tests/tours/**/*',
        ],
    },
    'post_init_hook': 'post_init_hook',
    'auto_install': True,
}
