"""Where Odoo moves timesheets to another order line without writing them (a task's or a
project's order line, the employee rates of a project): the backlog follows."""

from odoo import api, models


class ProjectProject(models.Model):
    _inherit = 'project.project'

    def write(self, vals):
        result = super().write(vals)
        if {'sale_line_id', 'allow_billable', 'sale_line_employee_ids'}.intersection(vals):
            self.env['account.analytic.line'].sudo().search([
                ('project_id', 'in', self.ids), ('timesheet_invoice_id', '=', False),
            ])._service_sync_billing_items()
        return result


class ProjectTask(models.Model):
    _inherit = 'project.task'

    def write(self, vals):
        result = super().write(vals)
        if 'sale_line_id' in vals:
            self.env['account.analytic.line'].sudo().search([
                ('task_id', 'in', self.ids), ('timesheet_invoice_id', '=', False),
            ])._service_sync_billing_items()
        return result


class ProjectSaleLineEmployeeMap(models.Model):
    _inherit = 'project.sale.line.employee.map'

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings._service_sync_timesheets()
        return mappings

    def write(self, vals):
        result = super().write(vals)
        if {'sale_line_id', 'employee_id'}.intersection(vals):
            self._service_sync_timesheets()
        return result

    def _service_sync_timesheets(self):
        self.env['account.analytic.line'].sudo().search([
            ('project_id', 'in', self.project_id.ids), ('timesheet_invoice_id', '=', False),
        ])._service_sync_billing_items()
