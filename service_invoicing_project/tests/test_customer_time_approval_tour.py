import re
from datetime import date

from odoo.tests import tagged

from odoo.addons.service_invoicing.tests.tour_common import ServiceTourCase

from .common import CustomerApprovalCommon

MONDAY = date(2026, 3, 2)


@tagged('post_install', '-at_install')
class TestCustomerTimeApprovalTour(CustomerApprovalCommon, ServiceTourCase):
    """The customer approves a week of time from the link of the email the project manager
    sent, in a real (headless Chromium) browser, without a password."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The portal's bundles too, built once for the class (see ServiceTourCase).
        qweb = cls.env['ir.qweb']
        qweb._get_asset_bundle('web.assets_frontend', css=True, js=False).css()
        for bundle in ('web.assets_frontend', 'web.assets_frontend_minimal',
                       'web.assets_frontend_lazy'):
            qweb._get_asset_bundle(bundle, css=False, js=True).js()

    def test_customer_approves_a_week_from_the_emailed_link(self):
        timesheets = self.approved_time((8.0, MONDAY, "Site survey"),
                                        (4.0, date(2026, 3, 4), "Report writing"))
        request = self.request_of(timesheets)
        request.with_user(self.project_manager).action_send_to_customer()
        mail = self.env['mail.mail'].search([
            ('model', '=', 'service.time.approval'), ('res_id', '=', request.id),
            ('recipient_ids', '=', self.cooling_contact.id)])
        self.assertEqual(len(mail), 1)
        link = re.search(r'/my/time/\d+\?access_token=[\w-]+', mail.body_html).group(0)
        self.assertEqual(self.items(timesheets).mapped('billing_status'), ['not_ready'] * 2)
        self.start_tour(link, 'service_invoicing_customer_time_approval_tour', login=None)
        self.assertRecordValues(timesheets, [{
            'service_customer_state': 'approved',
            'service_customer_partner_id': self.cooling_contact.id}] * 2)
        self.assertRecordValues(request, [{'state': 'approved', 'hours_to_approve': 0.0}])
        self.assertEqual(self.items(timesheets).mapped('billing_status'), ['ready'] * 2)
        # Billed as Odoo's own Create Invoice bills the same approved time.
        invoices, _left_out = self.proforma_billing_as_odoo()
        self.assertEqual((invoices.amount_untaxed, invoices.invoice_line_ids.mapped('quantity')),
                         (1200.0, [12.0]))
