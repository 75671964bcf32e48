"""The customer's approval of time on the portal: /my/time lists the periods of the customer's
projects, /my/time/<request> shows one period's time (for a contact of the customer, or with
the request's access token from the emailed link) and answers it. Who may answer is decided
by the model (``service.time.approval._service_check_customer_may_approve``), whatever the
path; the pages show only what a customer may read of the time."""

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.service_invoicing.controllers.portal_list import portal_list

APPROVAL_MODEL = 'service.time.approval'
HISTORY = 'my_time_approvals_history'


class TimeApprovalPortal(CustomerPortal):

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Approval = request.env[APPROVAL_MODEL]
        readable = Approval.has_access('read')
        if 'time_approval_count' in counters:
            values['time_approval_count'] = Approval.search_count(
                self._time_approval_domain() & Domain('state', '=', 'to_approve')) \
                if readable else 0
        if 'time_period_count' in counters:
            values['time_period_count'] = Approval.search_count(self._time_approval_domain()) \
                if readable else 0
        return values

    def _time_approval_domain(self):
        """The requests of the user's customer (the record rules keep the rest away)."""
        return Domain('partner_id', '=', request.env.user.partner_id.commercial_partner_id.id) \
            & Domain('state', '!=', 'cancelled')

    def _time_approval_searchbar(self):
        env = request.env
        sortings = {
            'date': {'label': env._("Newest"), 'order': 'date_start desc, id desc'},
            'project': {'label': env._("Project"), 'order': 'project_id, date_start desc'},
        }
        filters = {
            'all': {'label': env._("All"), 'domain': Domain.TRUE},
            'to_approve': {'label': env._("To Approve"),
                           'domain': Domain('state', '=', 'to_approve')},
            'disputed': {'label': env._("Disputed"), 'domain': Domain('state', '=', 'disputed')},
            'approved': {'label': env._("Approved"), 'domain': Domain('state', '=', 'approved')},
        }
        return sortings, filters

    @http.route(['/my/time', '/my/time/page/<int:page>'], type='http', auth='user',
                website=True)
    def portal_my_time_approvals(self, page=1, sortby=None, filterby=None, **_kw):
        Approval = request.env[APPROVAL_MODEL]
        if not Approval.has_access('read'):
            return request.redirect('/my')
        sortings, filters = self._time_approval_searchbar()
        approvals, _domain, values = portal_list(
            self, APPROVAL_MODEL, '/my/time', self._time_approval_domain(),
            (sortings, filters, {}, None), page, sortby, filterby)
        request.session[HISTORY] = approvals.ids[:100]
        values.update({
            'page_name': 'time_approval',
            # Read as the portal shows them: project name, period, hours, status.
            'approvals': approvals.sudo(),
        })
        return request.render('service_invoicing_project.portal_my_time_approvals', values)

    @http.route(['/my/time/<int:approval_id>'], type='http', auth='public', website=True)
    def portal_my_time_approval(self, approval_id, access_token=None, **kw):
        try:
            approval_sudo = self._document_check_access(APPROVAL_MODEL, approval_id,
                                                        access_token)
        except (AccessError, MissingError):
            return request.redirect('/my')
        return request.render('service_invoicing_project.portal_my_time_approval',
                              self._time_approval_page_values(approval_sudo, access_token, **kw))

    @http.route(['/my/time/<int:approval_id>/answer'], type='http', auth='public',
                methods=['POST'], website=True)
    def portal_time_approval_answer(self, approval_id, access_token=None, decision=None,
                                    version=None, comment=None, **_post):
        try:
            approval_sudo = self._document_check_access(APPROVAL_MODEL, approval_id,
                                                        access_token)
        except (AccessError, MissingError) as error:
            raise Forbidden() from error
        # The user's own environment: the model decides who may answer.
        approval = request.env[APPROVAL_MODEL].browse(approval_sudo.id)
        timesheet_ids = request.httprequest.form.getlist('timesheet_ids')
        try:
            if decision == 'approve':
                approval.action_customer_approve(timesheet_ids=timesheet_ids, version=version,
                                                 access_token=access_token)
            elif decision == 'dispute':
                approval.action_customer_dispute(comment, timesheet_ids=timesheet_ids,
                                                 version=version, access_token=access_token)
            else:
                raise UserError(request.env._("Choose Approve or Dispute."))
        except AccessError as error:
            raise Forbidden() from error
        except UserError as error:
            # Refused before anything was written: the page again, saying why.
            values = self._time_approval_page_values(
                approval_sudo, access_token, error=error.args[0], comment=comment)
            return request.render('service_invoicing_project.portal_my_time_approval', values)
        answered = 'approved' if decision == 'approve' else 'disputed'
        url = approval_sudo.access_url + f'?answered={answered}'
        if access_token:
            url += f'&access_token={access_token}'
        return request.redirect(url)

    def _time_approval_page_values(self, approval_sudo, access_token, error=None,
                                   answered=None, comment=None, **kw):
        try:
            request.env[APPROVAL_MODEL].browse(approval_sudo.id) \
                ._service_check_customer_may_approve(access_token)
            may_answer = True
        except AccessError:
            may_answer = False
        lines = approval_sudo._service_portal_lines()
        values = self._prepare_portal_layout_values()
        values.update({
            'page_name': 'time_approval',
            'approval': approval_sudo,
            'lines': lines,
            'total_hours': sum(line['hours'] for line in lines),
            'version': approval_sudo._service_version(),
            'may_answer': may_answer and any(line['waiting'] for line in lines),
            'error': error,
            'answered': answered if answered in ('approved', 'disputed') else None,
            'comment': comment or '',
        })
        return self._get_page_view_values(approval_sudo, access_token, values, HISTORY, False,
                                          **kw)
