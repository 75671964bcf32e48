from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    service_backlog_contract_ready = fields.Boolean(
        related='company_id.service_backlog_contract_ready', readonly=False)
    service_backlog_shipment_ready = fields.Boolean(
        related='company_id.service_backlog_shipment_ready', readonly=False)
