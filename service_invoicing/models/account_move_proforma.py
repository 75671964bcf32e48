"""Proforma invoices: review, Recalculate, Confirm, Correct this invoice.

A proforma is an ordinary draft customer invoice made from the billing backlog; it keeps its
cut-off date and grouping so that Recalculate can make it again from its sources.
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.formatting import format_money, format_percentage, format_quantity
from ..tools.trusted import trusted
from .service_billing_invoicing import GROUPINGS


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    service_proforma = fields.Boolean(
        string="Proforma", copy=False, readonly=True,
        help="Made from the billing backlog: Recalculate makes it again from its sources.")
    service_cutoff_date = fields.Date(string="Cut-off Date", copy=False, readonly=True)
    service_grouping = fields.Selection(GROUPINGS, string="Grouping", copy=False, readonly=True)
    service_billing_item_ids = fields.Many2many(
        'service.billing.item', string="Backlog Items",
        compute='_compute_service_billing_item_ids')
    service_billing_item_count = fields.Integer(compute='_compute_service_billing_item_ids')

    @api.depends('invoice_line_ids.service_shipment_line_id', 'service_period_ids')
    def _compute_service_billing_item_ids(self):
        for move in self:
            items = move.invoice_line_ids.service_shipment_line_id.billing_item_ids \
                | move.sudo().service_period_ids.billing_item_ids
            move.service_billing_item_ids = items
            move.service_billing_item_count = len(items)

    def action_service_confirm(self):
        """Confirm the proforma: Odoo's posting, one way (Odoo's own Confirm is hidden on
        proformas, and posting by any path follows the same rules). A proforma of
        non-chargeable lines only is written off, not posted: the user is told so."""
        written_off = self._service_all_non_chargeable()
        customers = ', '.join(dict.fromkeys(written_off.partner_id.mapped('display_name')))
        result = self._service_post()
        if written_off:
            return self._service_notify(
                self.env._("Written off, nothing invoiced"),
                self.env._("The proforma of %(customers)s had non-chargeable lines only: its "
                           "time and goods are written off (their backlog items closed) and "
                           "the draft is cancelled; no invoice is posted.",
                           customers=customers))
        return result

    def _service_all_non_chargeable(self):
        """The draft customer invoices whose every line is non-chargeable."""
        return self.filtered(lambda move: move.move_type == 'out_invoice'
                             and move.state == 'draft'
                             and (lines := move.invoice_line_ids.filtered(
                                 lambda line: line.display_type == 'product'))
                             and all(line.service_billing_type == 'non_chargeable'
                                     for line in lines))

    def _service_write_off_before_posting(self):
        """Posting (before step 1): a draft customer invoice whose every line is
        non-chargeable is written off (its items closed, as posting writes off the
        non-chargeable lines of any invoice) and cancelled rather than posted: there is
        nothing to invoice and no number is used. The chatter of every draft that writes
        something off says what. Returns the drafts written off whole."""
        drafts = self.filtered(lambda move: move.move_type == 'out_invoice'
                               and move.state == 'draft')
        drafts = drafts.invoice_line_ids.filtered(
            lambda line: line.service_billing_type == 'non_chargeable').move_id
        whole = drafts._service_all_non_chargeable()
        for move in drafts:
            lines = move.invoice_line_ids.filtered(
                lambda line: line.service_billing_type == 'non_chargeable')
            if not lines:
                continue
            written = ', '.join(move._service_line_summary(line) for line in lines)
            if move in whole:
                move.message_post(body=self.env._(
                    "Nothing to invoice: every line is non-chargeable. Written off: "
                    "%(lines)s; their backlog items are closed as non-chargeable and this "
                    "draft is cancelled (no invoice posted).", lines=written))
            else:
                move.message_post(body=self.env._(
                    "Written off as non-chargeable, not invoiced: %(lines)s.", lines=written))
        if whole:
            whole._service_forget_links()
            whole._service_write_off_non_chargeable()
            whole.button_cancel()
        return whole

    def _service_line_summary(self, line):
        """"Repair labour: 3.00 Units" (formatted, with its unit)."""
        return self.env._("%(product)s: %(quantity)s %(unit)s",
                          product=line.product_id.display_name or line.name,
                          quantity=format_quantity(self.env, line.quantity),
                          unit=line.product_uom_id.name or '')

    def _service_notify(self, title, message):
        """A notification, then the form as it is now."""
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {'title': title, 'message': message, 'sticky': False, 'type': 'info',
                       'next': {'type': 'ir.actions.act_window_close'}},
        }

    def action_service_recalculate(self):
        """Recalculate: the draft again from its sources. Items that became ready for its
        customer up to its cut-off are added, what was billed elsewhere meanwhile is left
        out, prices and taxes come from the sources again; lines typed by hand stay, and so
        does what the user changed on the lines made from the sources (a quantity or price
        typed, a discount typed, a billing type chosen). What it added, removed and kept is
        said in the chatter and in a notification."""
        messages = []
        for invoice in self:
            matched, removed = invoice._service_recalculate_once()
            message = invoice._service_recalculated_message(matched, removed)
            invoice.message_post(body=Markup('<br/>').join(message))
            # A notification shows plain text as one paragraph: what it did, one after the
            # other (the chatter has a line each).
            said = f"{message[0]} {'; '.join(message[1:])}"
            messages.append(said if said.endswith('.') else f"{said}.")
        return self._service_notify(self.env._("Recalculated"), ' '.join(messages))

    def _service_recalculate_once(self):
        """Make this draft again from its sources, keeping what the user changed on its
        lines: ([(new line, values of the line it replaces or None)], [values of the lines
        removed])."""
        self.ensure_one()
        invoice = self
        invoice._service_check_recalculable()
        source_lines = invoice.invoice_line_ids.filtered(
            lambda line: line._service_bills_backlog_source())
        # Made again by whoever may bill all of it: another's lines would be dropped.
        invoice.service_billing_item_ids._check_may_bill(doing=self.env._(
            "recalculate %(invoice)s", invoice=invoice.display_name))
        sources = (source_lines.service_contract_id, source_lines.sale_line_ids.order_id)
        before = {}
        for line in source_lines.sorted('id'):
            before.setdefault(line._service_proforma_key(), []).append(
                line._service_proforma_values())
        # Deleting the lines gives their periods and quantities back to the backlog.
        invoice.invoice_line_ids = [fields.Command.delete(line.id) for line in source_lines]
        items = self.env['service.billing.item'].search([
            ('billing_status', '=', 'ready'), ('company_id', '=', invoice.company_id.id),
            ('currency_id', '=', invoice.currency_id.id),
            ('partner_id', '=', invoice.commercial_partner_id.id),
            ('date', '<=', invoice.service_cutoff_date or fields.Date.context_today(self)),
        ])
        pieces, _refused = items._invoice_pieces()
        pieces = [piece for piece in pieces if invoice._service_takes(piece, sources)]
        invoice.invoice_line_ids = [fields.Command.create(vals) for piece in pieces
                                    for vals in piece['lines']]
        plans = [piece['plan'] for piece in pieces if piece.get('plan')]
        if plans:
            self.env['service.contract']._record_invoiced_periods(
                invoice, [({}, plans)])
        invoice._service_record_proforma_values()
        matched = []
        new_lines = invoice.invoice_line_ids.filtered(
            lambda line: line._service_bills_backlog_source())
        for line in new_lines.sorted('id'):
            olds = before.get(line._service_proforma_key())
            old = olds.pop(0) if olds else None
            if old:
                line._service_keep_user_changes(old)
            matched.append((line, old))
        return matched, [old for olds in before.values() for old in olds]

    def _service_record_proforma_values(self):
        """Record on the lines made from the sources the quantity, price and discount the
        sources gave: what the user types afterwards differs from them (Recalculate keeps
        it)."""
        if not self:
            return
        self.env['account.move.line'].flush_model(
            ['quantity', 'price_unit', 'discount', 'display_type'])
        self.env.cr.execute("""
            UPDATE account_move_line
               SET service_proforma_quantity = quantity,
                   service_proforma_price_unit = price_unit,
                   service_proforma_discount = discount
             WHERE move_id = ANY(%s) AND display_type = 'product'
               AND service_proforma_quantity IS NULL""", [self.ids])
        self.env['account.move.line'].invalidate_model(
            ['service_proforma_quantity', 'service_proforma_price_unit',
             'service_proforma_discount'])

    def _service_recalculated_message(self, matched, removed):
        """What Recalculate did to this draft, line by line, as the user reads it."""
        self.ensure_one()
        currency = self.currency_id
        message = [self.env._("%(invoice)s recalculated:", invoice=self.display_name)]
        for line, old in matched:
            product = line.product_id.display_name or line.name
            if not old:
                message.append(self.env._("added %(line)s", line=self._service_line_summary(
                    line)))
                continue
            if line.product_uom_id.compare(line.quantity, line.service_proforma_quantity):
                message.append(self.env._(
                    "kept the quantity typed on %(product)s: %(quantity)s (the sources give "
                    "%(given)s)", product=product,
                    quantity=format_quantity(self.env, line.quantity),
                    given=format_quantity(self.env, line.service_proforma_quantity)))
            elif line.product_uom_id.compare(line.quantity, old['quantity']):
                message.append(self.env._(
                    "%(product)s: %(old)s becomes %(new)s", product=product,
                    old=format_quantity(self.env, old['quantity']),
                    new=format_quantity(self.env, line.quantity)))
            if currency.compare_amounts(line.price_unit, line.service_proforma_price_unit):
                message.append(self.env._(
                    "kept the price typed on %(product)s: %(price)s (the sources give "
                    "%(given)s)", product=product,
                    price=format_money(self.env, line.price_unit, currency),
                    given=format_money(self.env, line.service_proforma_price_unit,
                                       currency)))
            elif currency.compare_amounts(line.price_unit, old['price_unit']):
                message.append(self.env._(
                    "%(product)s: price %(old)s becomes %(new)s", product=product,
                    old=format_money(self.env, old['price_unit'], currency),
                    new=format_money(self.env, line.price_unit, currency)))
            if line._service_discount_typed():
                message.append(self.env._(
                    "kept the discount typed on %(product)s: %(discount)s (the sources give "
                    "%(given)s)", product=product,
                    discount=format_percentage(self.env, line.discount / 100),
                    given=format_percentage(self.env, line.service_proforma_discount / 100)))
        for old in removed:
            message.append(self.env._("removed %(line)s (billed elsewhere or no longer ready)",
                                      line=old['summary']))
        if len(message) == 1:
            message.append(self.env._("nothing added, removed or changed."))
        return message

    def action_service_correct(self):
        """Correct this invoice: a credit note of what the corrected quantities leave out."""
        self.ensure_one()
        if self.move_type != 'out_invoice' or self.state != 'posted':
            raise UserError(self.env._(
                "Only a posted customer invoice can be corrected; %(invoice)s is not one.",
                invoice=self.display_name))
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Correct this Invoice"),
            'res_model': 'service.invoice.correction.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_invoice_id': self.id},
        }

    def action_view_service_billing_items(self):
        """Open the backlog items this invoice bills."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_billing_item')
        action['domain'] = [('id', 'in', self.service_billing_item_ids.ids)]
        action['context'] = {}
        return action

    def _service_check_recalculable(self):
        self.ensure_one()
        if self.move_type != 'out_invoice' or self.state != 'draft':
            raise UserError(self.env._(
                "Recalculate works on a draft customer invoice; %(invoice)s is not one.",
                invoice=self.display_name))

    def _service_takes(self, piece, sources):
        """Whether a backlog piece belongs on this invoice: same customer, company, currency,
        journal, fiscal position and payment terms (and same source when grouped per
        source)."""
        self.ensure_one()
        grouping = self.service_grouping or 'customer'
        header = (self.currency_id.id, self.company_id.id, self.journal_id.id,
                  self.fiscal_position_id.id, self.invoice_payment_term_id.id)
        key = piece['key']
        if key['customer'][1:] != header:
            return False
        if grouping == 'invoice_address':
            return key['invoice_address'][0] == self.partner_id.id
        if grouping == 'source':
            model, record_id = key['source'][:2]
            contracts, orders = sources
            return record_id in (contracts if model == 'service.contract' else orders).ids
        return True

    def _service_write_off_non_chargeable(self):
        """Confirming (step 1 of posting): non-chargeable lines leave the invoice and are
        never billed; the quantity of a shipment line is consumed (shipped and never charged),
        never less than nothing nor more than it has left."""
        lines = self.filtered(lambda move: move.move_type == 'out_invoice'
                              and move.state == 'draft').invoice_line_ids.filtered(
            lambda line: line.service_billing_type == 'non_chargeable')
        for line in lines:
            if line.product_uom_id.compare(line.quantity, 0.0) <= 0 \
                    if line.product_uom_id else line.quantity <= 0:
                raise UserError(self.env._(
                    "%(line)s of %(invoice)s writes off %(quantity)s as non-chargeable: only a "
                    "positive quantity can be written off. Change the quantity on the line.",
                    line=line.name or line.product_id.display_name,
                    invoice=line.move_id.display_name,
                    quantity=format_quantity(self.env, line.quantity)))
        for line in lines.filtered('service_shipment_line_id'):
            shipment_line = trusted(line.service_shipment_line_id.sudo())
            quantity = line.product_uom_id._compute_quantity(
                line.quantity, shipment_line.product_uom_id)
            # What is left of it besides this line: shipped, not consumed, not invoiced and
            # not on another draft.
            left = shipment_line.qty_to_invoice + quantity
            if shipment_line.product_uom_id.compare(quantity, left) > 0:
                raise UserError(self.env._(
                    "%(line)s of %(invoice)s writes off %(quantity)s of %(shipment_line)s as "
                    "non-chargeable: only between 0 and %(left)s (shipped, not consumed, not "
                    "invoiced) can be written off. Change the quantity on the line.",
                    line=line.name or line.product_id.display_name,
                    invoice=line.move_id.display_name,
                    quantity=format_quantity(self.env, quantity),
                    shipment_line=shipment_line.display_name,
                    left=format_quantity(self.env, left)))
            line.unlink()
            shipment_line.qty_consumed += quantity
            shipment_line._check_not_over_invoiced()

    def _service_give_back_to_the_backlog(self):
        """What posted credit notes credited goes back to the backlog, billable again and
        ready to invoice (``service.billing.item._give_back``): one rule for every source."""
        self._service_credited_items()._give_back()

    def _service_credited_items(self):
        """The backlog items these posted credit notes give back: those of the shipment lines
        they credit, those of the contract periods credited in full (marked credited here, so
        that they may be billed again); bridges add theirs."""
        lines = self.invoice_line_ids
        items = lines.service_shipment_line_id.billing_item_ids.sudo()
        keys = {(line.service_contract_id, line.service_period_start)
                for line in lines if line.service_contract_id}
        if not keys:
            return items
        billed = self.env['service.contract.period'].sudo().search([
            ('contract_id', 'in', [contract.id for contract, _start in keys]),
            ('credited', '=', False)])
        for period in billed.filtered(lambda p: (p.contract_id, p.date_start) in keys):
            if period._is_credited_in_full():
                period.credited = True
                items |= period.billing_item_ids
        return items


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'  # pylint: disable=consider-merging-classes-inherited

    service_proforma_quantity = fields.Float(
        string="Quantity from the Sources", digits='Product Unit', copy=False, readonly=True,
        help="The quantity the billing backlog gave this proforma line: a quantity typed "
             "since is kept by Recalculate.")
    service_proforma_price_unit = fields.Float(
        string="Price from the Sources", digits='Product Price', copy=False, readonly=True,
        help="The price the billing backlog gave this proforma line: a price typed since is "
             "kept by Recalculate.")
    service_proforma_discount = fields.Float(
        string="Discount from the Sources", digits='Discount', copy=False, readonly=True,
        help="The discount (%) the billing backlog gave this proforma line: a discount typed "
             "since is kept by Recalculate.")

    def _service_proforma_key(self):
        """What this line bills, as Recalculate finds the same line again: its product,
        order lines and the links that name one source (a shipment line, a contract period,
        a milestone), not the timesheets it gathers (time approved since joins the line)."""
        self.ensure_one()
        key = [self.product_id.id, tuple(sorted(self.sale_line_ids.ids))]
        for name in self._service_link_fields():
            field = self._fields[name]
            if field.type in ('one2many', 'many2many'):
                continue
            key.append(self[name].id if field.type == 'many2one' else self[name])
        return tuple(key)

    def _service_proforma_values(self):
        """What Recalculate keeps of this line: what the user typed and chose."""
        self.ensure_one()
        return {
            'quantity': self.quantity, 'price_unit': self.price_unit,
            'source_quantity': self.service_proforma_quantity,
            'source_price_unit': self.service_proforma_price_unit,
            'discount': self.discount, 'source_discount': self.service_proforma_discount,
            'billing_type': self.service_billing_type,
            'summary': self.move_id._service_line_summary(self),
        }

    def _service_keep_user_changes(self, old):
        """Give this line, made again from its sources, what the user had changed on the
        line it replaces (``old``): the quantity typed, moved by what the sources added or
        took away since (never below nothing nor beyond what the sources give), the price
        typed, the discount typed on a chargeable line (complimentary and non-chargeable lines
        are at 100 % by their billing type), the billing type chosen. A line whose sources'
        figures were not recorded (made before they were) takes the sources' figures."""
        self.ensure_one()
        vals = {}
        uom, currency = self.product_uom_id, self.currency_id
        if old['source_quantity'] and uom.compare(old['quantity'], old['source_quantity']):
            now = self.quantity
            quantity = uom.round(min(max(old['quantity'] + now - old['source_quantity'], 0.0),
                                     now)) if now > 0 else now
            if uom.compare(quantity, now):
                vals['quantity'] = quantity
        if old['source_quantity'] and currency.compare_amounts(
                old['price_unit'], old['source_price_unit']) \
                and currency.compare_amounts(old['price_unit'], self.price_unit):
            vals['price_unit'] = old['price_unit']
        if old['source_quantity'] and old['billing_type'] == 'chargeable' \
                and self._service_compare_discounts(old['discount'], old['source_discount']) \
                and self._service_compare_discounts(old['discount'], self.discount):
            vals['discount'] = old['discount']
        if vals:
            self.write(vals)
        if old['billing_type'] != self.service_billing_type:
            self.service_billing_type = old['billing_type']

    def _service_discount_typed(self):
        """Whether the user typed this chargeable line's discount (it differs from the one its
        sources gave)."""
        self.ensure_one()
        return self.service_billing_type == 'chargeable' and bool(self._service_compare_discounts(
            self.discount, self.service_proforma_discount))

    def _service_compare_discounts(self, discount, other):
        return float_compare(discount, other, precision_digits=self.env[
            'decimal.precision'].precision_get('Discount'))
