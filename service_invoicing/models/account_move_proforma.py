"""Proforma invoices: review, Recalculate, Confirm, Correct this invoice.

A proforma is an ordinary draft customer invoice made from the billing backlog; it keeps its
cut-off date and grouping so that Recalculate can make it again from its sources.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

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
        """Confirm the proforma: Odoo's posting, one way."""
        return self.action_post()

    def action_service_recalculate(self):
        """Recalculate: the draft again from its sources. Items that became ready for its
        customer up to its cut-off are added, what was billed elsewhere meanwhile is left
        out, prices and taxes come from the sources again; lines typed by hand stay."""
        for invoice in self:
            invoice._service_check_recalculable()
            source_lines = invoice.invoice_line_ids.filtered(
                lambda line: line._service_bills_backlog_source())
            # Made again by whoever may bill all of it: another's lines would be dropped.
            invoice.service_billing_item_ids._check_may_bill(doing=self.env._(
                "recalculate %(invoice)s", invoice=invoice.display_name))
            sources = (source_lines.service_contract_id, source_lines.sale_line_ids.order_id)
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
        return True

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
                    invoice=line.move_id.display_name, quantity=line.quantity))
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
                    invoice=line.move_id.display_name, quantity=quantity,
                    shipment_line=shipment_line.display_name, left=left))
            line.unlink()
            shipment_line.qty_consumed += quantity
            shipment_line._check_not_over_invoiced()

    def _service_give_back_to_the_backlog(self):
        """What posted credit notes give back goes to the backlog: shipment quantities ready
        to invoice again; a contract period credited in full, not ready (a person decides
        whether it is billed again)."""
        lines = self.invoice_line_ids
        trusted(lines.service_shipment_line_id.billing_item_ids.sudo()).ready = True
        keys = {(line.service_contract_id, line.service_period_start)
                for line in lines if line.service_contract_id}
        if not keys:
            return
        billed = self.env['service.contract.period'].sudo().search([
            ('contract_id', 'in', [contract.id for contract, _start in keys]),
            ('credited', '=', False)])
        for period in billed.filtered(lambda p: (p.contract_id, p.date_start) in keys):
            if period._is_credited_in_full():
                period.credited = True
                trusted(period.billing_item_ids).ready = False
