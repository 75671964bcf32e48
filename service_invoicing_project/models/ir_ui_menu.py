from odoo import models


class IrUiMenu(models.Model):
    _inherit = 'ir.ui.menu'

    def _load_menus_blacklist(self):
        """Approve Timesheets shows to who may approve: timesheet approvers, project
        administrators and the managers of a project."""
        result = super()._load_menus_blacklist()
        Project = self.env['project.project'].sudo().with_context(active_test=False)
        if not self.env['account.analytic.line']._service_approves_all() \
                and not Project.search_count([('user_id', '=', self.env.uid)], limit=1):
            result += [menu.id for menu in (
                self.env.ref('service_invoicing_project.menu_timesheet_approval',
                             raise_if_not_found=False),
                self.env.ref('service_invoicing_project.menu_service_timesheets_to_approve',
                             raise_if_not_found=False)) if menu]
        return result
