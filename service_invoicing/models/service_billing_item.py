"""The billing backlog: one place that every billable source feeds.

An item stands for one billable thing of a source: a contract period due, a posted shipment
line shipped and not invoiced; bridges add their own sources (timesheets, milestones) with
``source_type`` values of their own. The item does not copy the source's billing: its status
and quantities are computed from the source (the billed period of a contract, the figures of a
shipment line), so whatever bills the source (a proforma from the backlog, Create Contract
Invoices, Get Shipment Lines, Combine Shipments, Odoo's Create Invoice) shows here at once.
What the item adds is the clerk's decision: ready to invoice or not.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import BILLING_SOURCE_TYPES, BILLING_STATUSES, OPEN_STATUSES, PAYMENT_STATUSES
from ..tools.actions import records_action
from ..tools.trusted import is_trusted, trusted


class ServiceBillingItem(models.Model):
    _name = 'service.billing.item'
    _description = "Billing Backlog Item"
    _order = 'date desc, id desc'
    _check_company_auto = True

    source_type = fields.Selection(
        BILLING_SOURCE_TYPES, required=True, readonly=True, index=True)
    contract_id = fields.Many2one(
        'service.contract', readonly=True, index='btree_not_null', ondelete='cascade')
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    period_id = fields.Many2one(
        'service.contract.period', string="Billed Period", readonly=True,
        index='btree_not_null', ondelete='set null')
    shipment_line_id = fields.Many2one(
        'service.shipment.line', readonly=True, index='btree_not_null', ondelete='cascade')
    order_id = fields.Many2one('sale.order', readonly=True, index='btree_not_null')
    source_ref = fields.Reference(
        selection='_selection_source_ref', string="Source", compute='_compute_source_ref')

    partner_id = fields.Many2one(
        'res.partner', string="Customer", readonly=True, index=True,
        help="The customer billed (its commercial entity).")
    partner_invoice_id = fields.Many2one('res.partner', string="Invoice Address",
                                         readonly=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    currency_id = fields.Many2one('res.currency', required=True, readonly=True)
    user_id = fields.Many2one('res.users', string="Salesperson", readonly=True, index=True)
    product_id = fields.Many2one('product.product', readonly=True)
    name = fields.Char(string="Description", readonly=True)
    date = fields.Date(readonly=True, index=True,
                       help="Invoice date of a contract period, posting date of a shipment.")

    # The names of the figures follow docs/glossary.md.
    qty_to_invoice = fields.Float(
        string="Left to Invoice", digits='Product Unit', compute='_compute_billing',
        store=True, help="Billable and on no invoice yet, draft or posted, ready or not.")
    qty_billable = fields.Float(
        string="Billable Quantity", digits='Product Unit', compute='_compute_billing',
        store=True, help="Shipped less consumed; approved hours less non-chargeable ones; the "
                         "share of a reached milestone.")
    qty_invoiced = fields.Float(
        string="Invoiced Quantity", digits='Product Unit', compute='_compute_billing',
        store=True, help="On posted invoices, less posted credit notes.")
    qty_in_draft = fields.Float(
        string="Quantity in Draft Invoices", digits='Product Unit', compute='_compute_billing',
        store=True, help="On draft invoices, not posted yet.")
    product_uom_id = fields.Many2one('uom.uom', string="Unit", readonly=True)
    price_unit = fields.Float(digits='Product Price', readonly=True)
    amount = fields.Monetary(
        string="Amount Left to Invoice", compute='_compute_billing', store=True,
        help="Of the quantity left to invoice, ready or not: untaxed, as Odoo's tax engine "
             "computes it for the source.")
    amount_invoiced = fields.Monetary(
        string="Invoiced", compute='_compute_billing', store=True,
        help="Untaxed, on posted invoices less posted credit notes.")
    amount_in_draft = fields.Monetary(
        string="In Draft Invoices", compute='_compute_billing', store=True,
        help="Untaxed, on draft invoices not posted yet.")
    amount_waiting = fields.Monetary(
        string="Waiting", compute='_compute_amounts_by_status', store=True,
        help="Untaxed value of what is not ready to invoice: not marked ready, beyond a "
             "not-to-exceed limit, time waiting for approval, a milestone not reached.")
    amount_to_invoice = fields.Monetary(
        string="To Invoice", compute='_compute_amounts_by_status', store=True,
        help="Untaxed value of what is ready to invoice: the next proforma bills it.")
    amount_status = fields.Monetary(
        string="Amount", compute='_compute_amounts_by_status', store=True,
        help="The item's value at its status: waiting, to invoice, in draft invoices or "
             "invoiced.")
    ready = fields.Boolean(
        string="Ready to Invoice", readonly=True,
        help="Set by Mark Ready: only ready items are invoiced from the backlog.")
    billing_status = fields.Selection(
        BILLING_STATUSES, compute='_compute_billing', store=True, index=True)
    not_ready_reason = fields.Char(
        string="Why Not Ready", compute='_compute_not_ready_reason',
        help="What keeps a waiting item from being marked ready (approval, a limit...).")
    invoice_ids = fields.Many2many('account.move', string="Invoices",
                                   compute='_compute_invoice_ids')
    invoice_count = fields.Integer(compute='_compute_invoice_ids')
    payment_status = fields.Selection(
        PAYMENT_STATUSES, compute='_compute_payment_status', store=True,
        help="Of the posted invoices that billed this item, once it is invoiced (Invoice "
             "Posted); an invoice reversed by a credit note does not count.")

    @api.model
    def _selection_source_ref(self):
        return [('service.contract', self.env._("Service Contract")),
                ('service.shipment', self.env._("Posted Shipment"))]

    @api.depends('contract_id', 'shipment_line_id')
    def _compute_source_ref(self):
        for item in self:
            if item.contract_id:
                item.source_ref = f'service.contract,{item.contract_id.id}'
            elif item.shipment_line_id:
                item.source_ref = f'service.shipment,{item.shipment_line_id.shipment_id.id}'
            else:
                item.source_ref = False

    @api.depends(
        'ready', 'period_id.invoice_id.state', 'period_id.amount', 'period_id.credited',
        'shipment_line_id.qty_to_invoice', 'shipment_line_id.qty_in_draft',
        'shipment_line_id.qty_invoiced', 'shipment_line_id.invoice_line_ids.price_subtotal',
        'shipment_line_id.invoice_line_ids.parent_state')
    def _compute_billing(self):
        shipment_items = self.filtered('shipment_line_id')
        amounts = shipment_items._shipment_amounts()
        for item in self:
            if item.shipment_line_id:
                line = item.shipment_line_id
                item.qty_to_invoice = max(line.qty_to_invoice, 0.0)
                item.qty_billable = line.qty_shipped - line.qty_consumed
                item.qty_invoiced = line.qty_invoiced
                item.qty_in_draft = line.qty_in_draft
                item.amount, item.amount_invoiced, item.amount_in_draft = amounts[item]
                if item.product_uom_id.compare(item.qty_to_invoice, 0.0) > 0:
                    status = 'ready' if item.ready else 'not_ready'
                elif line.product_uom_id.compare(line.qty_in_draft, 0.0) > 0:
                    status = 'invoice_created'
                elif line.product_uom_id.compare(line.qty_invoiced, 0.0) > 0:
                    status = 'invoice_posted'
                else:
                    status = 'non_chargeable'  # consumed: shipped and never charged
            else:
                period = item.period_id
                billed = period and not period.credited
                posted = billed and period.invoice_id.state == 'posted'
                item.qty_to_invoice = 0.0 if billed else 1.0
                item.qty_billable = 1.0
                item.qty_invoiced = 1.0 if posted else 0.0
                item.qty_in_draft = 1.0 if billed and not posted else 0.0
                item.amount = 0.0 if billed else item.price_unit
                item.amount_invoiced = period.amount if posted else 0.0
                item.amount_in_draft = period.amount if billed and not posted else 0.0
                if not billed:
                    status = 'ready' if item.ready else 'not_ready'
                elif period.invoice_id.state == 'posted':
                    status = 'invoice_posted'
                else:
                    status = 'invoice_created'
            item.billing_status = status

    @api.depends('amount', 'billing_status', 'amount_in_draft', 'amount_invoiced')
    def _compute_amounts_by_status(self):
        """Each item shows its value whatever its status: waiting (not ready, or its source
        not billable yet), to invoice (ready: only these count as To Invoice), in draft
        invoices, invoiced."""
        pending = self._amounts_not_billable_yet()
        # Items with the same figures (in the same currency: Odoo assigns a monetary field to
        # records of one currency at a time) are written together: assigning a field costs
        # more than reading it, and the thousands of items a proforma bills share a few values.
        same = defaultdict(list)
        for item in self:
            status = item.billing_status
            to_invoice = item.amount if status == 'ready' else 0.0
            waiting = (item.amount if status == 'not_ready' else 0.0) + pending.get(item, 0.0)
            at_status = {
                'not_ready': waiting,
                'ready': to_invoice,
                'invoice_created': item.amount_in_draft,
                'invoice_posted': item.amount_invoiced,
            }.get(status, 0.0)
            same[item.currency_id.id, to_invoice, waiting, at_status].append(item.id)
        for (_currency, to_invoice, waiting, at_status), ids in same.items():
            items = self.browse(ids)
            items.amount_to_invoice = to_invoice
            items.amount_waiting = waiting
            items.amount_status = at_status

    def _amounts_not_billable_yet(self):
        """{item: untaxed value its source does not let bill yet}: time waiting for approval,
        a milestone not reached (the Projects bridge). Contract periods and shipment lines are
        billable as soon as they are items."""
        return {}

    def _compute_not_ready_reason(self):
        for item in self:
            item.not_ready_reason = item._not_ready_reason() \
                if item.billing_status == 'not_ready' else False

    def _compute_invoice_ids(self):
        for item in self:
            item.invoice_ids = item.period_id.invoice_id \
                | item.shipment_line_id.invoice_line_ids.move_id
            item.invoice_count = len(item.invoice_ids)

    @api.depends('billing_status', 'period_id.invoice_id.payment_state',
                 'shipment_line_id.invoice_line_ids.move_id.payment_state')
    def _compute_payment_status(self):
        for item in self:
            invoices = (item.period_id.invoice_id
                        | item.shipment_line_id.invoice_line_ids.move_id).filtered(
                lambda move: move.state == 'posted' and move.move_type == 'out_invoice')
            item.payment_status = self._payment_status_of(invoices) \
                if item.billing_status == 'invoice_posted' else False

    @api.model
    def _payment_status_of(self, invoices):
        """Paid, partially paid or not paid, for the posted invoices of an item (one a
        credit note reversed bills nothing, and is not paid either)."""
        states = set(invoices.mapped('payment_state')) - {'reversed'}
        if not states:
            return False
        if states <= {'paid', 'in_payment'}:
            return 'paid'
        if states & {'paid', 'in_payment', 'partial'}:
            return 'partial'
        return 'not_paid'

    @api.model_create_multi
    def create(self, vals_list):
        self._check_made_by_the_sources()
        return super().create(vals_list)

    def write(self, vals):
        self._check_made_by_the_sources()
        return super().write(vals)

    def action_mark_ready(self):
        """Mark Ready to Invoice: these items are invoiced by the next proforma."""
        self._set_ready(True)

    def action_mark_not_ready(self):
        """Mark Not Ready to Invoice: these items wait."""
        self._set_ready(False)

    def action_register_payment(self):
        """Mark as paid: Odoo's payment registration for the posted invoices of these items
        (journal and date chosen in Odoo's wizard)."""
        invoices = self.invoice_ids.filtered(
            lambda move: move.state == 'posted' and move.move_type == 'out_invoice'
            and move.payment_state not in ('paid', 'in_payment'))
        if not invoices:
            raise UserError(self.env._(
                "None of these items has a posted invoice left to pay: confirm their proforma "
                "invoices first."))
        return invoices.action_register_payment()

    def action_view_invoices(self):
        """Open the invoices that billed these items."""
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type',
                              context={'default_move_type': 'out_invoice'})

    def action_open_source(self):
        """Open the contract or the posted shipment this item bills."""
        self.ensure_one()
        return self.source_ref.get_formview_action() if self.source_ref else False

    def _set_ready(self, ready):
        self.check_access('read')
        self._check_may_bill()
        self._write_ready(ready)

    def _write_ready(self, ready):
        """Mark these items ready or not ready (those still to invoice); bridges check more
        (a not-to-exceed limit)."""
        waiting = self.filtered(lambda item: item.billing_status in OPEN_STATUSES)
        blocked = waiting.filtered(lambda item: ready and item._not_ready_reason())
        if blocked:
            raise UserError(blocked[0]._not_ready_reason())
        trusted(waiting.sudo()).ready = ready

    def _make_ready_where_allowed(self, refuse=False):
        """Mark these waiting items ready to invoice, oldest first, where nothing keeps them
        waiting (``_not_ready_reason``: approval, a milestone not reached, a not-to-exceed
        limit, each item checked with those before it made ready); the others stay not ready
        and say why (``refuse``: the first one that may not be made ready is refused)."""
        for item in self.sorted(lambda item: (item.date or fields.Date.today(), item.id)):
            if item.billing_status != 'not_ready':
                continue
            if reason := item._not_ready_reason():
                if refuse:
                    raise UserError(reason)
                continue
            trusted(item.sudo()).ready = True

    def _give_back(self):
        """These items were given back by a posted credit note: billable again, and ready to
        invoice as they were when they were billed (Project Operations' corrections), whatever
        their source, unless something keeps them waiting now (a not-to-exceed limit)."""
        self._make_ready_where_allowed()

    def _filtered_may_bill(self):
        """The items this user may bill, and so mark ready or not ready: the one rule of Mark
        Ready, Mark Not Ready and the proformas (``_invoice_pieces``). None without a Service
        Invoicing right; for a user, the items of their own sales as each source's invoicing
        decides it; for a manager, all of their companies' (the record rules)."""
        if not self._may_bill_at_all():
            return self.browse()
        return self._filtered_may_bill_sources()

    @api.model
    def _may_bill_at_all(self):
        return self.env.su or self.env.user.has_group('service_invoicing.group_service_user')

    def _filtered_may_bill_sources(self):
        """Those of ``_filtered_may_bill`` by their source: a contract this user may invoice
        (``service.contract._filtered_may_invoice``), a shipment line of an order they may
        bill (``service.shipment.line._filtered_billable``). Bridges add theirs."""
        # Sets of ids: a recordset's ``in`` reads its ids one by one (thousands of items).
        contract_ids = set(self.contract_id._filtered_may_invoice().ids)
        shipment_line_ids = set(self.shipment_line_id._filtered_billable().ids)
        return self.filtered(lambda item: item.contract_id.id in contract_ids
                             or item.shipment_line_id.id in shipment_line_ids)

    def _may_not_bill_reason(self):
        """Why this user may not bill this item (``_filtered_may_bill``), in a clerk's
        words."""
        self.ensure_one()
        if not self._may_bill_at_all():
            return self.env._(
                "Billing the backlog, and marking its items ready or not ready, takes the "
                "Service Invoicing User or Manager right: ask your administrator for it.")
        if self.contract_id:
            return self.contract_id._may_not_invoice_message(self.contract_id)
        return self.env._(
            "You may not invoice the order %(order)s: its salesperson or a manager does.",
            order=self.sudo().order_id.name)

    def _check_may_bill(self, doing=None):
        """Refuse, naming them and why, the items this user may not mark ready or not
        ready."""
        refused = self - self._filtered_may_bill()
        if not refused:
            return
        names = list(dict.fromkeys(refused.mapped('name')))
        shown = ', '.join(names[:5])
        if len(names) > 5:
            shown = self.env._("%(names)s and %(count)s more", names=shown,
                               count=len(names) - 5)
        reasons = ' '.join(dict.fromkeys(item._may_not_bill_reason() for item in refused))
        if doing:
            raise AccessError(self.env._(
                "You may not bill %(items)s, so you cannot %(doing)s. %(reasons)s",
                items=shown, doing=doing, reasons=reasons))
        raise AccessError(self.env._(
            "You may not mark %(items)s ready or not ready to invoice. %(reasons)s",
            items=shown, reasons=reasons))

    def _not_ready_reason(self):
        """Why this item may not be marked ready ('' when it may): bridges add theirs (a
        not-to-exceed limit, an unapproved timesheet)."""
        self.ensure_one()
        return ''

    def _check_made_by_the_sources(self):
        if not is_trusted(self):
            raise UserError(self.env._(
                "Billing backlog items are made by their sources (contract periods, posted "
                "shipments) and change through Mark Ready, Mark Not Ready and invoicing."))

    def _shipment_amounts(self):
        """{item: (untaxed amount left to invoice, invoiced, in draft invoices)} of shipment
        items: what is left, by Odoo's tax engine for the order line (only where something
        is left: a batch that invoices everything pays nothing for it); what was invoiced and
        what drafts hold, from the invoice lines themselves (a draft credit note gives nothing
        back until it is posted)."""
        AccountTax = self.env['account.tax']
        result = {}
        for item in self:
            invoiced = in_draft = 0.0
            for invoice_line in item.shipment_line_id.invoice_line_ids:
                refund = invoice_line.move_id.move_type == 'out_refund'
                if invoice_line.parent_state == 'posted':
                    invoiced += -invoice_line.price_subtotal if refund \
                        else invoice_line.price_subtotal
                elif invoice_line.parent_state == 'draft' and not refund:
                    in_draft += invoice_line.price_subtotal
            result[item] = (0.0, invoiced, in_draft)
        open_items = self.filtered(lambda item: item.shipment_line_id.qty_to_invoice > 0)
        for company, items in open_items.grouped('company_id').items():
            base_lines = [item.shipment_line_id.order_line_id
                          ._prepare_base_line_for_taxes_computation(
                              quantity=item.shipment_line_id.qty_to_invoice)
                          for item in items]
            AccountTax._add_tax_details_in_base_lines(base_lines, company)
            AccountTax._round_base_lines_tax_details(base_lines, company)
            for item, base_line in zip(items, base_lines, strict=True):
                result[item] = (base_line['tax_details']['total_excluded_currency'],
                                *result[item][1:])
        return result
