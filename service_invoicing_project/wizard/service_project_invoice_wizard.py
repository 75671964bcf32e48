"""Invoice Project (Project Service's manual invoicing of a project): proforma invoices of
what is ready in chosen projects up to a cut-off date, by type of item (time, milestones,
shipped materials), unit and milestone; what is left out is said."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

from odoo.addons.service_invoicing.models.service_billing_invoicing import GROUPINGS

# Items not ready said one by one in the result; the rest are counted.
NOT_READY_SAID = 10


class ServiceProjectInvoiceWizard(models.TransientModel):
    _name = 'service.project.invoice.wizard'
    _inherit = ['service.proforma.run']
    _description = "Invoice Project"

    project_ids = fields.Many2many(
        'project.project', string="Projects", required=True,
        domain="[('is_template', '=', False), ('allow_billable', '=', True)]")
    cutoff_date = fields.Date(
        string="Cut-off Date", required=True, default=fields.Date.context_today,
        help="Items dated up to this day are invoiced; later ones stay in the backlog.")
    invoice_date = fields.Date(required=True, default=fields.Date.context_today)
    include_timesheets = fields.Boolean(string="Time", default=True)
    include_milestones = fields.Boolean(string="Milestones", default=True)
    include_shipment_lines = fields.Boolean(
        string="Shipped Materials", default=True,
        help="Shipment lines of the projects' sale orders, shipped and not invoiced.")
    milestone_ids = fields.Many2many(
        'project.milestone', string="Only Milestones",
        domain="[('project_id', 'in', project_ids), ('sale_line_id', '!=', False)]",
        help="Empty: every reached milestone of the projects.")
    department_ids = fields.Many2many(
        'hr.department', string="Units",
        help="Time of the employees of these departments only. Empty: everyone's time.")
    grouping = fields.Selection(GROUPINGS, required=True, default='source')
    item_count = fields.Integer(string="Ready Items", compute='_compute_ready')
    amount_ready = fields.Monetary(
        string="Untaxed Amount Ready", compute='_compute_ready',
        currency_field='currency_id')
    currency_id = fields.Many2one('res.currency', default=lambda self: self.env.company.currency_id)

    @api.depends('project_ids', 'cutoff_date', 'include_timesheets', 'include_milestones',
                 'include_shipment_lines', 'milestone_ids', 'department_ids')
    def _compute_ready(self):
        for wizard in self:
            items = wizard._items() if wizard.project_ids and wizard.cutoff_date \
                else self.env['service.billing.item']
            wizard.item_count = len(items)
            # Amounts of one currency only: the company's (a total of several means nothing).
            wizard.amount_ready = sum(items.filtered(
                lambda item, wizard=wizard: item.currency_id == wizard.currency_id
            ).mapped('amount'))

    def action_create(self):
        """Create the proforma invoices (drafts) of what is ready in the projects, up to the
        cut-off date; say what was left out."""
        self.ensure_one()
        items = self._items()
        waiting = self._left_waiting()
        if not items:
            raise UserError('\n'.join([self.env._(
                "Nothing is ready to invoice in %(projects)s up to %(date)s for this choice.",
                projects=', '.join(self.project_ids.mapped('display_name')),
                date=format_date(self.env, self.cutoff_date))] + waiting))
        return self._run_proformas(items, notes=waiting)

    def _items(self):
        """The ready items of the projects this run invoices."""
        return self.env['service.billing.item'].search(
            self._scope_domain() & Domain([('billing_status', '=', 'ready'),
                                           ('date', '<=', self.cutoff_date)]),
            order='date, id')

    def _scope_domain(self):
        """The projects' items of the types, milestones and units chosen, whatever their
        status and date."""
        self.ensure_one()
        kinds = []
        if self.include_timesheets:
            time = Domain('source_type', '=', 'timesheet')
            if self.department_ids:
                # Employees are HR's: the departments' employees are looked up, not read.
                employees = self.env['hr.employee'].sudo().with_context(active_test=False) \
                    .search([('department_id', 'child_of', self.department_ids.ids)])
                time &= Domain('employee_id', 'in', employees.ids)
            kinds.append(time)
        if self.include_milestones:
            milestone = Domain('source_type', '=', 'milestone')
            if self.milestone_ids:
                milestone &= Domain('milestone_id', 'in', self.milestone_ids.ids)
            kinds.append(milestone)
        domain = Domain('project_id', 'in', self.project_ids.ids) & Domain.OR(kinds) \
            if kinds else Domain.FALSE
        if self.include_shipment_lines:
            domain |= Domain('source_type', '=', 'shipment_line') & Domain(
                'order_id', 'in', self.project_ids._service_sale_orders().ids)
        return domain

    def _left_waiting(self):
        """What stays in the backlog, said: items not ready (with their reason) and items
        ready after the cut-off."""
        waiting = self.env['service.billing.item'].search(
            self._scope_domain() & Domain('billing_status', 'in', ('ready', 'not_ready')),
            order='date, id')
        later = waiting.filtered(lambda item: item.billing_status == 'ready'
                                 and item.date and item.date > self.cutoff_date)
        messages = []
        if later:
            messages.append(self.env._(
                "Ready after the cut-off date %(date)s, left in the backlog: %(items)s.",
                date=format_date(self.env, self.cutoff_date),
                items=', '.join(later[:5].mapped('name'))
                + (self.env._(" and %(count)s more", count=len(later) - 5)
                   if len(later) > 5 else '')))
        not_ready = waiting.filtered(lambda item: item.billing_status == 'not_ready'
                                     and item.date and item.date <= self.cutoff_date)
        for item in not_ready[:NOT_READY_SAID]:
            messages.append(self.env._(
                "%(item)s is not ready to invoice: %(reason)s", item=item.name,
                reason=item.not_ready_reason or self.env._("mark it ready first.")))
        if len(not_ready) == NOT_READY_SAID + 1:
            messages.append(self.env._(
                "1 more item is not ready to invoice: see the project's backlog."))
        elif len(not_ready) > NOT_READY_SAID:
            messages.append(self.env._(
                "%(count)s more items are not ready to invoice: see the project's backlog.",
                count=len(not_ready) - NOT_READY_SAID))
        return list(dict.fromkeys(messages))
