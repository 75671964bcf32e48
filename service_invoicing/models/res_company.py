from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    service_backlog_contract_ready = fields.Boolean(
        string="Contract Periods Start Ready", default=True,
        help="New contract periods in the billing backlog are ready to invoice.")
    service_backlog_shipment_ready = fields.Boolean(
        string="Shipments Start Ready", default=True,
        help="New shipment lines in the billing backlog are ready to invoice.")
