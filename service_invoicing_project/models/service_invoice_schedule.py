"""Invoice schedules of projects: a run invoices what is ready of the schedule's projects
only: their time, their milestones and the materials shipped on their orders."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceInvoiceSchedule(models.Model):
    _inherit = 'service.invoice.schedule'

    project_ids = fields.Many2many(
        'project.project', string="Projects", check_company=True,
        domain="[('is_template', '=', False), ('allow_billable', '=', True)]",
        help="Runs invoice the time, milestones and shipped materials of these projects only. "
             "Empty: any.")

    @api.depends('project_ids')
    def _compute_name(self):
        result = super()._compute_name()
        for schedule in self.filtered(lambda schedule: schedule.project_ids
                                      and not schedule.contract_id and not schedule.order_id):
            labels = dict(schedule._fields['frequency']._description_selection(self.env))
            projects = ', '.join(schedule.project_ids.mapped('name'))
            schedule.name = f'{projects} - {labels.get(schedule.frequency, "")}'
        return result

    @api.constrains('project_ids', 'contract_id')
    def _check_projects_scope(self):
        for schedule in self.filtered(lambda schedule: schedule.project_ids
                                      and schedule.contract_id):
            raise ValidationError(self.env._(
                "Schedule %(schedule)s is for a contract or for projects, not both: a "
                "contract's periods belong to no project.", schedule=schedule.display_name))

    def _item_domain(self, cutoff):
        domain = super()._item_domain(cutoff)
        if self.project_ids:
            domain &= self.project_ids._service_billing_item_domain()
        return domain
