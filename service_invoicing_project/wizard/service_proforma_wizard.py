from odoo import fields, models
from odoo.fields import Domain


class ServiceProformaWizard(models.TransientModel):
    _inherit = 'service.proforma.wizard'

    include_timesheets = fields.Boolean(string="Time and Material", default=True)
    include_milestones = fields.Boolean(string="Milestones", default=True)
    project_ids = fields.Many2many('project.project', string="Projects")

    def _source_types(self):
        return super()._source_types() + [source for source, chosen in (
            ('timesheet', self.include_timesheets),
            ('milestone', self.include_milestones)) if chosen]

    def _item_domain(self):
        domain = super()._item_domain()
        if self.project_ids:
            domain &= Domain('project_id', 'in', self.project_ids.ids)
        return domain
