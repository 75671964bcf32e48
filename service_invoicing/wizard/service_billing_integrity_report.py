"""Check Billing Integrity: the findings of the integrity check, for a Manager to open."""

from odoo import api, fields, models


class ServiceBillingIntegrityReport(models.TransientModel):
    _name = 'service.billing.integrity.report'
    _description = "Billing Integrity Report"

    date = fields.Datetime(string="Checked On", default=fields.Datetime.now, readonly=True)
    finding_ids = fields.One2many('service.billing.integrity.finding', 'report_id',
                                  string="Findings", readonly=True)
    finding_count = fields.Integer(compute='_compute_finding_count')

    @api.depends('finding_ids')
    def _compute_finding_count(self):
        for report in self:
            report.finding_count = len(report.finding_ids)

    @api.model
    def action_check_billing_integrity(self):
        """Check Billing Integrity: every broken money invariant of the user's companies,
        listed with the record it is about."""
        found = self.env['service.billing.integrity']._find_broken_invariants(
            self.env.companies)
        report = self.create({'finding_ids': [fields.Command.create({
            'rule': finding['rule'], 'message': finding['message'],
            'record_ref': '%s,%s' % (document._name, document.id) if document else False,
        }) for finding in found
            for document in [self.env['service.billing.integrity']._finding_document(finding)]]})
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Billing Integrity"),
            'res_model': self._name,
            'res_id': report.id,
            'view_mode': 'form',
            'target': 'new',
        }


class ServiceBillingIntegrityFinding(models.TransientModel):
    _name = 'service.billing.integrity.finding'
    _description = "Billing Integrity Finding"

    report_id = fields.Many2one('service.billing.integrity.report', required=True,
                                ondelete='cascade')
    rule = fields.Char(readonly=True)
    message = fields.Text(string="Finding", readonly=True)
    record_ref = fields.Reference(selection='_selection_record_ref', string="Document",
                                 readonly=True)

    @api.model
    def _selection_record_ref(self):
        return [(model.model, model.name) for model in self.env['ir.model'].sudo().search([])]
