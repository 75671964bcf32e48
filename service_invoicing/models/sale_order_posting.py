"""Posting of service orders the Business Central way: Ship, Invoice, Ship and Invoice, Consume.

Quantities are chosen per order line. Everything is checked before anything is written, so a
refused posting leaves the orders, shipments and invoices as they were. Every posting that
ships makes a posted shipment per order.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import POSTED_QUANTITIES, POSTING_OPTIONS
from ..tools.formatting import format_quantity
from ..tools.trusted import trusted


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'  # pylint: disable=consider-merging-classes-inherited

    def _service_post(self, option, ship=None, invoice=None, consume=None, post_invoice=False,
                      send=False, invoice_date=None, deduct_down_payments=True):
        """Post these order lines; ``ship``/``invoice``/``consume`` map a line to a quantity;
        the invoice deducts the orders' down payments as Odoo's Create Invoice does by default.

        Returns the customer invoices created (one per customer, currency, company, journal).
        """
        ship, invoice, consume = ship or {}, invoice or {}, consume or {}
        self._service_check_posting(option, ship, invoice, consume)
        shipments = self.env['service.shipment']
        if ship:
            shipments = self._service_ship(ship)
        if consume:
            self._service_consume(consume)
        invoices = self.env['account.move']
        if invoice:
            # Ship and Invoice bills what it has just shipped first.
            invoices = self._service_create_invoices(
                invoice, invoice_date, shipped_first=shipments.line_ids,
                deduct_down_payments=deduct_down_payments)
            if post_invoice or send:
                invoices._service_post()
            if send:
                invoices._service_queue_sending()
        return invoices

    def _service_check_posting(self, option, ship, invoice, consume):
        """Business Central's quantity rules, each refused with a message naming the line."""
        options = dict(POSTING_OPTIONS)
        if option not in options:
            raise UserError(self.env._("Choose how to post: Ship, Invoice, Ship and Invoice or "
                                       "Consume."))
        given = {kind for kind, quantities in
                 (('ship', ship), ('invoice', invoice), ('consume', consume))
                 if any(quantities.values())}
        if given - POSTED_QUANTITIES[option]:
            kinds = {'ship': self.env._("ship"), 'invoice': self.env._("invoice"),
                     'consume': self.env._("consume")}
            raise UserError(self.env._(
                "%(option)s does not post quantities to %(kinds)s: choose another option.",
                option=self._service_option_label(option), kinds=', '.join(
                    kinds[kind] for kind in sorted(given - POSTED_QUANTITIES[option]))))
        quantities_given = False
        for line in self:
            name = self.env._("order %(order)s, line %(line)s", order=line.order_id.name,
                              line=line.product_id.display_name or line.name)
            to_ship, to_invoice, to_consume = (
                ship.get(line, 0.0), invoice.get(line, 0.0), consume.get(line, 0.0))
            self.env.company._service_check_finite(name, to_ship, to_invoice, to_consume)
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
            left_to_ship = line.product_uom_qty - line.qty_delivered
            if uom.compare(to_ship, left_to_ship) > 0:
                raise UserError(self.env._(
                    "You cannot ship %(qty)s on %(line)s: only %(left)s are left to ship.",
                    qty=format_quantity(self.env, to_ship), line=name,
                    left=format_quantity(self.env, left_to_ship)))
            open_qty = line.service_qty_to_invoice + to_ship
            if option == 'ship_invoice' and uom.compare(to_invoice, to_ship) != 0:
                raise UserError(self.env._(
                    "With Ship and Invoice the quantity to invoice must equal the quantity to "
                    "ship (%(line)s).", line=name))
            if uom.compare(to_invoice, open_qty) > 0:
                raise UserError(self.env._(
                    "You cannot invoice what has not been shipped: %(qty)s to invoice on "
                    "%(line)s, but only %(open)s are left (%(story)s).",
                    qty=format_quantity(self.env, to_invoice), line=name,
                    open=format_quantity(self.env, open_qty),
                    story=line._service_quantities_said(to_ship)))
            if uom.compare(to_consume + to_invoice, open_qty) > 0:
                raise UserError(self.env._(
                    "You cannot consume %(qty)s on %(line)s: only %(open)s are left (%(story)s).",
                    qty=format_quantity(self.env, to_consume), line=name,
                    open=format_quantity(self.env, open_qty - to_invoice),
                    story=line._service_quantities_said(to_ship)))
        if not quantities_given:
            raise UserError(self.env._(
                "There is nothing to post: enter a quantity to ship, invoice or consume."))

    def _service_quantities_said(self, to_ship=0.0):
        """Where an order line's quantities stand, in words: what a refused posting tells
        (shipped, invoiced by which invoices, on which drafts, consumed), so that the loser of
        two postings at once reads that the quantity was invoiced, not that none was
        shipped."""
        self.ensure_one()
        shipment_lines = self.sudo().shipment_line_ids
        invoices = shipment_lines.invoice_line_ids.move_id | self.sudo().invoice_lines.move_id
        posted = invoices.filtered(lambda move: move.state == 'posted')
        drafts = invoices.filtered(lambda move: move.state == 'draft')
        return self.env._(
            "shipped %(shipped)s, invoiced %(invoiced)s%(posted)s, on draft invoices "
            "%(in_draft)s%(drafts)s, consumed %(consumed)s",
            shipped=format_quantity(self.env, self.qty_delivered + to_ship),
            invoiced=format_quantity(self.env, sum(shipment_lines.mapped('qty_invoiced'))),
            posted=f" ({', '.join(posted.mapped('name'))})" if posted else '',
            in_draft=format_quantity(self.env, sum(shipment_lines.mapped('qty_in_draft'))),
            drafts=f" ({', '.join(drafts.mapped('display_name'))})" if drafts else '',
            consumed=format_quantity(self.env, sum(shipment_lines.mapped('qty_consumed'))))

    def _service_option_label(self, option):
        """The posting option as the user reads it, in their language."""
        labels = {
            'ship': self.env._("Ship"), 'invoice': self.env._("Invoice"),
            'ship_invoice': self.env._("Ship and Invoice"), 'consume': self.env._("Consume"),
        }
        return labels[option]

    @api.model
    def _service_quantities_to_post(self, quantities):
        """[(order line, quantity)] of ``quantities`` that post something: a quantity above
        zero on a line shipped by posting (``_service_check_posting`` refuses a quantity on
        another line; a zero is left alone, a down payment or a section among them)."""
        return [(line, quantity) for line, quantity in quantities.items()
                if line._service_is_postable() and line.product_uom_id.compare(quantity, 0.0) > 0]

    def _service_ship(self, quantities):
        """Ship: post a shipment per order with these quantities. Returns the shipments."""
        date = fields.Date.context_today(self)
        lines_by_order = defaultdict(list)
        for line, quantity in self._service_quantities_to_post(quantities):
            lines_by_order[line.order_id].append((line, quantity))
        Shipment = self.env['service.shipment']
        shipments = Shipment
        for order, shipped in lines_by_order.items():
            shipment = Shipment._post_shipment(order, date, [])
            self._service_ship_lines(shipment, shipped)
            shipments |= shipment
        return shipments

    def _service_ship_lines(self, shipment, shipped):
        """Add [(order line, quantity)] to ``shipment``: lines shipped by posting are shipped
        here (the stock bridge ships goods through their deliveries)."""
        trusted(self.env['service.shipment.line'].sudo()).create([
            {'shipment_id': shipment.id, 'order_line_id': line.id, 'qty_posted': quantity}
            for line, quantity in shipped if line.qty_delivered_method == 'service_posting'
        ])

    def _service_consume(self, quantities):
        """Consume: shipped quantities used up at the customer's, never invoiced; taken from
        the shipment lines oldest first."""
        for line, quantity in self._service_quantities_to_post(quantities):
            for shipment_line, taken in line.shipment_line_ids._allocate(quantity):
                if shipment_line:
                    trusted(shipment_line.sudo()).qty_consumed += taken

    def _service_create_invoices(self, quantities, invoice_date=None, shipped_first=None,
                                 deduct_down_payments=True):
        """Invoice these quantities of order lines, from their shipment lines oldest first
        (those of ``shipped_first`` before the others), less the orders' down payments as
        Odoo's Create Invoice deducts them (one that does not fit waits, said on the order)."""
        first = shipped_first or self.env['service.shipment.line']
        items = []
        for line, quantity in self._service_quantities_to_post(quantities):
            shipment_lines = line.shipment_line_ids
            for part in (shipment_lines & first, shipment_lines - first):
                allocation = [item for item in part._allocate(quantity) if item[0]]
                items += allocation
                quantity -= sum(taken for _line, taken in allocation)
        notes = []
        invoices = self.env['service.shipment.line']._create_invoices_from_items(
            items, invoice_date=invoice_date, deduct_down_payments=deduct_down_payments,
            notes=notes)
        # A down payment kept for a later invoice is said where its order is followed.
        for note in notes:
            for order in note.orders & self.order_id:
                order.message_post(body=note)
        return invoices

