def post_init_hook(env):
    """Timesheets and milestones recorded before the bridge was installed join the billing
    backlog: what Odoo invoiced of them is found again from the invoices. Timesheets logged
    before are taken as approved (Odoo billed them without approval)."""
    timesheets = env['account.analytic.line'].search([
        ('project_id', '!=', False), ('so_line', '!=', False)])
    timesheets._service_approve_as_installed()
    timesheets._service_sync_billing_items()
    env['project.milestone'].search([('sale_line_id', '!=', False)])._service_sync_billing_items()
