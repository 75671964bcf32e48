"""Posting of service orders the Business Central way: Ship, Invoice, Ship and Invoice, Consume.

Quantities are chosen per order line. Everything is checked before anything is written, so a
refused posting leaves the orders, deliveries and invoices as they were.
"""

from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command

POSTING_OPTIONS = [
    ('ship', "Ship"),
    ('invoice', "Invoice"),
    ('ship_invoice', "Ship and Invoice"),
    ('consume', "Consume"),
]
POSTED_QUANTITIES = {
    'ship': {'ship'},
    'invoice': {'invoice'},
    'ship_invoice': {'ship', 'invoice'},
    'consume': {'ship', 'consume'},
}


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    def _service_post(self, option, ship=None, invoice=None, consume=None, post_invoice=False,
                      send=False, invoice_date=None):
        """Post these order lines; ``ship``/``invoice``/``consume`` map a line to a quantity.

        Returns the customer invoices created (one per customer, currency, company, journal).
        """
        ship, invoice, consume = ship or {}, invoice or {}, consume or {}
        self._service_check_posting(option, ship, invoice, consume)
        if ship:
            self._service_ship(ship)
        if consume:
            self._service_consume(consume)
        invoices = self.env['account.move']
        if invoice:
            invoices = self._service_create_invoices(invoice, invoice_date)
            if post_invoice or send:
                invoices.action_post()
            if send:
                invoices._service_queue_sending()
        return invoices

    def _service_check_posting(self, option, ship, invoice, consume):
        """Business Central's quantity rules, each refused with a message naming the line."""
        if option not in dict(POSTING_OPTIONS):
            raise UserError(self.env._("Choose how to post: Ship, Invoice, Ship and Invoice or "
                                       "Consume."))
        given = {kind for kind, quantities in
                 (('ship', ship), ('invoice', invoice), ('consume', consume))
                 if any(quantities.values())}
        if given - POSTED_QUANTITIES[option]:
            options = dict(self.env['service.order.post.wizard']._fields['option']
                           ._description_selection(self.env))
            kinds = {'ship': self.env._("ship"), 'invoice': self.env._("invoice"),
                     'consume': self.env._("consume")}
            raise UserError(self.env._(
                "%(option)s does not post quantities to %(kinds)s: choose another option.",
                option=options[option], kinds=', '.join(
                    kinds[kind] for kind in sorted(given - POSTED_QUANTITIES[option]))))
        quantities_given = False
        for line in self:
            name = self.env._("order %(order)s, line %(line)s", order=line.order_id.name,
                              line=line.product_id.display_name or line.name)
            to_ship, to_invoice, to_consume = (
                ship.get(line, 0.0), invoice.get(line, 0.0), consume.get(line, 0.0))
            if min(to_ship, to_invoice, to_consume) < 0:
                raise UserError(self.env._(
                    "Quantities to post cannot be negative (%(line)s).", line=name))
            if not (to_ship or to_invoice or to_consume):
                continue
            quantities_given = True
            if line.order_id.state != 'sale':
                raise UserError(self.env._(
                    "Confirm %(order)s before posting it.", order=line.order_id.name))
            if not line._service_is_postable():
                raise UserError(self.env._(
                    "%(line)s is not shipped by posting: post it with Odoo's own invoicing.",
                    line=name))
            uom = line.product_uom_id
            if uom.compare(to_ship, line.product_uom_qty - line.qty_delivered) > 0:
                raise UserError(self.env._(
                    "You cannot ship %(qty)s on %(line)s: only %(left)s are left to ship.",
                    qty=to_ship, line=name, left=line.product_uom_qty - line.qty_delivered))
            open_qty = line.qty_shipped_not_invoiced + to_ship
            if option == 'ship_invoice' and uom.compare(to_invoice, to_ship) != 0:
                raise UserError(self.env._(
                    "With Ship and Invoice the quantity to invoice must equal the quantity to "
                    "ship (%(line)s).", line=name))
            if uom.compare(to_invoice, open_qty) > 0:
                raise UserError(self.env._(
                    "You cannot invoice what has not been shipped: %(qty)s to invoice on "
                    "%(line)s, but only %(open)s are shipped and not invoiced or consumed.",
                    qty=to_invoice, line=name, open=open_qty))
            if uom.compare(to_consume + to_invoice, open_qty) > 0:
                raise UserError(self.env._(
                    "You cannot consume %(qty)s on %(line)s: only %(open)s are shipped and not "
                    "invoiced or consumed.", qty=to_consume, line=name,
                    open=open_qty - to_invoice))
        if not quantities_given:
            raise UserError(self.env._(
                "There is nothing to post: enter a quantity to ship, invoice or consume."))

    def _service_ship(self, quantities):
        """Ship: validate the deliveries for exactly these quantities; services are posted."""
        pickings = self.env['stock.picking']
        shipped_moves = self.env['stock.move']
        for line, quantity in quantities.items():
            if line.product_uom_id.compare(quantity, 0.0) <= 0:
                continue
            if line.qty_delivered_method == 'service_posting':
                line.qty_service_shipped += quantity
                continue
            rest = quantity
            moves = line.move_ids.filtered(
                lambda move: move.picking_code == 'outgoing'
                and move.state not in ('done', 'cancel', 'draft')
            ).sorted(lambda move: (move.date, move.id))
            for move in moves:
                if line.product_uom_id.compare(rest, 0.0) <= 0:
                    break
                if move.state == 'waiting':
                    raise UserError(self.env._(
                        "Delivery %(picking)s of order %(order)s waits for an earlier operation: "
                        "finish it before shipping %(product)s.", picking=move.picking_id.name,
                        order=line.order_id.name, product=line.product_id.display_name))
                demand = move.product_uom._compute_quantity(
                    move.product_uom_qty, line.product_uom_id)
                taken = min(demand, rest)
                move.quantity = line.product_uom_id._compute_quantity(taken, move.product_uom)
                move.picked = True
                shipped_moves |= move
                rest -= taken
            if line.product_uom_id.compare(rest, 0.0) > 0:
                raise UserError(self.env._(
                    "Order %(order)s has no delivery waiting for %(qty)s %(product)s.",
                    order=line.order_id.name, qty=rest, product=line.product_id.display_name))
            pickings |= moves.picking_id
        pickings = pickings.filtered(lambda picking: picking.move_ids & shipped_moves)
        for move in pickings.move_ids - shipped_moves:
            # Lines not shipped by this posting stay for the backorder.
            if move.state not in ('done', 'cancel'):
                move.quantity = 0.0
                move.picked = False
        if pickings:
            pickings.with_context(cancel_backorder=False)._action_done()
        return pickings

    def _service_consume(self, quantities):
        """Consume: shipped quantities used up at the customer's, never invoiced."""
        for line, quantity in quantities.items():
            if line.product_uom_id.compare(quantity, 0.0) <= 0:
                continue
            if line.qty_delivered_method == 'stock_move':
                for move, move_quantity in line._service_allocate_to_moves(quantity):
                    if move:
                        move.service_qty_consumed += line.product_uom_id._compute_quantity(
                            move_quantity, move.product_uom)
            line.qty_consumed += quantity

    def _service_create_invoices(self, quantities, invoice_date=None):
        """Invoice these quantities of order lines, from their deliveries oldest first."""
        items = []
        for line, quantity in quantities.items():
            if line.product_uom_id.compare(quantity, 0.0) > 0:
                items += [(line, move, move_quantity) for move, move_quantity
                          in line._service_invoice_allocation(quantity)]
        return self._service_create_invoices_from_items(items, invoice_date=invoice_date)

    @api.model
    def _service_create_invoices_from_items(self, items, invoice_date=None,
                                            accounting_date=None):
        """Create the invoices of [(order line, delivery or empty, quantity)] in one call."""
        vals_list = self._service_prepare_invoices_vals(items, invoice_date, accounting_date)
        return self.env['account.move']._service_create_invoices(vals_list)

    @api.model
    def _service_prepare_invoices_vals(self, items, invoice_date=None, accounting_date=None):
        """Invoice values: one invoice per customer, currency, company, journal and terms."""
        # Records that share one prefetch set: the orders, lines and taxes of the whole batch
        # are read in a few queries instead of a few per line.
        lines = {line.id: line for line in self.browse({line.id for line, _m, _q in items})}
        moves = {move.id: move for move in self.env['stock.move'].browse(
            {move.id for _l, move, _q in items if move})}
        groups = defaultdict(list)
        for line, move, quantity in items:
            line, move = lines[line.id], moves.get(move.id, move)
            groups[line.order_id._service_invoice_grouping_key()].append((line, move, quantity))
        vals_list = []
        for group in groups.values():
            orders = self.env['sale.order'].union(*(line.order_id for line, _m, _q in group))
            invoice_vals = orders[0]._prepare_invoice()
            invoice_vals['invoice_origin'] = ', '.join(orders.mapped('name'))
            if invoice_date:
                invoice_vals['invoice_date'] = invoice_date
            if accounting_date:
                invoice_vals['date'] = accounting_date
            invoice_vals['invoice_line_ids'] += [
                Command.create(line._prepare_invoice_line(
                    quantity=quantity, service_stock_move_id=move.id))
                for line, move, quantity in group
            ]
            vals_list.append(invoice_vals)
        return vals_list

    def _service_invoice_allocation(self, quantity):
        self.ensure_one()
        if self.qty_delivered_method != 'stock_move':
            return [(self.env['stock.move'], quantity)]
        return self._service_allocate_to_moves(quantity)


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    def action_service_post(self):
        """Post: open the posting wizard (Ship, Invoice, Ship and Invoice, Consume)."""
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Post Service Order"),
            'res_model': 'service.order.post.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_model': 'sale.order', 'active_ids': self.ids},
        }

    def _service_invoice_grouping_key(self):
        """Orders with the same key can share one (combined) invoice."""
        self.ensure_one()
        return (self.partner_invoice_id.id, self.company_id.id, self.currency_id.id,
                self.journal_id.id, self.fiscal_position_id.id, self.payment_term_id.id)

