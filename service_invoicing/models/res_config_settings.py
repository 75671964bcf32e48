from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    service_backlog_contract_ready = fields.Boolean(
        related='company_id.service_backlog_contract_ready', readonly=False)
    service_backlog_shipment_ready = fields.Boolean(
        related='company_id.service_backlog_shipment_ready', readonly=False)
    service_pdf_headers_in_body = fields.Boolean(
        string="PDF Headers in the Page Body", compute='_compute_service_pdf_headers_in_body',
        help="The server's wkhtmltopdf cannot print separate headers and footers: the company "
             "header and footer are printed in the page body instead.")

    def _compute_service_pdf_headers_in_body(self):
        in_body = self.env['ir.actions.report']._service_headers_in_body()
        for settings in self:
            settings.service_pdf_headers_in_body = in_body
