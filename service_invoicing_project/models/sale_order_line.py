"""Order lines billed on timesheets and milestones: approval, not-to-exceed, milestone sums.

Odoo's delivered quantity of a line invoiced on timesheets is the sum of its timesheets; here
only of the billable ones (approved, with Timesheet Approval on), less the hours confirmed
non-chargeable, so that every way of invoicing the order bills approved time only. Posting an
invoice checks what it bills against what was delivered and the line's not-to-exceed limit.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.service_invoicing.tools.formatting import (
    format_money, format_percentage, format_quantity)
from odoo.addons.service_invoicing.tools.trusted import trusted

from ..const import NOT_TO_EXCEED_TYPES


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'  # pylint: disable=consider-merging-classes-inherited

    service_limit_type = fields.Selection(
        NOT_TO_EXCEED_TYPES, string="Not-to-Exceed",
        help="A limit on what this time-and-material line bills: beyond it, timesheets cannot "
             "be made ready to invoice and no invoice billing more is posted.")
    service_limit = fields.Float(
        string="Not-to-Exceed Limit", digits='Product Price',
        help="Untaxed amount (Amount) or quantity in the line's unit (Hours).")
    service_milestone_ids = fields.One2many(
        'project.milestone', 'sale_line_id', string="Milestones", readonly=True)
    service_milestone_error = fields.Char(
        string="Milestones Error", compute='_compute_service_milestone_error',
        help="Milestones of a fixed-price line must add up to the line.")

    @api.constrains('service_limit_type', 'service_limit')
    def _check_service_limit(self):
        for line in self.filtered('service_limit_type'):
            if line.service_limit < 0:
                raise UserError(self.env._(
                    "The not-to-exceed limit of %(line)s (order %(order)s) cannot be negative.",
                    line=line.name, order=line.order_id.name))

    # --- Delivered: billable timesheets only -------------------------------------------------

    def _timesheet_compute_delivered_quantity_domain(self):
        return Domain.AND([super()._timesheet_compute_delivered_quantity_domain(),
                           self.env['account.analytic.line']._service_billable_domain()])

    @api.depends('analytic_line_ids.service_approved',
                 'analytic_line_ids.service_customer_state',
                 'analytic_line_ids.service_qty_non_chargeable')
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    @api.depends('analytic_line_ids.service_qty_non_chargeable',
                 'service_billing_item_ids.qty_billable',
                 'service_billing_item_ids.qty_invoiced')
    def _compute_service_qty(self):
        """Hours confirmed non-chargeable count as consumed: delivered, never charged. What
        time and milestones left shipped not invoiced is the sum of their backlog items (the
        order line's one sharing of what it invoiced), as shipment lines sum theirs."""
        result = super()._compute_service_qty()
        for line in self.filtered(lambda line: line.qty_delivered_method
                                  in ('timesheet', 'milestones')):
            items = line.service_billing_item_ids
            left = sum(items.mapped('qty_billable')) - sum(items.mapped('qty_invoiced'))
            line.service_qty_shipped_not_invoiced = line.product_uom_id.round(left) \
                if line.product_uom_id else left
        timesheet_lines = self.filtered(lambda line: line.qty_delivered_method == 'timesheet')
        if not timesheet_lines:
            return result
        written_off = self.env['account.analytic.line'].sudo()._read_group(
            [('so_line', 'in', timesheet_lines.ids), ('service_qty_non_chargeable', '!=', 0)],
            ['so_line', 'product_uom_id'], ['service_qty_non_chargeable:sum'])
        for line, uom, hours in written_off:
            quantity = uom._compute_quantity(hours, line.product_uom_id) if uom else hours
            line.service_qty_consumed += quantity
        return result

    @api.depends('service_billing_item_ids.qty_to_invoice')
    def _compute_service_qty_to_post(self):
        """Left to Invoice of a line billed on time or milestones: what its backlog items
        have left (approved or reached, not consumed, on no invoice), as a shipped line sums
        its shipment lines'. Nothing to ship or consume by posting: time is logged and
        milestones are reached."""
        result = super()._compute_service_qty_to_post()
        for line in self.filtered(lambda line: line.state == 'sale' and line.qty_delivered_method
                                  in ('timesheet', 'milestones')):
            left = sum(line.service_billing_item_ids.mapped('qty_to_invoice'))
            line.service_qty_to_invoice = line.product_uom_id.round(left) \
                if line.product_uom_id else left
        return result

    def _recompute_qty_to_invoice(self, start_date, end_date):
        """Odoo's Create Invoice with a timesheet date range: what is left to bill of the time
        of those dates, as the backlog shares what was invoiced over the timesheets. Odoo
        counts the timesheets not linked to an invoice, and every timesheet of an invoice
        with a credit note: a partial credit (8 h billed, corrected to 6 h) would bill the
        8 h again instead of the 2 h it gives back."""
        result = super()._recompute_qty_to_invoice(start_date, end_date)
        lines = self.filtered(lambda line: line.qty_delivered_method == 'timesheet')
        if not lines:
            return result
        domain = Domain([('sale_line_id', 'in', lines.ids), ('source_type', '=', 'timesheet')])
        if start_date:
            domain &= Domain('date', '>=', start_date)
        if end_date:
            domain &= Domain('date', '<=', end_date)
        left = dict(self.env['service.billing.item'].sudo()._read_group(
            domain, ['sale_line_id'], ['qty_to_invoice:sum']))
        for line in lines:
            quantity = line.product_uom_id.round(left.get(line._origin, 0.0))
            if line.product_uom_id.compare(quantity, line.qty_to_invoice):
                status = line.invoice_status
                line.qty_to_invoice = quantity
                if not quantity:
                    # As Odoo leaves it for a line with nothing in the range.
                    line.invoice_status = status
        return result

    # --- Milestones --------------------------------------------------------------------------

    @api.depends('qty_delivered_method', 'product_uom_qty',
                 'service_milestone_ids.quantity_percentage')
    def _compute_service_milestone_error(self):
        lines = self.filtered(lambda line: line.qty_delivered_method == 'milestones')
        shares = {sale_line.id: total for sale_line, total in self.env['project.milestone']
                  .sudo()._read_group([('sale_line_id', 'in', lines.ids)], ['sale_line_id'],
                                      ['quantity_percentage:sum'])}
        for line in self:
            total = shares.get(line.id)
            if line in lines and total is not None and line.product_uom_id.compare(
                    total * line.product_uom_qty, line.product_uom_qty) != 0:
                line.service_milestone_error = self.env._(
                    "The milestones of this line add up to %(percent)s of it: they must make "
                    "100 %% of the line value.", percent=format_percentage(self.env, total))
            else:
                line.service_milestone_error = False

    def action_service_generate_milestones(self):
        """Generate Periodic Milestones: equal, dated milestones of this fixed-price line."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Generate Periodic Milestones"),
            'res_model': 'service.milestone.generate.wizard',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_sale_line_id': self.id},
        }

    # --- Not-to-exceed -----------------------------------------------------------------------

    def write(self, vals):
        """A limit raised, lowered or removed decides its time again (as approval does): each
        approved timesheet still to invoice is ready as far as the limit allows, oldest first,
        the others not ready, saying why."""
        if not {'service_limit_type', 'service_limit'}.intersection(vals):
            return super().write(vals)
        held = self._service_items_held_by_limit()
        result = super().write(vals)
        self._service_apply_limit(held)
        return result

    def _service_limited_items(self):
        """The items a limit decides: the approved time of these lines still to invoice."""
        return self.sudo().service_billing_item_ids.filtered(
            lambda item: item.source_type == 'timesheet'
            and item.billing_status in ('ready', 'not_ready')
            and item.timesheet_id._service_is_billable())

    def _service_limit_wanted(self, item):
        """What ``item`` adds against this line's limit, and the comparison of the limit."""
        if self.service_limit_type == 'amount':
            return item.amount, self.currency_id.compare_amounts
        return item.qty_to_invoice, self.product_uom_id.compare

    def _service_items_held_by_limit(self):
        """The not-ready time of these lines that their limit holds back (each would pass
        it); time a clerk held back within the limit is not theirs to release."""
        held = self.env['service.billing.item']
        for line in self.sudo().filtered('service_limit_type'):
            waiting = line._service_limited_items().filtered(
                lambda item: item.billing_status == 'not_ready')
            used = line._service_limit_figures() if waiting else 0.0
            for item in waiting:
                wanted, compare = line._service_limit_wanted(item)
                if compare(used + wanted, line.service_limit) > 0:
                    held |= item
        return held

    def _service_apply_limit(self, held):
        """Decide again the ready time of these lines and the time ``held`` by their limit:
        ready oldest first while the limit allows it, the others not ready."""
        for line in self.sudo():
            items = line._service_limited_items()
            items = items.filtered(lambda item: item.billing_status == 'ready') | (items & held)
            if not line.service_limit_type:
                trusted(items).ready = True
                continue
            trusted(items).ready = False
            used = line._service_limit_figures()
            ready = []
            for item in items.sorted(lambda item: (item.date or fields.Date.today(), item.id)):
                wanted, compare = line._service_limit_wanted(item)
                if compare(used + wanted, line.service_limit) <= 0:
                    ready.append(item.id)
                    used += wanted
            trusted(items.browse(ready)).ready = True

    def _service_limit_figures(self):
        """(used, unit) against this line's limit: what invoices (posted and draft, less
        posted credit notes) bill and what is ready to invoice, in amount or hours."""
        self.ensure_one()
        by_amount = self.service_limit_type == 'amount'
        items = self.service_billing_item_ids.filtered(lambda item: item.source_type
                                                       == 'timesheet')
        used = 0.0
        for invoice_line in self.invoice_lines:
            move = invoice_line.move_id
            if invoice_line.parent_state == 'posted' or (
                    invoice_line.parent_state == 'draft' and move.move_type == 'out_invoice'):
                sign = -1 if move.move_type == 'out_refund' else 1
                used += sign * (invoice_line.price_subtotal if by_amount else
                                invoice_line.product_uom_id._compute_quantity(
                                    invoice_line.quantity, self.product_uom_id))
        for item in items.filtered(lambda item: item.billing_status == 'ready'):
            used += item.amount if by_amount else item.qty_to_invoice
        return used

    def _service_not_to_exceed_reason(self, item):
        """Why ``item`` may not be made ready under this line's limit ('' when it may)."""
        self.ensure_one()
        if not self.service_limit_type or item.billing_status != 'not_ready':
            return ''
        by_amount = self.service_limit_type == 'amount'
        used = self._service_limit_figures()
        wanted = item.amount if by_amount else item.qty_to_invoice
        compare = self.currency_id.compare_amounts if by_amount else self.product_uom_id.compare
        if compare(used + wanted, self.service_limit) <= 0:
            return ''
        return self.env._(
            "The not-to-exceed limit of %(limit)s on %(line)s (order %(order)s) would be "
            "passed: %(used)s are already invoiced or ready, this item adds %(wanted)s. "
            "Raise the Not-to-Exceed Limit of the line (Order Lines tab of the order), or leave "
            "the item not ready.",
            limit=self._service_limit_text(self.service_limit), line=self.name,
            order=self.order_id.name, used=self._service_limit_text(used),
            wanted=self._service_limit_text(wanted))

    def _service_limit_text(self, value):
        """A figure of the limit as the user reads it: an amount with its currency
        (``$ 1,000.00``), hours with their unit (``10.00 Hours``)."""
        if self.service_limit_type == 'amount':
            return format_money(self.env, value, self.currency_id)
        return f'{format_quantity(self.env, value)} {self.product_uom_id.name}'

    # --- Posting checks ----------------------------------------------------------------------

    def _service_check_billed_quantities(self, invoiced=False, credited=False):
        """Time and milestones: invoice only what was delivered (approved hours, reached
        milestones), never beyond the not-to-exceed limit."""
        super()._service_check_billed_quantities(invoiced=invoiced, credited=credited)
        if not invoiced:
            return
        for line in self.filtered(lambda line: line.qty_delivered_method
                                  in ('timesheet', 'milestones')
                                  and line.product_id.invoice_policy == 'delivery'):
            if line.qty_delivered_method == 'milestones' and line.product_uom_id.compare(
                    line.qty_invoiced_posted, line.product_uom_qty) > 0:
                raise UserError(self.env._(
                    "%(product)s of order %(order)s is a fixed price of %(ordered)s "
                    "%(unit)s: it would be invoiced %(invoiced)s. Its milestones add up to "
                    "more than the line: correct them to make 100%% of it, or raise the "
                    "quantity ordered.", product=line.product_id.display_name,
                    order=line.order_id.name,
                    ordered=format_quantity(self.env, line.product_uom_qty),
                    unit=line.product_uom_id.name,
                    invoiced=format_quantity(self.env, line.qty_invoiced_posted)))
            available = line.qty_delivered - line.service_qty_consumed
            if line.product_uom_id.compare(line.qty_invoiced_posted, available) > 0:
                what = self.env._("approved hours") \
                    if line.qty_delivered_method == 'timesheet' \
                    else self.env._("reached milestones")
                raise UserError(self.env._(
                    "%(product)s of order %(order)s would be invoiced %(invoiced)s but its "
                    "%(what)s come to %(available)s: you cannot invoice what was not delivered. "
                    "Lower the quantity on the invoice, or approve the time / reach the "
                    "milestone first.", product=line.product_id.display_name,
                    order=line.order_id.name,
                    invoiced=format_quantity(self.env, line.qty_invoiced_posted),
                    what=what, available=format_quantity(self.env, available)))
        for line in self.filtered('service_limit_type'):
            line._service_check_not_to_exceed()

    def _service_check_not_to_exceed(self):
        self.ensure_one()
        by_amount = self.service_limit_type == 'amount'
        billed = 0.0
        for invoice_line in self.invoice_lines.filtered(
                lambda invoice_line: invoice_line.parent_state == 'posted'):
            sign = -1 if invoice_line.move_id.move_type == 'out_refund' else 1
            billed += sign * (invoice_line.price_subtotal if by_amount else
                              invoice_line.product_uom_id._compute_quantity(
                                  invoice_line.quantity, self.product_uom_id))
        compare = self.currency_id.compare_amounts if by_amount else self.product_uom_id.compare
        if compare(billed, self.service_limit) > 0:
            raise UserError(self.env._(
                "%(line)s of order %(order)s would be invoiced %(billed)s, beyond its "
                "not-to-exceed limit of %(limit)s: lower the invoice or raise the Not-to-Exceed "
                "Limit of the line (Order Lines tab of the order).", line=self.name,
                order=self.order_id.name, billed=self._service_limit_text(billed),
                limit=self._service_limit_text(self.service_limit)))
