"""Projects in the billing backlog: their backlog items, Invoice Project, Generate Periodic
Milestones; and where Odoo moves timesheets to another order line without writing them (a
task's or a project's order line, the employee rates of a project): the backlog follows."""

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import date_utils

from ..const import TIME_APPROVAL_PERIODS


class ProjectProject(models.Model):
    _inherit = 'project.project'

    service_billing_item_count = fields.Integer(
        string="Backlog", compute='_compute_service_billing_item_count',
        groups='service_invoicing.group_service_user',
        help="Backlog items of the project waiting to be invoiced.")
    service_customer_approval = fields.Boolean(
        string="Customer Approves Time",
        help="Billable time of this project is invoiced only once the customer approved it. "
             "The project manager approves it first (with Timesheet Approval on); the "
             "customer's contacts then approve or dispute each period of it on the portal, or "
             "from the link of the request emailed to them. Billing waits for both approvals, "
             "whichever way the order is invoiced. A change of the time by the company asks "
             "the customer again; so does the time unapproved and approved again.")
    service_approval_period = fields.Selection(
        TIME_APPROVAL_PERIODS, string="Approval Period", default='week', required=True,
        help="The time the customer approves at once, from Monday or the first of the month.")
    service_time_approver_id = fields.Many2one(
        'res.partner', string="Customer Approver",
        help="The contact emailed the requests to approve time. Empty: the customer's invoice "
             "address. Every contact of the customer with portal access may approve.")

    def _compute_service_billing_item_count(self):
        Item = self.env['service.billing.item']
        for project in self:
            project.service_billing_item_count = Item.search_count(
                project._service_billing_item_domain()
                & Domain('billing_status', 'in', ('ready', 'not_ready')))

    @api.model_create_multi
    def create(self, vals_list):
        users = self.env['res.users'].browse(
            {vals['user_id'] for vals in vals_list if vals.get('user_id')}
            | {self.env.context.get('default_user_id') or self.env.uid})
        newcomers = self._service_without_approval_menu(users)
        projects = super().create(vals_list)
        if newcomers & projects.user_id:
            self.env.registry.clear_cache()  # their Approve Timesheets menu shows
        return projects

    def write(self, vals):
        newcomers = self._service_without_approval_menu(
            self.env['res.users'].browse(vals.get('user_id') or []))
        result = super().write(vals)
        if newcomers:
            self.env.registry.clear_cache()  # their Approve Timesheets menu shows
        if {'sale_line_id', 'allow_billable', 'sale_line_employee_ids'}.intersection(vals):
            self.env['account.analytic.line'].sudo().search([
                ('project_id', 'in', self.ids), ('timesheet_invoice_id', '=', False),
            ])._service_sync_billing_items()
        if {'service_customer_approval', 'service_approval_period'}.intersection(vals):
            # The time still to invoice waits for the customer, or no longer.
            self.env['account.analytic.line'].sudo().search([
                ('project_id', 'in', self.ids), ('so_line', '!=', False),
            ])._service_sync_customer_approval(regroup=True)
        return result

    def _service_without_approval_menu(self, users):
        """Of ``users``, those the Approve Timesheets menu is hidden from (``ir.ui.menu``):
        no approver's group and no project managed yet. The menus are cached per user."""
        return users.filtered(lambda user: not user.has_group(
            'hr_timesheet.group_hr_timesheet_approver') and not self.sudo().with_context(
                active_test=False).search_count([('user_id', '=', user.id)], limit=1))

    def action_service_view_billing_items(self):
        """Open the billing backlog of these projects: their time and milestones, and the
        shipped materials of their orders."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_billing_item')
        action['domain'] = list(self._service_billing_item_domain())
        action['context'] = {'search_default_waiting': 1, 'search_default_group_project': 1}
        return action

    def action_service_invoice_project(self):
        """Invoice Project: proforma invoices of what is ready in these projects."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing_project.action_service_project_invoice_wizard')
        action['context'] = {'default_project_ids': self.ids}
        return action

    def action_service_generate_milestones(self):
        """Generate Periodic Milestones of this project's fixed-price order line."""
        self.ensure_one()
        line = self.env['sale.order.line'].search([
            ('order_id', 'in', self._service_sale_orders().ids),
            ('qty_delivered_method', '=', 'milestones'), ('state', '=', 'sale')], limit=1)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Generate Periodic Milestones"),
            'res_model': 'service.milestone.generate.wizard',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_project_id': self.id, 'default_sale_line_id': line.id},
        }

    def _service_approval_period_of(self, day):
        """(first day, last day) of the approval period of this project holding ``day``."""
        self.ensure_one()
        granularity = 'month' if self.service_approval_period == 'month' else 'week'
        return date_utils.start_of(day, granularity), date_utils.end_of(day, granularity)

    def _service_time_approver(self, customer):
        """The contact of ``customer`` emailed the requests to approve this project's time:
        the project's Customer Approver (one of the customer's), else its invoice address."""
        self.ensure_one()
        approver = self.sudo().service_time_approver_id
        if approver and approver.commercial_partner_id == customer:
            return approver
        return self.env['res.partner'].browse(customer.address_get(['invoice'])['invoice'])

    def _service_time_approval_vals(self, customer, date_start, company):
        """A new request to ``customer`` for this project's time of ``company`` of the
        period from ``date_start``."""
        self.ensure_one()
        project = self.sudo()
        date_start, date_end = project._service_approval_period_of(date_start)
        return {
            'project_id': project.id, 'partner_id': customer.id, 'company_id': company.id,
            'period': project.service_approval_period,
            'date_start': date_start, 'date_end': date_end,
            'contact_id': project._service_time_approver(customer).id,
        }

    def _service_sale_orders(self):
        """The sale orders of these projects: the order of their order line, and the orders
        that name them as their project."""
        projects = self.sudo()
        return projects.sale_order_id | self.env['sale.order'].sudo().search(
            [('project_id', 'in', self.ids)])

    def _service_billing_item_domain(self):
        """The backlog items of these projects: their time and milestones, and the shipment
        lines of their orders (the materials shipped for them)."""
        return Domain('project_id', 'in', self.ids) | (
            Domain('source_type', '=', 'shipment_line')
            & Domain('order_id', 'in', self._service_sale_orders().ids))


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
