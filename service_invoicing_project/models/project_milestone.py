"""Fixed-price milestones in the billing backlog: a reached milestone is ready for its share.
A milestone on an invoice keeps its share of the order line until it is credited whole."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.service_invoicing.tools.formatting import format_percentage
from odoo.addons.service_invoicing.tools.trusted import trusted

from ..const import MILESTONE_SHARE_FIELDS


class ProjectMilestone(models.Model):
    _inherit = 'project.milestone'

    service_billing_item_ids = fields.One2many(
        'service.billing.item', 'milestone_id', string="Backlog Item", readonly=True)
    service_billing_status = fields.Selection(
        related='service_billing_item_ids.billing_status', string="Billing Status")
    service_amount = fields.Monetary(
        string="Milestone Amount", compute='_compute_service_amount',
        currency_field='service_currency_id',
        help="Untaxed: the milestone's share of its order line.")
    service_currency_id = fields.Many2one(related='sale_line_id.currency_id')

    @api.depends('quantity_percentage', 'sale_line_id.price_subtotal')
    def _compute_service_amount(self):
        for milestone in self:
            milestone.service_amount = milestone.sale_line_id.currency_id.round(
                milestone.quantity_percentage * milestone.sale_line_id.price_subtotal)

    @api.constrains('quantity_percentage', 'product_uom_qty', 'sale_line_id')
    def _service_check_share(self):
        """A milestone's share of its order line is a number between 0 and 100 %: a NaN or
        a share beyond the line would be billed as it is once reached."""
        for milestone in self:
            share = milestone.quantity_percentage
            company = milestone.sale_line_id.company_id or milestone.project_id.company_id \
                or self.env.company
            company._service_check_finite(self.env._(
                "Milestone %(milestone)s, share of the order line", milestone=milestone.name),
                share)
            if not 0.0 <= round(share, 6) <= 1.0:
                raise ValidationError(self.env._(
                    "Milestone %(milestone)s: its share of the order line (%(share)s) must "
                    "be between 0 %% and 100 %%. Type the share as a percentage of the line.",
                    milestone=milestone.name, share=format_percentage(self.env, share)))

    @api.model_create_multi
    def create(self, vals_list):
        milestones = super().create(vals_list)
        milestones._service_sync_billing_items()
        return milestones

    def write(self, vals):
        self._service_check_share_unchanged(vals)
        result = super().write(vals)
        if {'sale_line_id', 'is_reached', 'name', 'deadline', 'project_id'}.intersection(vals):
            self._service_sync_billing_items(reached_changed='is_reached' in vals)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        if not self.env.su:
            self._service_check_unbilled()

    def _service_check_share_unchanged(self, vals):
        """Refuse ``vals`` when they change the share of a milestone an invoice bills."""
        names = MILESTONE_SHARE_FIELDS.intersection(vals)
        if self.env.su or not names:
            return
        self.filtered(lambda milestone: any(
            milestone._fields[name].convert_to_cache(milestone[name], milestone)
            != milestone._fields[name].convert_to_cache(vals[name], milestone)
            for name in names))._service_check_unbilled()

    def _service_billed(self):
        """These milestones that an invoice bills (draft or posted, not credited whole)."""
        return self.filtered(lambda milestone: any(
            item._service_has_been_billed()
            for item in milestone.sudo().service_billing_item_ids))

    def _service_check_unbilled(self):
        """A milestone on an invoice keeps the share it bills: changed afterwards, the backlog
        and Odoo's Create Invoice would bill the difference as if the customer had agreed to
        it."""
        if billed := self._service_billed()[:1]:
            raise UserError(self.env._(
                "Milestone %(milestone)s is invoiced (%(invoices)s): its share of the order "
                "line is kept and it cannot be deleted. Credit it whole first (Correct this "
                "Invoice, or Odoo's Credit Note): it is then free again.",
                milestone=billed.name, invoices=', '.join(
                    billed.sudo().service_billing_item_ids.invoice_ids.mapped('display_name'))))

    def _service_sync_billing_items(self, reached_changed=True):
        """Each milestone of an order line invoiced on milestones is an item of the backlog,
        ready once reached (``reached_changed``), not ready while it is not reached."""
        Item = trusted(self.env['service.billing.item'].sudo())
        milestones = self.sudo().exists()
        billable = milestones.filtered(
            lambda milestone: milestone.sale_line_id.qty_delivered_method == 'milestones')
        items = Item.search([('milestone_id', 'in', milestones.ids)])
        items.filtered(lambda item: item.milestone_id not in billable
                       and not item._service_has_been_billed()).unlink()
        existing = {item.milestone_id: item for item in items.exists()}
        to_create = []
        for milestone in billable:
            vals = milestone._service_billing_item_vals()
            item = existing.get(milestone)
            if not item:
                to_create.append({**vals, 'source_type': 'milestone',
                                  'milestone_id': milestone.id,
                                  'ready': milestone.is_reached})
                continue
            if item._service_has_been_billed():
                continue
            vals['ready'] = milestone.is_reached and (reached_changed or item.ready)
            item.write(item._service_values_that_differ(vals))
        Item.create(to_create)

    def _service_billing_item_vals(self):
        self.ensure_one()
        return {
            **self.sale_line_id._service_billing_item_vals(),
            'project_id': self.project_id.id,
            'name': self.name,
            'date': self.reached_date or self.deadline or fields.Date.context_today(self),
        }
