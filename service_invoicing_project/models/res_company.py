from odoo import fields, models

from ..const import TIMESHEET_INVOICE_DETAILS


class ResCompany(models.Model):
    _inherit = 'res.company'

    service_timesheet_approval = fields.Boolean(
        string="Timesheet Approval", default=True,
        help="Timesheets are billed only once a project manager approved them, whichever way "
             "the order is invoiced (billing backlog or the order's Create Invoice).")
    service_timesheet_invoice_detail = fields.Selection(
        TIMESHEET_INVOICE_DETAILS, string="Time on Invoices", default='grouped', required=True,
        help="One invoice line per order line with the date range, hours and employees, or "
             "one line per timesheet with its description.")

    def write(self, vals):
        approval_changed = 'service_timesheet_approval' in vals and self.filtered(
            lambda company: company.service_timesheet_approval
            != vals['service_timesheet_approval'])
        result = super().write(vals)
        if approval_changed:
            # What is billable changed: the delivered hours and the backlog follow.
            timesheets = self.env['account.analytic.line'].sudo().search([
                ('company_id', 'in', approval_changed.ids), ('so_line', '!=', False),
                ('project_id', '!=', False)])
            timesheets.modified(['service_approved'])
            # Time of projects asking their customer waits for them, or no longer.
            timesheets.filtered(lambda timesheet: timesheet.project_id
                                .service_customer_approval)._service_sync_customer_approval()
        return result
