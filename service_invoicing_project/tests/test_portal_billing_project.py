"""Time and milestones on the customer portal's billing page (/my/billing), as a portal user
of the customer reads them through HTTP."""

from datetime import date

from lxml import html

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.service_invoicing.tools.formatting import format_money

from .common import ProjectBillingCommon


@tagged('post_install', '-at_install')
class TestPortalBillingProject(ProjectBillingCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env['res.partner'].create({
            'name': "Carla Cool", 'parent_id': cls.customer.id, 'email': 'carla@example.com'})
        cls.portal_user = new_test_user(cls.env, login='portal_carla', name="Carla Cool",
                                        groups='base.group_portal', partner_id=contact.id)

    def money(self, amount):
        return format_money(self.env, amount, self.env.company.currency_id).replace('\xa0', ' ')

    def test_time_waiting_for_approval_and_reached_milestones(self):
        approved = self.log(3.0, date(2026, 3, 2), description="Monday commissioning")
        approved.with_user(self.project_manager).action_service_approve()
        self.log(2.0, date(2026, 3, 3), description="Tuesday balancing")
        design, build = self.milestones([("Design", 0.3), ("Build", 0.7)])
        design.is_reached = True
        ready = self.env['service.billing.item'].search(
            [('order_id', '=', self.order.id), ('billing_status', '=', 'ready')])
        self.assertEqual(ready, self.items(approved) | self.items(design))

        self.authenticate('portal_carla', 'portal_carla')
        response = self.url_open('/my/billing', timeout=120)
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.content)
        rows = {
            cells[1]: cells[2:]
            for cells in ([' '.join(cell.text_content().replace('\xa0', ' ').split())
                           for cell in row.xpath('./td')]
                          for row in tree.xpath('//tr[contains(@class, "o_service_billing_item")]'))
        }
        self.assertEqual(rows, {
            "Monday commissioning": ["3.00 Hours", self.money(300.0), "To Invoice"],
            # The hours logged, valued, and why they wait in the customer's words.
            "Tuesday balancing": ["2.00 Hours", self.money(200.0),
                                  "Waiting Waiting for approval"],
            # The reached milestone's share; Build, not reached, is work to come.
            self.items(design).name: ["0.30 Units", self.money(3000.0), "To Invoice"],
        })
        page = ' '.join(tree.text_content().split())
        self.assertNotIn(build.name, page)
        # The company's own words and people stay inside.
        for internal in ("project manager", "Approve", self.nina.name):
            self.assertNotIn(internal, page)

        # The next invoice is the proforma of what is ready.
        estimate = ' '.join(tree.xpath('//div[contains(@class, "o_service_next_invoice")]')[0]
                            .text_content().replace('\xa0', ' ').split())
        proformas, _left_out = self.proforma(ready)
        self.assertRecordValues(proformas, [{'amount_untaxed': 3300.0, 'amount_total': 3795.0}])
        self.assertIn(f"Untaxed Amount {self.money(3300.0)}", estimate)
        self.assertIn(f"Total {self.money(3795.0)}", estimate)
