"""The customer's approval of a project's time, one request per project, customer and period.

With *Customer Approves Time* on a project, billable time approved by its project manager
(or all of it, without Timesheet Approval) waits for the customer: it joins the request of
its period (a week by default), which the customer's contacts answer on the portal, or from
the link of the request emailed to them (its access token, for that request only). Approved
time is billable, its backlog items ready; disputed time stays not ready with the customer's
comment, and the project manager gets an activity.
"""

import hashlib

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq, format_date

from odoo.addons.service_invoicing.tools.formatting import format_quantity
from odoo.addons.service_invoicing.tools.trusted import trusted

from ..const import TIME_APPROVAL_PERIODS, TIME_APPROVAL_STATES

TIME_DISPUTED_ACTIVITY = 'service_invoicing_project.mail_activity_type_time_disputed'
UNSENT_ACTIVITY = 'mail.mail_activity_data_warning'
COMMENT_MAX_LENGTH = 2000


class ServiceTimeApproval(models.Model):
    _name = 'service.time.approval'
    _description = "Customer Approval of Time"
    _inherit = ['portal.mixin', 'mail.thread', 'mail.activity.mixin']
    _order = 'date_start desc, id desc'
    _check_company_auto = True

    project_id = fields.Many2one('project.project', required=True, readonly=True, index=True,
                                 ondelete='cascade')
    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, readonly=True, index=True,
        help="The customer billed for the time (its commercial entity): its contacts approve.")
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    user_id = fields.Many2one(related='project_id.user_id', string="Project Manager")
    period = fields.Selection(TIME_APPROVAL_PERIODS, required=True, readonly=True)
    date_start = fields.Date(string="From", required=True, readonly=True)
    date_end = fields.Date(string="To", required=True, readonly=True)
    state = fields.Selection(TIME_APPROVAL_STATES, required=True, readonly=True,
                             default='to_approve', index=True, tracking=True)
    timesheet_ids = fields.One2many('account.analytic.line', 'service_time_approval_id',
                                    string="Timesheets", readonly=True)
    hours = fields.Float(compute='_compute_hours', store=True,
                         help="The time of the period the customer is asked to approve.")
    hours_to_approve = fields.Float(string="Hours to Approve", compute='_compute_hours',
                                    store=True)
    contact_id = fields.Many2one(
        'res.partner', string="Send To", readonly=True,
        help="The customer's contact emailed the request: the project's Customer Approver, "
             "else the customer's invoice address.")
    to_send = fields.Boolean(
        readonly=True,
        help="Time waits that the customer was not asked for yet: the daily job emails the "
             "request once the period is over (or Send to Customer).")
    sent_date = fields.Datetime(string="Last Sent On", readonly=True)
    comment = fields.Text(string="Customer's Comment", readonly=True,
                          help="What the customer said when disputing time, the last time.")
    answered_by_id = fields.Many2one('res.partner', readonly=True)
    answered_date = fields.Datetime(string="Answered On", readonly=True)

    _period_unique = models.Constraint(
        'UNIQUE(project_id, partner_id, date_start)',
        "A project's time of a period is approved by its customer through one request.")

    @api.depends('project_id.name', 'period', 'date_start')
    def _compute_display_name(self):
        for request in self:
            if not request.date_start:
                request.display_name = request.project_id.name or ''
            elif request.period == 'month':
                request.display_name = self.env._(
                    "%(project)s, %(month)s", project=request.project_id.name,
                    month=format_date(self.env, request.date_start, date_format='MMMM y'))
            else:
                request.display_name = self.env._(
                    "%(project)s, week of %(date)s", project=request.project_id.name,
                    date=format_date(self.env, request.date_start))

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for request in self:
            request.access_url = f'/my/time/{request.id}'
        return result

    @api.depends('timesheet_ids.unit_amount', 'timesheet_ids.service_customer_state')
    def _compute_hours(self):
        for request in self:
            timesheets = request.timesheet_ids
            request.hours = sum(timesheets.mapped('unit_amount'))
            request.hours_to_approve = sum(timesheets.filtered(
                lambda timesheet: timesheet.service_customer_state == 'to_approve',
            ).mapped('unit_amount'))

    # --- Who answers -----------------------------------------------------------------------

    def _service_check_customer_may_approve(self, access_token=None):
        """The one rule of who approves or disputes the time of this request, whatever the
        path (the portal, the emailed link, JSON-RPC): a contact of its customer (a user of
        the customer's commercial entity), or whoever holds this request's link (its access
        token: it opens this request only). The company's users do not answer for the
        customer."""
        self.ensure_one()
        request = self.sudo()
        if access_token and request.access_token \
                and consteq(request.access_token, str(access_token)):
            return
        user = self.env.user
        if not user._is_public() \
                and user.partner_id.commercial_partner_id == request.partner_id:
            return
        raise AccessError(self.env._(
            "Only a contact of %(customer)s approves or disputes the time of %(request)s.",
            customer=request.partner_id.display_name, request=request.display_name))

    def _service_check_may_manage(self):
        """Send a request, ask again: who may approve the project's time (its manager,
        timesheet approvers, project administrators)."""
        Timesheet = self.env['account.analytic.line']
        if Timesheet._service_approves_all():
            return
        refused = self.filtered(lambda request: request.sudo().project_id.user_id
                                != self.env.user)
        if refused:
            raise AccessError(self.env._(
                "You may not send or reopen the approval request %(request)s: the manager of "
                "project %(project)s does.", request=refused[0].sudo().display_name,
                project=refused[0].sudo().project_id.display_name))

    # --- The customer's answer -------------------------------------------------------------

    def action_customer_approve(self, timesheet_ids=None, version=None, access_token=None):
        """The customer approves the time waiting in this request (``timesheet_ids``: some
        of it): it may be billed, its backlog items become ready to invoice."""
        timesheets, partner = self._service_customer_answer(timesheet_ids, version,
                                                            access_token)
        trusted(timesheets).write({
            'service_customer_state': 'approved', 'service_customer_partner_id': partner.id,
            'service_customer_date': fields.Datetime.now(), 'service_customer_comment': False,
        })
        timesheets.service_billing_item_ids.filtered(
            lambda item: item.billing_status == 'not_ready')._make_ready_where_allowed()
        request = self.sudo()
        request._service_record_answer(partner, False)
        request.message_post(author_id=partner.id,
                             body=request._service_answer_text(partner, timesheets))
        return True

    def action_customer_dispute(self, comment, timesheet_ids=None, version=None,
                                access_token=None):
        """The customer disputes the time waiting in this request (``timesheet_ids``: some
        of it), saying why: it stays not ready to invoice, with the comment, and the project
        manager gets an activity."""
        comment = (comment or '').strip() if isinstance(comment, str) else ''
        if not comment:
            raise UserError(self.env._(
                "Say what is wrong with the time you dispute: the project manager reads your "
                "comment to correct it."))
        if len(comment) > COMMENT_MAX_LENGTH:
            raise UserError(self.env._(
                "Your comment is %(length)s characters long: shorten it to %(max)s.",
                length=len(comment), max=COMMENT_MAX_LENGTH))
        timesheets, partner = self._service_customer_answer(timesheet_ids, version,
                                                            access_token)
        trusted(timesheets).write({
            'service_customer_state': 'disputed', 'service_customer_partner_id': partner.id,
            'service_customer_date': fields.Datetime.now(),
            'service_customer_comment': comment,
        })
        request = self.sudo()
        request._service_record_answer(partner, comment)
        request.message_post(author_id=partner.id,
                             body=request._service_answer_text(partner, timesheets, comment))
        request.activity_schedule(
            TIME_DISPUTED_ACTIVITY, note=comment,
            summary=self.env._("%(customer)s disputes time of %(request)s",
                               customer=request.partner_id.display_name,
                               request=request.display_name),
            user_id=(request.project_id.user_id or request.create_uid).id)
        return True

    def _service_customer_answer(self, timesheet_ids, version, access_token):
        """(the timesheets answered, as superuser; the partner answering) after the checks
        every answer passes: who answers, that the time is as the customer read it
        (``version``), and that it waits for them."""
        self.ensure_one()
        self._service_check_customer_may_approve(access_token)
        request = self.sudo()
        waiting = request._service_timesheets_to_approve()
        if version is not None and version != request._service_version():
            raise UserError(self.env._(
                "The time of %(request)s changed since you opened it: read it again before "
                "you answer.", request=request.display_name))
        if timesheet_ids:
            try:
                wanted = {int(timesheet_id) for timesheet_id in timesheet_ids}
            except (TypeError, ValueError):
                wanted = {0}
            if not wanted <= set(waiting.ids):
                raise UserError(self.env._(
                    "Only the time of %(request)s that waits for your approval can be "
                    "approved or disputed: read the period again.",
                    request=request.display_name))
            waiting = waiting.browse(sorted(wanted))
        if not waiting:
            raise UserError(self.env._(
                "No time of %(request)s waits for your approval.",
                request=request.display_name))
        user = self.env.user
        # Who holds the link is taken for the contact it was sent to.
        partner = (request.contact_id or request.partner_id) if user._is_public() \
            else user.partner_id
        return waiting, partner

    def _service_record_answer(self, partner, comment):
        values = {'answered_by_id': partner.id, 'answered_date': fields.Datetime.now()}
        if comment:
            values['comment'] = comment
        trusted(self).write(values)
        self._service_update_state()

    # --- Requests kept with their time ------------------------------------------------------

    def _service_timesheets_to_approve(self):
        self.ensure_one()
        return self.timesheet_ids.filtered(
            lambda timesheet: timesheet.service_customer_state == 'to_approve').sorted(
            lambda timesheet: (timesheet.date, timesheet.id))

    def _service_portal_lines(self):
        """What the customer reads of each timesheet of this request: date, employee,
        description, hours, product and their answer; never costs or internal notes."""
        self.ensure_one()
        states = dict(self.env['account.analytic.line']._fields['service_customer_state']
                      ._description_selection(self.env))
        lines = []
        for timesheet in self.sudo().timesheet_ids.sorted(
                lambda timesheet: (timesheet.date, timesheet.employee_id.name or '',
                                   timesheet.id)):
            state = timesheet.service_customer_state
            lines.append({
                'id': timesheet.id,
                'date': timesheet.date,
                'employee': timesheet.employee_id.name or '',
                'description': timesheet.name if timesheet.name != '/' else '',
                'hours': timesheet.unit_amount,
                'product': timesheet.so_line.product_id.name or '',
                'state': state,
                'state_label': states.get(state, ''),
                'waiting': state == 'to_approve',
                'comment': timesheet.service_customer_comment or '',
            })
        return lines

    def _service_version(self):
        """A fingerprint of the time waiting, as the customer reads it: an answer to another
        version (the company changed the time meanwhile) is refused."""
        self.ensure_one()
        rows = [(timesheet.id, str(timesheet.date), timesheet.employee_id.id, timesheet.name,
                 round(timesheet.unit_amount, 4), timesheet.so_line.product_id.id)
                for timesheet in self.sudo()._service_timesheets_to_approve()]
        return hashlib.sha256(repr(rows).encode()).hexdigest()[:20]

    @api.model
    def _service_request_for(self, keys):
        """{(project, customer, first day): request} of ``keys`` ({(project, customer, first
        day): company of the time}), made for the keys that have none."""
        requests = {}
        missing = []
        for project, partner, date_start in keys:
            found = self.sudo().search([
                ('project_id', '=', project.id), ('partner_id', '=', partner.id),
                ('date_start', '=', date_start)], limit=1)
            if found:
                requests[project, partner, date_start] = found
            else:
                missing.append((project, partner, date_start))
        if missing:
            created = trusted(self.sudo()).create([
                project._service_time_approval_vals(partner, date_start, keys[project, partner,
                                                                                date_start])
                for project, partner, date_start in missing])
            requests.update(zip(missing, created, strict=True))
        return requests

    def _service_update_state(self):
        """The request's state follows its time: disputed while some is disputed, to approve
        while some waits, approved once all is; a dispute resolved closes its activity."""
        for request in self.sudo().exists():
            states = set(request.timesheet_ids.mapped('service_customer_state'))
            if 'disputed' in states:
                state = 'disputed'
            elif 'to_approve' in states:
                state = 'to_approve'
            elif 'approved' in states:
                state = 'approved'
            else:
                state = 'cancelled'
            if state != request.state:
                trusted(request).state = state
            if state != 'disputed' and request.activity_ids:
                request.activity_feedback([TIME_DISPUTED_ACTIVITY], feedback=self.env._(
                    "No time of the period is disputed any more."))

    @api.model
    def _service_answer_text(self, partner, timesheets, comment=None):
        """The chatter's record of an answer: who, how many timesheets and hours, why."""
        values = {'partner': partner.display_name, 'count': len(timesheets),
                  'hours': format_quantity(self.env, sum(timesheets.mapped('unit_amount'))),
                  'comment': comment}
        if comment and len(timesheets) == 1:
            return self.env._("%(partner)s disputed 1 timesheet (%(hours)s hours): %(comment)s",
                              **values)
        if comment:
            return self.env._("%(partner)s disputed %(count)s timesheets (%(hours)s hours): "
                              "%(comment)s", **values)
        if len(timesheets) == 1:
            return self.env._("%(partner)s approved 1 timesheet (%(hours)s hours).", **values)
        return self.env._("%(partner)s approved %(count)s timesheets (%(hours)s hours).",
                          **values)

    # --- The project manager's side --------------------------------------------------------

    def action_send_to_customer(self):
        """Send to Customer: email the request (its link opens the period to approve
        without a password), through Odoo's mail queue."""
        self.check_access('read')
        self._service_check_may_manage()
        self.sudo()._service_send()
        return True

    def action_ask_again(self):
        """Ask Again: the disputed time waits for the customer's approval again (as it was:
        correcting a timesheet asks the customer again by itself)."""
        self.check_access('read')
        self._service_check_may_manage()
        for request in self.sudo():
            disputed = request.timesheet_ids.filtered(
                lambda timesheet: timesheet.service_customer_state == 'disputed')
            trusted(disputed).write({'service_customer_state': 'to_approve',
                                     'service_customer_comment': False})
            if disputed:
                trusted(request).to_send = True
            request._service_update_state()
        return True

    def _service_send(self):
        template = self.env.ref('service_invoicing_project.mail_template_time_approval')
        for request in self:
            if request.state not in ('to_approve', 'disputed'):
                raise UserError(self.env._(
                    "No time of %(request)s waits for the customer's approval: nothing to "
                    "send.", request=request.display_name))
            if not request.contact_id:
                trusted(request).contact_id = request.project_id._service_time_approver(
                    request.partner_id)
            if not request.contact_id.email:
                raise UserError(self.env._(
                    "%(request)s cannot be emailed: %(contact)s has no email address. Set the "
                    "Customer Approver of project %(project)s (Settings tab), or an email on "
                    "the contact.", request=request.display_name,
                    contact=request.contact_id.display_name or request.partner_id.display_name,
                    project=request.project_id.display_name))
            request._portal_ensure_token()
            # Queued: Odoo's mail queue sends it (its scheduled action).
            request.with_context(mail_notify_force_send=False).message_post_with_source(
                template, message_type='comment', subtype_xmlid='mail.mt_comment',
                email_layout_xmlid='mail.mail_notification_light')
            trusted(request).write({'to_send': False, 'sent_date': fields.Datetime.now()})
            request.activity_feedback([UNSENT_ACTIVITY], feedback=self.env._(
                "Sent to %(contact)s.", contact=request.contact_id.display_name))

    @api.model
    def _cron_send_time_approvals(self):
        """Email the requests of the periods over whose customers were not asked yet; one
        that cannot be emailed (no address) stays to send, with an activity for the project
        manager, and never stops the others."""
        requests = self.sudo().search([
            ('to_send', '=', True), ('state', '=', 'to_approve'),
            ('date_end', '<', fields.Date.context_today(self))])
        for request in requests:
            try:
                with self.env.cr.savepoint():
                    request._service_send()
            except UserError as error:
                if not request.activity_ids.filtered(
                        lambda activity: activity.activity_type_id.id
                        == self.env['ir.model.data']._xmlid_to_res_id(UNSENT_ACTIVITY)):
                    request.activity_schedule(
                        UNSENT_ACTIVITY, note=str(error),
                        user_id=(request.project_id.user_id or request.create_uid).id)
