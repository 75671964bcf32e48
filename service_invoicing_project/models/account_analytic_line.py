"""Timesheets billed on time and material: approval, and their place in the billing backlog.

Odoo Community bills every timesheet not yet invoiced; Project Operations bills approved time
only. With Timesheet Approval on (a company setting, on by default) a timesheet counts as
delivered for its order line only once a project manager approved it, so Odoo's own Create
Invoice, Combine Shipments and the backlog all bill approved time only. An approved timesheet
is no longer changed by its employee, an invoiced one by nobody; a timesheet's invoice is set
and released by invoicing only.
"""

import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from odoo.addons.service_invoicing.const import HOURS_PER_DAY
from odoo.addons.service_invoicing.tools.formatting import format_quantity
from odoo.addons.service_invoicing.tools.trusted import is_trusted, trusted

from ..const import (
    TIMESHEET_APPROVAL_FIELDS,
    TIMESHEET_BILLED_FIELDS,
    TIMESHEET_CUSTOMER_FIELDS,
    TIMESHEET_FROZEN_WHEN_BILLED,
)


class AccountAnalyticLine(models.Model):
    _inherit = 'account.analytic.line'

    service_approved = fields.Boolean(
        string="Approved", readonly=True, copy=False, index='btree_not_null',
        help="Approved by a project manager: billable (with Timesheet Approval on).")
    service_approved_by_id = fields.Many2one(
        'res.users', string="Approved By", readonly=True, copy=False)
    service_approved_date = fields.Datetime(string="Approved On", readonly=True, copy=False)
    service_qty_non_chargeable = fields.Float(
        string="Non-Chargeable Hours", readonly=True, copy=False,
        help="Hours confirmed as non-chargeable on a proforma invoice: never billed.")
    service_billing_item_ids = fields.One2many(
        'service.billing.item', 'timesheet_id', string="Backlog Item", readonly=True)
    service_billing_status = fields.Selection(
        related='service_billing_item_ids.billing_status', string="Billing Status")
    service_may_approve = fields.Boolean(
        string="You May Approve", compute='_compute_service_may_approve',
        search='_search_service_may_approve',
        help="Timesheets of the projects you manage (all for timesheet approvers and project "
             "administrators): Approve and Unapprove are yours.")

    # --- What is billable ------------------------------------------------------------------

    @api.model
    def _service_billable_domain(self):
        """Timesheets that may be billed: approved (or their company does not ask for
        approval), and approved by the customer where the project asks for it."""
        return (Domain('service_approved', '=', True)
                | Domain('company_id.service_timesheet_approval', '=', False)) \
            & Domain('service_customer_state', 'not in', ['to_approve', 'disputed'])

    def _service_is_billable(self):
        self.ensure_one()
        return self._service_internally_billable() \
            and self.service_customer_state not in ('to_approve', 'disputed')

    def _service_bills_on_timesheets(self):
        """Timesheets whose order line is invoiced on timesheets: items of the backlog."""
        return self.filtered(lambda timesheet: timesheet.project_id and timesheet.so_line
                             and timesheet.so_line.qty_delivered_method == 'timesheet')

    # --- Hours -----------------------------------------------------------------------------

    @api.constrains('unit_amount', 'employee_id', 'date', 'project_id')
    def _service_check_hours(self):
        """Hours are numbers, and an employee's timesheets of a day hold 24 hours at most.
        Negative hours stay, as Odoo takes them (corrections), within 24 hours a day too."""
        timesheets = self.filtered('project_id')
        for timesheet in timesheets:
            timesheet._service_check_hours_are_numbers(timesheet.unit_amount)
        days = {(timesheet.employee_id.id, timesheet.date)
                for timesheet in timesheets if timesheet.employee_id and timesheet.date}
        if not days:
            return
        # Every timesheet of those days counts, those this user may not read too.
        totals = self.sudo()._read_group([
            ('project_id', '!=', False),
            ('employee_id', 'in', list({employee for employee, _day in days})),
            ('date', 'in', list({day for _employee, day in days})),
        ], ['employee_id', 'date:day'], ['unit_amount:sum'])
        for employee, day, hours in totals:
            if (employee.id, day) not in days or round(abs(hours), 2) <= HOURS_PER_DAY:
                continue
            values = {'employee': employee.name, 'hours': format_quantity(self.env, hours),
                      'date': format_date(self.env, day), 'day_hours': int(HOURS_PER_DAY)}
            if hours > 0:
                raise ValidationError(self.env._(
                    "%(employee)s would have %(hours)s h of timesheets on %(date)s: a day has "
                    "%(day_hours)s hours. Correct the hours of that day.", **values))
            raise ValidationError(self.env._(
                "%(employee)s would have %(hours)s h of timesheets on %(date)s: a day has "
                "%(day_hours)s hours, and a correction takes away no more than that. Correct "
                "the hours of that day.", **values))

    def _service_check_hours_are_numbers(self, *hours, employee=None, day=None):
        """Refuse hours that are NaN or infinite, naming the timesheet (or the one being
        created, of ``employee`` on ``day``)."""
        found = []
        for value in hours:
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue  # not a number at all: the field refuses it
            if not math.isfinite(value):
                found.append(value)
        if found:
            employee = employee if employee is not None else self.employee_id
            day = day or self.date or fields.Date.context_today(self)
            (self.company_id or self.env.company)._service_check_finite(self.env._(
                "Timesheet of %(employee)s on %(date)s", employee=employee.name or "",
                date=format_date(self.env, day)), *found)

    # --- Writes ----------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if any(TIMESHEET_APPROVAL_FIELDS.intersection(vals) for vals in vals_list) \
                and not is_trusted(self):
            raise UserError(self.env._(
                "A timesheet is approved with Approve, by a project manager: not when it is "
                "created."))
        self._service_check_invoice_link_untouched(vals_list)
        for vals in vals_list:
            # Before Odoo costs the hours: a NaN would crash its rounding, not be refused.
            if 'unit_amount' in vals:
                self._service_check_hours_are_numbers(
                    vals['unit_amount'], day=vals.get('date'),
                    employee=self.env['hr.employee'].browse(vals.get('employee_id'))
                    or self.env.user.employee_id)
        timesheets = super().create(vals_list)
        timesheets._service_sync_customer_approval()
        timesheets._service_sync_billing_items()
        return timesheets

    def write(self, vals):
        self._service_check_approval_untouched(vals)
        self._service_check_invoice_link_untouched([vals])
        self._service_check_billed_untouched(vals)
        if 'unit_amount' in vals:
            for timesheet in self[:1]:
                timesheet._service_check_hours_are_numbers(vals['unit_amount'])
        changed = self._service_customer_changed_by(vals)
        with self.env.protecting(self._service_frozen_by(vals), self):
            result = super().write(vals)
        seen = set(TIMESHEET_CUSTOMER_FIELDS).intersection(vals)
        if seen or 'service_approved' in vals:
            self._service_sync_customer_approval(changed=changed, regroup=bool(seen))
        if {'so_line', 'project_id', 'task_id', 'date', 'name', 'employee_id', 'unit_amount'} \
                .intersection(vals):
            self._service_sync_billing_items()
        return result

    def _service_frozen_by(self, vals):
        """The fields ``vals`` cannot change: linking timesheets to an invoice (Odoo's Create
        Invoice, a proforma) bills them, and Odoo then keeps their project, partner and order
        line, so recomputing those and what follows from them (thousands of timesheets in a
        batch) would only find them unchanged."""
        if set(vals) != {'timesheet_invoice_id'} or not vals['timesheet_invoice_id'] \
                or self.env['account.move'].browse(vals['timesheet_invoice_id']).state == 'cancel':
            return []
        return [self._fields[name] for name in TIMESHEET_FROZEN_WHEN_BILLED
                if name in self._fields]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved_or_billed(self):
        self._service_check_billed_untouched({'unit_amount'})

    def _service_check_approval_untouched(self, vals):
        written = TIMESHEET_APPROVAL_FIELDS.intersection(vals)
        if written and not is_trusted(self):
            raise UserError(self.env._(
                "Approval of timesheets (%(fields)s) changes through Approve and Unapprove, by "
                "a project manager.", fields=', '.join(sorted(written))))

    def _service_check_invoice_link_untouched(self, vals_list):
        """A timesheet's invoice is Odoo's record that it is billed: unlinked, Odoo's Create
        Invoice would bill it again; linked to any invoice, never. Invoicing sets and releases
        it (as superuser, Odoo's own invoicing as ours), nobody by hand."""
        if not self.env.su and any('timesheet_invoice_id' in vals for vals in vals_list):
            raise UserError(self.env._(
                "The invoice of a timesheet is set by invoicing (a proforma invoice, Odoo's "
                "Create Invoice) and released by deleting or crediting its invoice line: it "
                "cannot be changed by hand."))

    def _service_check_billed_untouched(self, vals):
        """An approved timesheet is changed only by who may approve it; an invoiced one (on a
        draft or posted invoice, even partly) by nobody."""
        if self.env.su or not TIMESHEET_BILLED_FIELDS.intersection(vals):
            return
        billed = self.filtered(lambda timesheet: timesheet.sudo().service_billing_item_ids
                               .filtered(lambda item: item._service_has_been_billed()))
        if billed:
            raise UserError(self.env._(
                "The timesheet of %(employee)s on %(date)s (%(project)s) is invoiced: it can no "
                "longer be changed or deleted. Correct the invoice first (a credit note gives "
                "the hours back to the backlog).", employee=billed[0].employee_id.name,
                date=format_date(self.env, billed[0].date),
                project=billed[0].project_id.display_name))
        approved = self.filtered('service_approved')
        refused = approved - approved._service_filtered_may_approve()
        if refused:
            raise UserError(self.env._(
                "The timesheet of %(employee)s on %(date)s (%(project)s) is approved: only a "
                "project manager can change it now. Ask them to unapprove it first.",
                employee=refused[0].employee_id.name,
                date=format_date(self.env, refused[0].date),
                project=refused[0].project_id.display_name))

    # --- Approval --------------------------------------------------------------------------

    @api.model
    def _service_approves_all(self):
        """Timesheet approvers and project administrators approve every project's time."""
        user = self.env.user
        return self.env.su or user.has_group('hr_timesheet.group_hr_timesheet_approver') \
            or user.has_group('project.group_project_manager')

    def _service_filtered_may_approve(self):
        """The timesheets this user may approve: all for timesheet approvers and project
        administrators, those of the projects they manage for a project manager."""
        if self._service_approves_all():
            return self
        user = self.env.user
        return self.filtered(lambda timesheet: timesheet.sudo().project_id.user_id == user)

    @api.depends_context('uid')
    def _compute_service_may_approve(self):
        allowed = self._service_filtered_may_approve()
        for timesheet in self:
            timesheet.service_may_approve = timesheet in allowed

    @api.model
    def _search_service_may_approve(self, operator, value):
        if operator not in ('in', 'not in'):
            return NotImplemented
        mine = Domain('project_id', '!=', False)
        if not self._service_approves_all():
            mine &= Domain('project_id.user_id', '=', self.env.uid)
        return mine if (operator == 'in') == (True in value) else ~mine

    def _service_check_may_approve(self):
        refused = self - self._service_filtered_may_approve()
        if refused:
            raise AccessError(self.env._(
                "You may not approve the timesheets of project %(project)s: its project "
                "manager or a timesheet approver does.",
                project=refused[0].sudo().project_id.display_name))

    def action_service_approve(self):
        """Approve: these timesheets may be billed; their backlog items become ready to
        invoice as far as their order line's not-to-exceed limit allows."""
        self.check_access('read')
        self._service_check_may_approve()
        to_approve = self.filtered(lambda timesheet: not timesheet.service_approved)
        trusted(to_approve.sudo()).write({
            'service_approved': True,
            'service_approved_by_id': self.env.user.id,
            'service_approved_date': fields.Datetime.now(),
        })
        items = self.sudo().service_billing_item_ids.filtered(
            lambda item: item.billing_status == 'not_ready')
        items._make_ready_where_allowed()
        return True

    def action_service_unapprove(self):
        """Unapprove: these timesheets are no longer billable (refused for invoiced ones)."""
        self.check_access('read')
        self._service_check_may_approve()
        billed = self.filtered(lambda timesheet: timesheet.sudo().service_billing_item_ids
                               .filtered(lambda item: item._service_has_been_billed()))
        if billed:
            raise UserError(self.env._(
                "The timesheet of %(employee)s on %(date)s is invoiced and stays approved. "
                "Correct the invoice first.", employee=billed[0].employee_id.name,
                date=format_date(self.env, billed[0].date)))
        approved = self.filtered('service_approved')
        trusted(approved.sudo().service_billing_item_ids).ready = False
        trusted(approved.sudo()).write({
            'service_approved': False, 'service_approved_by_id': False,
            'service_approved_date': False,
        })
        return True

    @api.model
    def action_service_open_approval_wizard(self):
        """Approve a Week, from the timesheets to approve."""
        return self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing_project.action_service_timesheet_approval_wizard')

    def _service_approve_as_installed(self):
        """Timesheets recorded before the bridge: approved (Odoo billed them as they were)."""
        trusted(self.sudo().filtered(lambda timesheet: not timesheet.service_approved)).write(
            {'service_approved': True, 'service_approved_date': fields.Datetime.now()})

    def _service_relink_invoices(self):
        """Timesheets released from an invoice that another invoice still bills (in part)
        stay linked to that one."""
        released = self.sudo().filtered(lambda timesheet: not timesheet.timesheet_invoice_id)
        if not released:
            return
        lines = self.env['account.move.line'].sudo().search([
            ('service_timesheet_ids', 'in', released.ids),
            ('move_id.move_type', '=', 'out_invoice'), ('parent_state', '!=', 'cancel'),
        ], order='id')
        for line in lines:
            for timesheet in line.service_timesheet_ids & released:
                timesheet.timesheet_invoice_id = line.move_id

    # --- The billing backlog ---------------------------------------------------------------

    def _service_sync_billing_items(self):
        """Each timesheet of an order line invoiced on timesheets is an item of the backlog;
        the item follows the timesheet's order line, date, employee and description."""
        Item = trusted(self.env['service.billing.item'].sudo())
        timesheets = self.sudo().exists()
        billable = timesheets._service_bills_on_timesheets()
        items = Item.search([('timesheet_id', 'in', timesheets.ids)])
        # A timesheet taken off its order line leaves the backlog (an invoiced one cannot).
        items.filtered(lambda item: item.timesheet_id not in billable).unlink()
        existing = {item.timesheet_id: item for item in items if item.exists()}
        to_create = []
        for timesheet in billable:
            vals = timesheet._service_billing_item_vals()
            item = existing.get(timesheet)
            if not item:
                ready = timesheet._service_is_billable()
                to_create.append({**vals, 'source_type': 'timesheet',
                                  'timesheet_id': timesheet.id, 'ready': False,
                                  '_ready': ready})
                continue
            changed = item._service_values_that_differ(vals)
            if changed:
                item.write(changed)
        if to_create:
            wanted = [vals.pop('_ready') for vals in to_create]
            created = Item.create(to_create)
            Item.union(*(item for item, ready in zip(created, wanted, strict=True) if ready)) \
                ._make_ready_where_allowed()

    def _service_billing_item_vals(self):
        self.ensure_one()
        line = self.so_line
        return {
            **line._service_billing_item_vals(),
            'project_id': self.project_id.id,
            'task_id': self.task_id.id,
            'employee_id': self.employee_id.id,
            'name': self.name if self.name and self.name != '/' else line.name,
            'date': self.date,
        }
