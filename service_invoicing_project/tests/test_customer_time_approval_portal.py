"""The portal pages of the customer's approval of time, through HTTP as a browser sends them:
the customer's portal user, another customer's portal user, and an anonymous visitor with the
emailed link (the request's access token), another request's token or a forged one; forged
ids on every route."""

import re
from datetime import date

from lxml import html

from odoo.tests import HttpCase, tagged

from .common import CustomerApprovalCommon

MONDAY = date(2026, 3, 2)


@tagged('post_install', '-at_install')
class TestCustomerTimeApprovalPortal(CustomerApprovalCommon, HttpCase):

    def setUp(self):
        super().setUp()
        # What the customer never reads: the employee's cost, the company's notes.
        self.nina.hourly_cost = 1234.5
        self.survey, self.report = self.timesheets = self.approved_time(
            (8.0, MONDAY, "Site survey"), (4.0, date(2026, 3, 4), "Report writing"))
        self.request = self.request_of(self.timesheets)
        self.request.sudo().message_post(body="Margin is thin this week",
                                         subtype_xmlid='mail.mt_note')
        self.token = self.request._portal_ensure_token()
        heating = self.create_project_order(partner=self.customer_2, name="Boiler room")
        heating.project_id.service_customer_approval = True
        self.heating_time = self.approved_time((3.0, MONDAY, "Boiler check"),
                                               project=heating.project_id)
        self.heating_request = self.request_of(self.heating_time)
        self.heating_token = self.heating_request._portal_ensure_token()
        self.env.flush_all()

    # --- Helpers ------------------------------------------------------------------------------

    def page(self, path, **params):
        response = self.url_open(path, params=params or None)
        return response

    def csrf_token(self):
        """The CSRF token of this browser's session, as a page gives it to its forms."""
        html = self.url_open('/web/login').text
        return re.search(r'csrf_token: "([^"]+)"', html).group(1)

    def answer(self, request, decision, timesheets=None, comment=None, token=None,
               version=None, csrf=True):
        data = {'decision': decision}
        if csrf:
            data['csrf_token'] = self.csrf_token()
        if token:
            data['access_token'] = token
        if comment is not None:
            data['comment'] = comment
        data['version'] = version or request.sudo()._service_version()
        if timesheets is not None:
            data['timesheet_ids'] = [str(timesheet_id) for timesheet_id in timesheets]
        return self.url_open(f'/my/time/{request}/answer' if isinstance(request, (int, str))
                             else f'/my/time/{request.id}/answer', data=data)

    def states(self):
        self.env.invalidate_all()
        return self.timesheets.mapped('service_customer_state')

    def assert_shows_no_secret(self, html):
        for secret in ("1,234.50", "1234.5", "9,876", "9876", "Margin is thin"):
            self.assertNotIn(secret, html)

    def assert_nothing_shown(self, response):
        """Sent away (to /my, or to the login page for a visitor), nothing of the time."""
        self.assertNotIn("/my/time/", response.url)
        for text in ("Site survey", "Report writing", "Boiler check"):
            self.assertNotIn(text, response.text)

    # --- The customer's contact -----------------------------------------------------------

    def test_the_customer_reads_the_week_and_approves_it(self):
        self.authenticate('cooling_portal', 'cooling_portal')
        counters = self.url_open('/my/counters', json={'params': {
            'counters': ['time_approval_count', 'time_period_count']}}).json()['result']
        self.assertEqual(counters, {'time_approval_count': 1, 'time_period_count': 1})
        home = self.page('/my')
        self.assertIn('data-placeholder_count="time_approval_count"', home.text)
        self.assertIn('href="/my/time"', home.text)
        listing = self.page('/my/time')
        self.assertEqual(listing.status_code, 200)
        self.assertIn("Cooling retrofit", listing.text)
        self.assertIn(f'/my/time/{self.request.id}?access_token=', listing.text)
        self.assertNotIn("Boiler room", listing.text)
        self.assertIn("Cooling retrofit", self.page('/my/time', filterby='to_approve').text)
        self.assertNotIn("Cooling retrofit", self.page('/my/time', filterby='approved').text)
        page = self.page(f'/my/time/{self.request.id}')
        self.assertEqual(page.status_code, 200)
        for text in ("Cooling retrofit, week of 03/02/2026", "Nina Engineer", "Site survey",
                     "Report writing", "Consulting", "08:00", "04:00", "12:00",
                     "o_time_approval_approve"):
            self.assertIn(text, page.text)
        self.assert_shows_no_secret(page.text)
        response = self.answer(self.request, 'approve', self.timesheets.ids)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(f'/my/time/{self.request.id}?answered=approved'))
        self.assertIn("the time you approved will be invoiced", response.text)
        self.assertNotIn("o_time_approval_approve", response.text)
        self.assertEqual(self.states(), ['approved', 'approved'])
        self.assertEqual(self.timesheets.service_customer_partner_id,
                         self.cooling_portal.partner_id)
        self.assertEqual(self.items(self.timesheets).mapped('billing_status'), ['ready'] * 2)
        self.assertEqual(self.time_line.qty_delivered, 12.0)

    def test_the_billing_page_says_which_time_waits_for_the_customer(self):
        self.authenticate('cooling_portal', 'cooling_portal')
        self.request.with_user(self.cooling_portal).action_customer_dispute(
            "Too much.", timesheet_ids=self.report.ids)
        rows = {
            ' '.join(row.xpath('./td')[1].text_content().split()):
            ' '.join(row.xpath('./td')[-1].text_content().split())
            for row in html.fromstring(self.page('/my/billing').content).xpath(
                '//tr[contains(@class, "o_service_billing_item")]')}
        self.assertEqual(rows, {
            "Site survey": "Waiting Waiting for your approval (Time Approvals)",
            "Report writing": "Waiting Disputed by you",
        })

    def test_the_customer_disputes_a_line_with_a_comment(self):
        self.authenticate('cooling_portal', 'cooling_portal')
        refused = self.answer(self.request, 'dispute', self.report.ids, comment="  ")
        self.assertIn("Say what is wrong with the time you dispute", refused.text)
        self.assertEqual(self.states(), ['to_approve', 'to_approve'])
        response = self.answer(self.request, 'dispute', self.report.ids,
                               comment="We agreed on 2 hours for the report.")
        self.assertTrue(response.url.endswith('?answered=disputed'))
        self.assertIn("We agreed on 2 hours for the report.", response.text)
        self.assertEqual(self.states(), ['to_approve', 'disputed'])
        item = self.items(self.report)
        self.assertEqual(item.billing_status, 'not_ready')
        self.assertIn("We agreed on 2 hours for the report.", item.not_ready_reason)
        self.assertEqual(self.request.activity_ids.user_id, self.project_manager)
        # An answer to time changed since it was read is refused.
        version = self.request._service_version()
        self.survey.unit_amount = 7.0
        stale = self.answer(self.request, 'approve', self.survey.ids, version=version)
        self.assertIn("changed since you opened it", stale.text)
        self.assertEqual(self.states(), ['to_approve', 'disputed'])

    # --- Another customer -------------------------------------------------------------------

    def test_another_customer_sees_and_answers_nothing_of_it(self):
        self.authenticate('heating_portal', 'heating_portal')
        listing = self.page('/my/time')
        self.assertIn("Boiler room", listing.text)
        self.assertNotIn("Cooling retrofit", listing.text)
        self.assert_nothing_shown(self.page(f'/my/time/{self.request.id}'))
        # Answering it: refused, without a token, with their own request's token, or with
        # the time of the other customer named on their own request.
        for response in (
                self.answer(self.request, 'approve', self.timesheets.ids),
                self.answer(self.request, 'dispute', self.timesheets.ids, comment="No"),
                self.answer(self.request, 'approve', self.timesheets.ids,
                            token=self.heating_token)):
            self.assertEqual(response.status_code, 403)
        mixed = self.answer(self.heating_request, 'approve', self.timesheets.ids)
        self.assertIn("Only the time of Boiler room", mixed.text)
        self.assertEqual(self.states(), ['to_approve', 'to_approve'])
        self.assertEqual(self.heating_time.service_customer_state, 'to_approve')
        # Their own request they answer.
        self.answer(self.heating_request, 'approve', self.heating_time.ids)
        self.assertEqual(self.heating_time.service_customer_state, 'approved')

    def test_forged_ids_on_every_route(self):
        missing = self.env['service.time.approval'].search([], order='id desc', limit=1).id + 1
        for login in ('cooling_portal', None):
            if login:
                self.authenticate(login, login)
            else:
                self.authenticate(None, None)
            for forged in (missing, 0, -1, 2**31 - 1):
                with self.subTest(login=login, forged=forged):
                    self.assert_nothing_shown(self.page(f'/my/time/{forged}'))
                    self.assert_nothing_shown(self.page(f'/my/time/{forged}',
                                                        access_token=self.token))
                    self.assertEqual(self.answer(forged, 'approve', token=self.token,
                                                 version='x').status_code, 403)
            for path in ('/my/time/abc', '/my/time/1.5',
                         f'/my/time/{self.request.id}/answer'):
                with self.subTest(login=login, path=path):
                    self.assertIn(self.page(path).status_code, (404, 405))
        self.assertEqual(self.states(), ['to_approve', 'to_approve'])

    def test_an_answer_without_the_page_s_csrf_token_is_refused(self):
        self.authenticate('cooling_portal', 'cooling_portal')
        response = self.answer(self.request, 'approve', self.timesheets.ids, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.states(), ['to_approve', 'to_approve'])

    # --- The emailed link -------------------------------------------------------------------

    def test_the_emailed_link_opens_that_request_only(self):
        self.authenticate(None, None)
        page = self.page(f'/my/time/{self.request.id}', access_token=self.token)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Site survey", page.text)
        self.assert_shows_no_secret(page.text)
        for token in (None, 'forged-token', self.heating_token, self.token.upper()):
            with self.subTest(token=token):
                response = self.page(f'/my/time/{self.request.id}',
                                     **({'access_token': token} if token else {}))
                self.assert_nothing_shown(response)
                self.assertIn('/web/login', response.url)
                self.assertEqual(self.answer(self.request, 'approve', self.timesheets.ids,
                                             token=token).status_code, 403)
        self.assertIn('/web/login', self.page('/my/time').url)
        self.assertEqual(self.states(), ['to_approve', 'to_approve'])
        response = self.answer(self.request, 'approve', self.timesheets.ids, token=self.token)
        self.assertTrue(response.url.endswith('?answered=approved&access_token=' + self.token))
        self.assertEqual(self.states(), ['approved', 'approved'])
        # Who holds the link answers for the contact it was sent to.
        self.assertEqual(self.timesheets.service_customer_partner_id, self.cooling_contact)
        self.assertEqual(self.heating_time.service_customer_state, 'to_approve')
