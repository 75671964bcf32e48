"""Timesheets and milestones in the billing backlog.

A timesheet of an order line invoiced on timesheets is a time-and-material item: its hours
(in the order line's unit) at the order line's rate. A milestone of an order line invoiced on
milestones is a fixed-price item: its share of the line, ready once reached. What invoices
billed of each is shared from the order line's invoice lines (``tools/allocation``), so Odoo's
own Create Invoice and the backlog see the same figures and nothing is billed twice.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import float_round, format_date


from odoo.addons.service_invoicing.tools.allocation import (
    AMOUNT, DRAFT, DRAFT_AMOUNT, POSTED, quantity_compare, rounded, share_invoiced)

PROJECT_SOURCES = ('timesheet', 'milestone')


class ServiceBillingItem(models.Model):
    _inherit = 'service.billing.item'

    source_type = fields.Selection(
        selection_add=[('timesheet', "Timesheet"), ('milestone', "Milestone")],
        ondelete={'timesheet': 'cascade', 'milestone': 'cascade'})
    timesheet_id = fields.Many2one(
        'account.analytic.line', readonly=True, index='btree_not_null',
        ondelete='cascade')
    milestone_id = fields.Many2one(
        'project.milestone', readonly=True, index='btree_not_null',
        ondelete='cascade')
    sale_line_id = fields.Many2one(
        'sale.order.line', string="Order Line", readonly=True, index='btree_not_null')
    project_id = fields.Many2one('project.project', readonly=True, index='btree_not_null')
    task_id = fields.Many2one('project.task', readonly=True)
    employee_id = fields.Many2one('hr.employee', readonly=True)

    @api.model
    def _selection_source_ref(self):
        return super()._selection_source_ref() + [
            ('account.analytic.line', self.env._("Timesheet")),
            ('project.milestone', self.env._("Milestone"))]

    @api.depends('timesheet_id', 'milestone_id')
    def _compute_source_ref(self):
        project_items = self.filtered(lambda item: item.source_type in PROJECT_SOURCES)
        result = super(ServiceBillingItem, self - project_items)._compute_source_ref()
        for item in project_items:
            source = item.timesheet_id or item.milestone_id
            item.source_ref = f'{source._name},{source.id}' if source else False
        return result

    @api.depends(
        'timesheet_id.unit_amount', 'timesheet_id.product_uom_id',
        'timesheet_id.service_approved', 'timesheet_id.service_customer_state',
        'timesheet_id.service_qty_non_chargeable', 'timesheet_id.timesheet_invoice_id',
        'milestone_id.is_reached', 'milestone_id.quantity_percentage',
        'sale_line_id.product_uom_qty',
        # What an order line invoiced is shared over all its items: one item reached or
        # approved changes the others' share.
        'sale_line_id.qty_delivered',
        'sale_line_id.invoice_lines.quantity', 'sale_line_id.invoice_lines.parent_state',
        'sale_line_id.invoice_lines.price_subtotal',
        'sale_line_id.invoice_lines.service_timesheet_ids',
        'sale_line_id.invoice_lines.service_milestone_id')
    def _compute_billing(self):
        project_items = self.filtered(lambda item: item.source_type in PROJECT_SOURCES)
        result = super(ServiceBillingItem, self - project_items)._compute_billing()
        if project_items:
            project_items._compute_project_billing()
        return result

    def _compute_project_billing(self):
        figures = {}
        for sale_line in self.sale_line_id:
            figures.update(sale_line._service_invoiced_per_item())
        open_amounts = self._service_amounts_to_invoice(figures)
        compare = self.env['sale.order.line']._service_quantity_compare()
        # Items with the same figures are written together: an order line's hundreds of
        # timesheets share a few values.
        same = defaultdict(list)
        for item in self:
            billable, (invoiced, in_draft, amount_invoiced, amount_in_draft) = figures.get(
                item._origin or item, (0.0, (0.0, 0.0, 0.0, 0.0)))
            left = billable - invoiced - in_draft
            if compare(left, 0.0) > 0:
                status = 'ready' if item.ready else 'not_ready'
            elif compare(in_draft, 0.0) > 0:
                status = 'invoice_created'
            elif compare(invoiced, 0.0) > 0:
                status = 'invoice_posted'
            elif item._service_waits_for_approval():
                status = 'not_ready'
            else:
                status = 'non_chargeable'
            same[billable, invoiced, in_draft, max(left, 0.0), open_amounts.get(item, 0.0),
                 amount_invoiced, amount_in_draft, status].append(item.id)
        for (billable, invoiced, in_draft, to_invoice, amount, amount_invoiced, amount_in_draft,
             status), ids in same.items():
            items = self.browse(ids)
            items.qty_billable = billable
            items.qty_invoiced = invoiced
            items.qty_in_draft = in_draft
            items.qty_to_invoice = to_invoice
            items.amount = amount
            items.amount_invoiced = amount_invoiced
            items.amount_in_draft = amount_in_draft
            items.billing_status = status

    def _service_waits_for_approval(self):
        """Nothing billable yet because the timesheet waits for approval or the milestone
        for being reached (rather than written off)."""
        self.ensure_one()
        if self.timesheet_id:
            return not self.timesheet_id._service_is_billable()
        return bool(self.milestone_id) and not self.milestone_id.is_reached

    def _service_amounts_to_invoice(self, figures):
        """{item: untaxed amount left to invoice}, by Odoo's tax engine for the order line
        (computed once per order line and quantity)."""
        compare = self.env['sale.order.line']._service_quantity_compare()
        digits = self.env['decimal.precision'].precision_get('Product Unit')
        wanted = {}
        for item in self:
            billable, (invoiced, in_draft, *_amounts) = figures.get(
                item._origin or item, (0.0, (0.0, 0.0, 0.0, 0.0)))
            left = billable - invoiced - in_draft
            line = item.sale_line_id
            if line and compare(left, 0.0) > 0:
                wanted.setdefault((line, float_round(left, precision_digits=digits)),
                                  []).append(item)
        return self._service_amounts_of(wanted)

    def _service_amounts_of(self, wanted):
        """{item: untaxed amount} of {(order line, quantity): items}, by Odoo's tax engine
        for the order line."""
        AccountTax = self.env['account.tax']
        result = {}
        for company, keys in self.env['sale.order.line'].union(
                *(line for line, _qty in wanted)).grouped('company_id').items():
            pairs = [key for key in wanted if key[0] in keys]
            base_lines = [line._prepare_base_line_for_taxes_computation(quantity=quantity)
                          for line, quantity in pairs]
            AccountTax._add_tax_details_in_base_lines(base_lines, company)
            AccountTax._round_base_lines_tax_details(base_lines, company)
            for pair, base_line in zip(pairs, base_lines, strict=True):
                for item in wanted[pair]:
                    result[item] = base_line['tax_details']['total_excluded_currency']
        return result

    @api.depends('timesheet_id.unit_amount', 'timesheet_id.product_uom_id',
                 'timesheet_id.service_approved', 'timesheet_id.service_customer_state',
                 'timesheet_id.service_qty_non_chargeable',
                 'milestone_id.is_reached', 'milestone_id.quantity_percentage',
                 'sale_line_id.product_uom_qty', 'sale_line_id.price_unit',
                 'sale_line_id.discount', 'sale_line_id.tax_ids')
    def _compute_amounts_by_status(self):
        return super()._compute_amounts_by_status()

    def _amounts_not_billable_yet(self):
        """Time waiting for approval (its hours less non-chargeable ones) and a milestone not
        reached (its share of the line), at the order line's price."""
        result = super()._amounts_not_billable_yet()
        digits = self.env['decimal.precision'].precision_get('Product Unit')
        wanted = {}
        for item in self.filtered(lambda item: item.source_type in PROJECT_SOURCES
                                  and item.billing_status == 'not_ready'
                                  and item._service_waits_for_approval()):
            line = item.sale_line_id
            quantity = item._service_pending_quantity()
            if line and quantity > 0:
                wanted.setdefault((line, float_round(quantity, precision_digits=digits)),
                                  []).append(item)
        result.update(self._service_amounts_of(wanted))
        return result

    def _service_pending_quantity(self):
        """What this item will bill once approved or reached, in its order line's unit: the
        timesheet's hours less non-chargeable ones, the milestone's share of the line."""
        self.ensure_one()
        line = self.sale_line_id
        if timesheet := self.timesheet_id:
            hours = max(timesheet.unit_amount - timesheet.service_qty_non_chargeable, 0.0)
            unit = timesheet.product_uom_id
            return unit._compute_quantity(hours, line.product_uom_id) \
                if unit and line.product_uom_id else hours
        return self.milestone_id.quantity_percentage * line.product_uom_qty

    def _service_has_been_billed(self):
        """Whether an invoice (draft or posted) bills part of this item."""
        self.ensure_one()
        uom = self.product_uom_id
        return uom.compare(self.qty_billable - self.qty_to_invoice, 0.0) > 0 \
            or uom.compare(self.qty_invoiced, 0.0) > 0

    def _compute_invoice_ids(self):
        project_items = self.filtered(lambda item: item.source_type in PROJECT_SOURCES)
        result = super(ServiceBillingItem, self - project_items)._compute_invoice_ids()
        same = defaultdict(list)
        for sale_line, items in project_items.grouped('sale_line_id').items():
            # The invoices of each timesheet and milestone of the order line, read once.
            moves_of = defaultdict(set)
            for line in sale_line.invoice_lines:
                for timesheet_id in line.service_timesheet_ids.ids:
                    moves_of['timesheet', timesheet_id].add(line.move_id.id)
                if line.service_milestone_id:
                    moves_of['milestone', line.service_milestone_id.id].add(line.move_id.id)
            for item in items:
                moves = moves_of.get(('timesheet', item.timesheet_id.id), set()) \
                    | moves_of.get(('milestone', item.milestone_id.id), set()) \
                    | set(item.timesheet_id.timesheet_invoice_id.ids)
                same[tuple(sorted(moves))].append(item.id)
        for move_ids, ids in same.items():
            items = self.browse(ids)
            items.invoice_ids = self.env['account.move'].browse(move_ids)
            items.invoice_count = len(move_ids)
        return result

    @api.depends('billing_status', 'sale_line_id.invoice_lines.move_id.payment_state',
                 'timesheet_id.timesheet_invoice_id.payment_state')
    def _compute_payment_status(self):
        project_items = self.filtered(lambda item: item.source_type in PROJECT_SOURCES)
        result = super(ServiceBillingItem, self - project_items)._compute_payment_status()
        same = defaultdict(list)
        for sale_line, items in project_items.grouped('sale_line_id').items():
            if not (sale_line.invoice_lines.move_id | items.timesheet_id.timesheet_invoice_id) \
                    .filtered(lambda move: move.state == 'posted'
                              and move.move_type == 'out_invoice'):
                # Nothing posted bills the order line (a proforma was just made): no
                # payment to follow, without sharing out its invoices.
                same[self._payment_status_of(self.env['account.move'])] += items.ids
                continue
            for item in items:
                invoices = item.invoice_ids.filtered(
                    lambda move: move.state == 'posted' and move.move_type == 'out_invoice')
                same[self._payment_status_of(invoices)].append(item.id)
        for status, ids in same.items():
            items = self.browse(ids)
            if not status:
                items.payment_status = False
                continue
            # Only billed items are paid or not: not one a credit note gave back.
            posted = items.filtered(lambda item: item.billing_status == 'invoice_posted')
            posted.payment_status = status
            (items - posted).payment_status = False
        return result

    def _service_values_that_differ(self, vals):
        """The ``vals`` that would change this item (its source was synchronised)."""
        self.ensure_one()
        return {name: value for name, value in vals.items()
                if self._fields[name].convert_to_cache(self[name], self)
                != self._fields[name].convert_to_cache(value, self)}

    # --- Ready to invoice ------------------------------------------------------------------

    def _not_ready_reason(self):
        reason = super()._not_ready_reason()
        if reason or self.source_type not in PROJECT_SOURCES:
            return reason
        # The rule reads what it needs (the timesheet, the order line and its invoices)
        # whatever this user may read of them: it only says why the item waits.
        item = self.sudo()
        if item.timesheet_id and not item.timesheet_id._service_internally_billable():
            return self.env._(
                "The timesheet of %(employee)s on %(date)s waits for approval: a project "
                "manager approves it (Approve) before it is billed.",
                employee=item.employee_id.name, date=format_date(self.env, item.date))
        if item.timesheet_id and not item.timesheet_id._service_is_billable():
            return item.timesheet_id._service_customer_waiting_reason()
        if item.milestone_id and not item.milestone_id.is_reached:
            return self.env._(
                "Milestone %(milestone)s is not reached: mark it reached before it is billed.",
                milestone=item.milestone_id.name)
        if item.timesheet_id:
            return item.sale_line_id._service_not_to_exceed_reason(item)
        return ''

    def _write_ready(self, ready):
        """Mark Ready: the timesheets of a line with a not-to-exceed limit one by one, oldest
        first, each checked with those before it made ready (checked together, each alone
        would fit under the limit)."""
        limited = self.filtered(lambda item: item.source_type == 'timesheet'
                                and item.sudo().sale_line_id.service_limit_type) \
            if ready else self.browse()
        if limited:
            limited._make_ready_where_allowed(refuse=True)
        return super(ServiceBillingItem, self - limited)._write_ready(ready)

    def _filtered_may_bill_sources(self):
        """A timesheet or a milestone: of an order line this user may read (Sales: their own
        orders for a salesperson, all for a manager), as its proformas bill it."""
        project_items = self.filtered(lambda item: item.source_type in PROJECT_SOURCES)
        others = self - project_items
        allowed = super(ServiceBillingItem, others)._filtered_may_bill_sources() \
            if others else others
        # Sets of ids: a recordset's ``in`` reads its ids one by one (thousands of items).
        allowed_ids = set(allowed.ids)
        readable_ids = set(project_items.sale_line_id._filtered_access('read').ids)
        return self.filtered(lambda item: item.id in allowed_ids or (
            item.source_type in PROJECT_SOURCES and item.sale_line_id.id in readable_ids))

    # --- Links -----------------------------------------------------------------------------

    def action_open_source(self):
        self.ensure_one()
        if self.source_type == 'timesheet':
            return {
                'type': 'ir.actions.act_window', 'res_model': 'account.analytic.line',
                'res_id': self.timesheet_id.id, 'view_mode': 'form',
                'views': [(self.env.ref('hr_timesheet.timesheet_view_form_user').id, 'form')],
            }
        return super().action_open_source()


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    service_billing_item_ids = fields.One2many(
        'service.billing.item', 'sale_line_id', string="Backlog Items", readonly=True)

    def _service_invoiced_per_item(self):
        """{item: (billable quantity, (posted, on drafts, amount posted, amount on drafts))} of
        this order line's timesheet and milestone items."""
        self.ensure_one()
        line = self._origin or self
        uom = line.product_uom_id
        compare = self._service_quantity_compare()
        digits = self.env['decimal.precision'].precision_get('Product Unit')
        rows = line._service_sharing_pieces()
        # Shared by item id: thousands of timesheets on one order line.
        pieces = [(item.id, billable) for item, billable in rows]
        by_timesheet, by_milestone, odoo_links = {}, {}, {}
        for item, _billable in rows:
            if timesheet := item.timesheet_id:
                by_timesheet[timesheet.id] = item.id
                if move_id := timesheet.timesheet_invoice_id.id:
                    odoo_links.setdefault(move_id, set()).add(item.id)
            elif milestone := item.milestone_id:
                by_milestone[milestone.id] = item.id
        invoice_lines = []
        for invoice_line in line.invoice_lines:
            move = invoice_line.move_id
            if move.move_type not in ('out_invoice', 'out_refund') \
                    or invoice_line.parent_state not in ('posted', 'draft'):
                continue
            timesheet_ids = invoice_line.service_timesheet_ids.ids
            milestone_id = invoice_line.service_milestone_id.id
            if timesheet_ids or milestone_id:
                linked = {by_timesheet[timesheet_id] for timesheet_id in timesheet_ids
                          if timesheet_id in by_timesheet}
                if milestone_id in by_milestone:
                    linked.add(by_milestone[milestone_id])
            else:
                # Odoo's own invoicing links its timesheets to the invoice; its credit notes
                # credit those of the invoice they reverse.
                origin = move.reversed_entry_id if move.move_type == 'out_refund' else move
                linked = odoo_links.get(origin.id, set())
            quantity = invoice_line.product_uom_id._compute_quantity(
                invoice_line.quantity, uom or invoice_line.product_uom_id)
            invoice_lines.append((invoice_line.parent_state, move.move_type, quantity,
                                  invoice_line.price_subtotal, linked))
        shared = share_invoiced(pieces, invoice_lines, compare)
        money = line.currency_id.rounding
        return {item: (billable, (rounded(shared[item.id][POSTED], digits),
                                  rounded(shared[item.id][DRAFT], digits),
                                  rounded(shared[item.id][AMOUNT], rounding=money),
                                  rounded(shared[item.id][DRAFT_AMOUNT], rounding=money)))
                for item, billable in rows}

    def _service_sharing_pieces(self):
        """[(item, billable quantity)] of this order line's timesheets and milestones, in
        the order what it invoiced is shared over them: oldest first, a timesheet by its
        date, a reached milestone by the day it was reached (its item's date follows only
        after the sync, and an invoice that names no milestone, as Odoo's Create Invoice,
        bills the milestones reached first).

        Billable: a timesheet's approved hours less the non-chargeable ones, in the order
        line's unit; a reached milestone's share of the line. Hours logged in another unit
        than the line's (hours of a line sold by the day) are converted as Odoo converts the
        delivered quantity, a sum per unit: each timesheet takes what it adds to the converted
        sum of the timesheets before it (three hours are 0.38 day, not 3 x 0.13). One pass
        over thousands of timesheets: each conversion in the line's own unit is made once."""
        self.ensure_one()
        line_unit = self.product_uom_id
        today = fields.Date.today()
        converted = {}
        rows = []
        for item in self.service_billing_item_ids:
            if item.source_type not in PROJECT_SOURCES:
                continue
            day, hours, billable = item.date, 0.0, 0.0
            if timesheet := item.timesheet_id:
                if timesheet._service_is_billable():
                    hours = max(timesheet.unit_amount - timesheet.service_qty_non_chargeable,
                                0.0)
            elif (milestone := item.milestone_id) and milestone.is_reached:
                billable = milestone.quantity_percentage * self.product_uom_qty
                day = milestone.reached_date
            rows.append(((day or today, item.id), item, hours, billable))
        rows.sort(key=lambda row: row[0])
        # {unit: (hours so far, their sum converted)} of units other than the line's.
        summed = {}
        pieces = []
        for _key, item, hours, billable in rows:
            if hours:
                unit = item.timesheet_id.product_uom_id
                if not unit or not line_unit:
                    billable = hours
                elif unit == line_unit:
                    if hours not in converted:
                        converted[hours] = unit._compute_quantity(
                            hours, line_unit, rounding_method='HALF-UP')
                    billable = converted[hours]
                else:
                    hours_before, quantity_before = summed.get(unit, (0.0, 0.0))
                    quantity = unit._compute_quantity(
                        hours_before + hours, line_unit, rounding_method='HALF-UP')
                    summed[unit] = (hours_before + hours, quantity)
                    billable = line_unit.round(quantity - quantity_before)
            pieces.append((item, billable))
        return pieces

    def _service_billing_item_vals(self):
        """What a backlog item of this order line (a timesheet, a milestone) takes from it."""
        self.ensure_one()
        order = self.order_id
        return {
            'sale_line_id': self.id,
            'order_id': order.id,
            'partner_id': order.partner_invoice_id.commercial_partner_id.id,
            'partner_invoice_id': order.partner_invoice_id.id,
            'company_id': self.company_id.id,
            'currency_id': self.currency_id.id,
            'user_id': order.user_id.id,
            'product_id': self.product_id.id,
            'product_uom_id': self.product_uom_id.id,
            'price_unit': self.price_unit,
        }

    @api.model
    def _service_quantity_compare(self):
        """``uom.compare`` of Odoo 19 (every unit rounds quantities at the 'Product Unit'
        precision), read once for the thousands of comparisons of a backlog computation."""
        return quantity_compare(self.env['decimal.precision'].precision_get('Product Unit'))
