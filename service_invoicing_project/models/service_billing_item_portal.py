"""Time and milestones on the customer portal's billing page (/my/billing): time waiting for
approval shows its hours and says so; a milestone shows once reached (before, it is work to
come, not something left to invoice)."""

from odoo import api, models
from odoo.fields import Domain


class ServiceBillingItem(models.Model):
    _inherit = 'service.billing.item'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _portal_domain(self, partner):
        # A milestone not reached has nothing billable yet (its item waits with nothing left
        # to invoice).
        return super()._portal_domain(partner) \
            & (Domain('source_type', '!=', 'milestone') | Domain('qty_to_invoice', '>', 0))

    def _portal_details(self):
        details = super()._portal_details()
        for item in self.filtered(lambda item: item.source_type == 'timesheet'
                                  and item.billing_status == 'not_ready'):
            if item.sudo()._service_waits_for_approval():
                details[item] = {
                    'quantity': item._portal_quantity_text(
                        item.sudo()._service_pending_quantity()),
                    'note': item._portal_approval_note(),
                }
        return details

    def _portal_approval_note(self):
        """Why waiting time waits, in the customer's words: theirs to approve (Time
        Approvals), disputed by them, or the company's approval."""
        state = self.sudo().timesheet_id.service_customer_state
        if state == 'to_approve':
            return self.env._("Waiting for your approval (Time Approvals)")
        if state == 'disputed':
            return self.env._("Disputed by you")
        return self.env._("Waiting for approval")
