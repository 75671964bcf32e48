from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date


class ServiceTimesheetApprovalWizard(models.TransientModel):
    """Approve or unapprove timesheets in bulk: a week (or any range), employees, projects."""

    _name = 'service.timesheet.approval.wizard'
    _description = "Approve Timesheets"

    def _default_date_from(self):
        today = fields.Date.context_today(self)
        return today - timedelta(days=today.weekday())

    def _default_date_to(self):
        return self._default_date_from() + timedelta(days=6)

    date_from = fields.Date(required=True, default=lambda self: self._default_date_from())
    date_to = fields.Date(required=True, default=lambda self: self._default_date_to())
    employee_ids = fields.Many2many('hr.employee.public', string="Employees",
                                    help="Empty: every employee.")
    project_ids = fields.Many2many('project.project', string="Projects",
                                   help="Empty: every project you may approve.")
    timesheet_ids = fields.Many2many('account.analytic.line', string="Timesheets")
    timesheet_count = fields.Integer(compute='_compute_timesheet_count',
                                     string="Timesheets Concerned")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'account.analytic.line' \
                and self.env.context.get('active_ids') and 'timesheet_ids' in fields_list:
            values['timesheet_ids'] = [fields.Command.set(self.env.context['active_ids'])]
        return values

    @api.depends('date_from', 'date_to', 'employee_ids', 'project_ids', 'timesheet_ids')
    def _compute_timesheet_count(self):
        for wizard in self:
            wizard.timesheet_count = self.env['account.analytic.line'].search_count(
                wizard._domain())

    def _domain(self):
        self.ensure_one()
        if self.timesheet_ids:
            return Domain('id', 'in', self.timesheet_ids.ids)
        # The projects this user may approve only: a project's manager reads their own
        # time on other projects too.
        domain = Domain([('project_id', '!=', False), ('so_line', '!=', False),
                         ('date', '>=', self.date_from), ('date', '<=', self.date_to),
                         ('service_may_approve', '=', True)])
        if self.employee_ids:
            domain &= Domain('employee_id', 'in', self.employee_ids.ids)
        if self.project_ids:
            domain &= Domain('project_id', 'in', self.project_ids.ids)
        return domain

    def _timesheets(self):
        timesheets = self.env['account.analytic.line'].search(self._domain(), order='date, id')
        if not timesheets:
            raise UserError(self.env._(
                "No billable timesheet of a project you may approve from %(start)s to %(end)s "
                "for this choice.", start=format_date(self.env, self.date_from),
                end=format_date(self.env, self.date_to)))
        return timesheets

    def action_approve(self):
        self.ensure_one()
        self._timesheets().action_service_approve()
        return {'type': 'ir.actions.act_window_close'}

    def action_unapprove(self):
        self.ensure_one()
        self._timesheets().action_service_unapprove()
        return {'type': 'ir.actions.act_window_close'}
