"""Timesheets waiting for their customer's approval (project option Customer Approves Time).

The rule, after Project Operations' approvals: the project manager approves the time first
(with Timesheet Approval on), then the customer; billing waits for both. Time waits for its
customer once it is internally approved; it joins the approval request of its project,
customer and period. The company changing what the customer saw of it (hours, date, employee,
description, order line), or unapproving it, asks the customer again. Invoiced time is kept as
it was billed.
"""

from collections import defaultdict

from odoo import fields, models
from odoo.tools import format_date

from odoo.addons.service_invoicing.tools.trusted import trusted

from ..const import CUSTOMER_APPROVAL_STATES, TIMESHEET_CUSTOMER_FIELDS

_NOT_ASKED = {
    'service_customer_state': False, 'service_time_approval_id': False,
    'service_customer_partner_id': False, 'service_customer_date': False,
    'service_customer_comment': False,
}


class AccountAnalyticLine(models.Model):
    _inherit = 'account.analytic.line'  # pylint: disable=consider-merging-classes-inherited

    service_customer_state = fields.Selection(
        CUSTOMER_APPROVAL_STATES, string="Customer Approval", readonly=True, copy=False,
        index='btree_not_null',
        help="With Customer Approves Time on the project: the customer's answer. Empty: not "
             "asked (the project does not ask, or its manager did not approve the time yet).")
    service_time_approval_id = fields.Many2one(
        'service.time.approval', string="Approval Request", readonly=True, copy=False,
        index='btree_not_null', ondelete='set null')
    service_customer_partner_id = fields.Many2one(
        'res.partner', string="Answered By", readonly=True, copy=False)
    service_customer_date = fields.Datetime(string="Answered On", readonly=True, copy=False)
    service_customer_comment = fields.Text(
        string="Customer's Comment", readonly=True, copy=False,
        help="Why the customer disputes this time.")

    def unlink(self):
        requests = self.sudo().service_time_approval_id
        result = super().unlink()
        requests._service_update_state()
        return result

    def _service_internally_billable(self):
        """Approved by the project manager, or the company does not ask for it."""
        self.ensure_one()
        return self.service_approved or not self.company_id.service_timesheet_approval

    def _service_customer_changed_by(self, vals):
        """The timesheets the customer answered for that ``vals`` changes as the customer
        sees them."""
        names = [name for name in TIMESHEET_CUSTOMER_FIELDS if name in vals]
        if not names:
            return self.browse()
        answered = self.sudo().filtered(lambda timesheet: timesheet.service_customer_state
                                        in ('approved', 'disputed'))
        if not answered:
            return self.browse()
        new = {name: self._fields[name].convert_to_cache(vals[name], self) for name in names}
        return answered.filtered(lambda timesheet: any(
            self._fields[name].convert_to_cache(timesheet[name], timesheet) != value
            for name, value in new.items()))

    def _service_customer_billed(self):
        """Invoiced (even partly, on a draft): the customer's answer stays as billed."""
        self.ensure_one()
        return bool(self.timesheet_invoice_id) or any(
            item._service_has_been_billed() for item in self.service_billing_item_ids)

    def _service_sync_customer_approval(self, changed=None, regroup=False):
        """Whether each of these timesheets waits for its customer, and on which request:
        time internally approved of a project asking the customer joins the request of its
        period; ``changed`` (changed by the company since the customer answered) waits
        again; ``regroup``: its project, customer or period may have changed. The backlog
        follows: what became billable is made ready (within the not-to-exceed limit), what
        no longer is, not ready."""
        timesheets = self.sudo().exists()
        if not any(timesheet.service_customer_state
                   or timesheet.project_id.service_customer_approval
                   for timesheet in timesheets):
            return  # no customer asked, none to ask: the usual case, at no cost
        timesheets = timesheets.filtered(
            lambda timesheet: not timesheet._service_customer_billed())
        if not timesheets:
            return
        changed = (changed or self.browse()).sudo()
        was_billable = {timesheet: timesheet._service_is_billable() for timesheet in timesheets}
        asked = timesheets._service_bills_on_timesheets().filtered(
            lambda timesheet: timesheet.project_id.service_customer_approval
            and timesheet._service_internally_billable())
        requests = self.env['service.time.approval'].sudo()
        not_asked = timesheets.filtered(
            lambda timesheet: timesheet.service_customer_state and timesheet not in asked
            and (timesheet.service_customer_state != 'approved'
                 or not timesheet._service_internally_billable()))
        requests |= not_asked.service_time_approval_id
        trusted(not_asked).write(_NOT_ASKED)
        # {(project, customer, first day of the period): timesheets}, and their company.
        wanted, companies = defaultdict(list), {}
        to_ask = self.browse()
        for timesheet in asked:
            state = timesheet.service_customer_state
            again = not state or (timesheet in changed and state != 'to_approve')
            if not again and not regroup and timesheet.service_time_approval_id:
                continue
            project = timesheet.project_id
            key = (project, timesheet._service_customer(),
                   project._service_approval_period_of(timesheet.date)[0])
            request = timesheet.service_time_approval_id
            if again or (request.project_id, request.partner_id, request.date_start) != key:
                wanted[key].append(timesheet.id)
                companies.setdefault(key, timesheet.company_id)
                if again:
                    to_ask |= timesheet
        found = self.env['service.time.approval']._service_request_for(companies)
        for key, ids in wanted.items():
            moved = self.browse(ids).sudo()
            requests |= moved.service_time_approval_id | found[key]
            values = {'service_time_approval_id': found[key].id}
            if moved & to_ask:
                trusted(moved & to_ask).write({**_NOT_ASKED, **values,
                                               'service_customer_state': 'to_approve'})
                trusted(found[key]).to_send = True
            if moved - to_ask:
                trusted(moved - to_ask).write(values)
        requests._service_update_state()
        timesheets._service_follow_billability(was_billable)

    def _service_follow_billability(self, was_billable):
        """The backlog items of the timesheets whose billability changed: ready (as far as
        their reasons allow) or not ready."""
        now_billable = self.filtered(lambda timesheet: timesheet._service_is_billable())
        lost = self.filtered(lambda timesheet: was_billable.get(timesheet)
                             and timesheet not in now_billable)
        gained = now_billable.filtered(lambda timesheet: not was_billable.get(timesheet, True))
        trusted(lost.service_billing_item_ids.filtered(
            lambda item: item.billing_status in ('ready', 'not_ready'))).ready = False
        gained.service_billing_item_ids.filtered(
            lambda item: item.billing_status == 'not_ready')._make_ready_where_allowed()

    def _service_customer(self):
        """The customer billed for this timesheet (the backlog item's customer)."""
        self.ensure_one()
        return self.so_line.order_id.partner_invoice_id.commercial_partner_id

    def _service_customer_waiting_reason(self):
        """Why this timesheet, internally approved, waits for its customer ('' when not)."""
        self.ensure_one()
        timesheet = self.sudo()
        state = timesheet.service_customer_state
        request = timesheet.service_time_approval_id
        if state == 'disputed':
            return self.env._(
                "%(customer)s disputes the timesheet of %(employee)s on %(date)s: "
                "\u201c%(comment)s\u201d. Correct the timesheet (the customer is asked again) "
                "or Ask Again on the approval request %(request)s.",
                customer=(timesheet.service_customer_partner_id
                          or request.partner_id).display_name,
                employee=timesheet.employee_id.name, date=format_date(self.env, timesheet.date),
                comment=timesheet.service_customer_comment or '',
                request=request.display_name)
        if state == 'to_approve':
            if request.sent_date:
                return self.env._(
                    "The timesheet of %(employee)s on %(date)s waits for the customer's "
                    "approval (%(request)s, sent on %(sent)s).",
                    employee=timesheet.employee_id.name,
                    date=format_date(self.env, timesheet.date), request=request.display_name,
                    sent=format_date(self.env, request.sent_date))
            return self.env._(
                "The timesheet of %(employee)s on %(date)s waits for the customer's approval "
                "(%(request)s, not sent yet: Send to Customer on the request).",
                employee=timesheet.employee_id.name, date=format_date(self.env, timesheet.date),
                request=request.display_name)
        return ''
