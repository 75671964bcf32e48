"""Invoice Project has the test report of every proforma run."""

from odoo import fields, models

from odoo.addons.service_invoicing.wizard.service_test_report import ORIGINS

ORIGINS['project_invoice'] = ('project_wizard_id', 'action_create')


class ServiceTestReport(models.TransientModel):
    _inherit = 'service.test.report'

    origin = fields.Selection(selection_add=[('project_invoice', "Invoice Project")],
                              ondelete={'project_invoice': 'cascade'})
    project_wizard_id = fields.Many2one(
        'service.project.invoice.wizard', readonly=True, ondelete='cascade')


class ServiceProjectInvoiceWizard(models.TransientModel):
    _inherit = 'service.project.invoice.wizard'

    _service_test_report_origin = 'project_invoice'

    def _service_test_report_notes(self):
        return self._left_waiting()
