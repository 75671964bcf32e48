from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    service_timesheet_approval = fields.Boolean(
        related='company_id.service_timesheet_approval', readonly=False)
    service_timesheet_invoice_detail = fields.Selection(
        related='company_id.service_timesheet_invoice_detail', readonly=False)
