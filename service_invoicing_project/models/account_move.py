from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.service_invoicing.tools.formatting import format_quantity
from odoo.addons.service_invoicing.tools.trusted import trusted


class AccountMove(models.Model):
    _inherit = 'account.move'

    @api.depends('invoice_line_ids.service_timesheet_ids',
                 'invoice_line_ids.service_milestone_id')
    def _compute_service_billing_item_ids(self):
        result = super()._compute_service_billing_item_ids()
        for move in self:
            lines = move.invoice_line_ids
            items = move.service_billing_item_ids \
                | lines.sudo().service_timesheet_ids.service_billing_item_ids \
                | lines.sudo().service_milestone_id.service_billing_item_ids
            move.service_billing_item_ids = items
            move.service_billing_item_count = len(items)
        return result

    def _service_prepare_posting(self):
        before = super()._service_prepare_posting()
        credit_notes = self.filtered(lambda move: move.move_type == 'out_refund')
        credit_notes._service_check_milestones_credited_whole()
        before['milestones_billed'] = credit_notes._service_milestones_billed()
        return before

    def _service_check_posting(self, before):
        result = super()._service_check_posting(before)
        if before.get('milestones_billed'):
            self.filtered(lambda move: move.move_type == 'out_refund') \
                ._service_check_unnamed_milestone_credits(before['milestones_billed'])
        return result

    def _service_check_milestones_credited_whole(self):
        """A milestone is credited whole or not at all (Project Operations)."""
        for line in self.invoice_line_ids.filtered('service_milestone_id'):
            milestone = line.service_milestone_id.sudo()
            sale_line = milestone.sale_line_id
            share = sale_line.product_uom_id.round(
                milestone.quantity_percentage * sale_line.product_uom_qty)
            quantity = line.product_uom_id._compute_quantity(
                line.quantity, sale_line.product_uom_id)
            if sale_line.product_uom_id.compare(quantity, share) != 0:
                raise UserError(self.env._(
                    "Milestone %(milestone)s is credited whole or not at all: credit "
                    "%(share)s on %(credit)s, or remove the line from the credit note.",
                    milestone=milestone.name, share=format_quantity(self.env, share),
                    credit=line.move_id.display_name))

    def _service_milestones_billed(self):
        """{milestone item: quantity posted} of the order lines these credit notes credit
        without naming a milestone (Odoo's own credit notes and those typed by hand)."""
        sale_lines = self.sudo().invoice_line_ids.filtered(
            lambda line: not line.service_milestone_id and not line.service_timesheet_ids
        ).sale_line_ids.sudo().filtered(
            lambda sale_line: sale_line.service_billing_item_ids.filtered('milestone_id'))
        billed = {}
        for sale_line in sale_lines:
            for item, (_billable, (posted, _in_draft, *_amounts)) in \
                    sale_line._service_invoiced_per_item().items():
                if item.milestone_id:
                    billed[item] = posted
        return billed

    def _service_check_unnamed_milestone_credits(self, billed_before):
        """A credit note that names no milestone gives back the milestones billed last:
        whole, or not at all (Project Operations), as Correct this Invoice does."""
        billed_after = self._service_milestones_billed()
        for item, before in billed_before.items():
            uom = item.sale_line_id.product_uom_id
            after = billed_after.get(item, before)
            if uom.compare(after, 0.0) > 0 and uom.compare(after, before) < 0:
                raise UserError(self.env._(
                    "Milestone %(milestone)s is credited whole or not at all: %(credit)s "
                    "would leave %(left)s of its %(billed)s billed. Credit whole milestones "
                    "(those billed last are credited first).",
                    milestone=item.milestone_id.name,
                    credit=', '.join(self.mapped('name')), left=format_quantity(self.env, after),
                    billed=format_quantity(self.env, before)))

    def _service_write_off_non_chargeable(self):
        """Confirming: the hours of a non-chargeable time line are never billed (they stay
        delivered, like a consumed quantity)."""
        # First the app's own: it refuses a quantity written off below nothing.
        result = super()._service_write_off_non_chargeable()
        lines = self.filtered(lambda move: move.move_type == 'out_invoice'
                              and move.state == 'draft').invoice_line_ids.filtered(
            lambda line: line.service_billing_type == 'non_chargeable'
            and line.service_timesheet_ids)
        for line in lines:
            sale_line = line.sale_line_ids[:1]
            items = line.service_timesheet_ids.sudo().service_billing_item_ids
            shares = sale_line._service_invoiced_per_item() if sale_line else {}
            rest = line.product_uom_id._compute_quantity(line.quantity, sale_line.product_uom_id)
            # The line's hours, newest timesheets first (as a reduced line leaves them).
            for item in items.sorted(lambda item: (item.date, item.id), reverse=True):
                if sale_line.product_uom_id.compare(rest, 0.0) <= 0:
                    break
                billable, (posted, in_draft, *_amounts) = shares.get(item, (0, (0, 0, 0, 0)))
                taken = min(in_draft, rest)
                timesheet = item.timesheet_id
                hours_left = timesheet.unit_amount - timesheet.service_qty_non_chargeable
                if sale_line.product_uom_id.compare(taken, billable - posted) >= 0:
                    # All that is left of it: its hours whole (days converted back to hours
                    # would leave a few minutes, or write off more than was logged).
                    hours = hours_left
                else:
                    hours = min(hours_left, sale_line.product_uom_id._compute_quantity(
                        taken, timesheet.product_uom_id or sale_line.product_uom_id))
                trusted(timesheet.sudo()).service_qty_non_chargeable += hours
                rest -= taken
            line.unlink()
        return result

    def _service_credited_items(self):
        """Hours and milestones credited."""
        lines = self.invoice_line_ids.sudo()
        return super()._service_credited_items() \
            | lines.service_timesheet_ids.service_billing_item_ids \
            | lines.service_milestone_id.service_billing_item_ids
